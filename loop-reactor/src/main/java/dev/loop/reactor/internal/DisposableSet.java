package dev.loop.reactor.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import reactor.core.Disposable;

/**
 * The tasks (timers) or workers a scheduler or worker still holds, so that disposing it can cancel
 * them. Lock-free: a concurrent set and a volatile flag. Any thread.
 *
 * <p>Only timed tasks and workers are tracked; a task handed to the loop for "as soon as possible"
 * is not (it checks its owner when it runs), which keeps the hot path free of this set.
 *
 * @param <D> what is held
 */
final class DisposableSet<D extends Disposable> {

  private final Set<D> items = ConcurrentHashMap.newKeySet();
  private volatile boolean disposed;

  /**
   * Holds {@code item}, unless this set is disposed.
   *
   * @param item what to hold
   * @return false if the set is disposed: the caller must dispose {@code item} and reject it
   */
  boolean add(D item) {
    if (disposed) {
      return false;
    }
    items.add(item);
    // Race: disposeAll() may have set the flag after the check above and walked the set before the
    // add. Both sides write then read volatile state (the flag; the set's table), so at least one
    // sees the other: either disposeAll() finds the item, or this re-check sees the flag. Either way
    // the item cannot stay behind in a disposed set; disposing it twice is harmless.
    if (disposed) {
      items.remove(item);
      return false;
    }
    return true;
  }

  /**
   * Forgets {@code item} (it ran, or was cancelled on its own).
   *
   * @param item what to forget
   */
  void remove(D item) {
    items.remove(item);
  }

  /** Disposes every item held, now and (through {@link #add}) later. Idempotent. */
  void disposeAll() {
    disposed = true;
    for (D item : items) {
      if (items.remove(item)) {
        item.dispose();
      }
    }
  }

  /**
   * Calls {@code action} for every item held now (weakly consistent).
   *
   * @param action what to do
   */
  void forEach(Consumer<? super D> action) {
    items.forEach(action);
  }
}
