package dev.loop.reactor.internal;

import dev.loop.EventLoop;
import dev.loop.EventLoopGroup;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import reactor.core.scheduler.NonBlocking;
import reactor.core.scheduler.Schedulers;

/**
 * The loops that Loop's Reactor bridge has been given (by {@code LoopScheduler.of} or {@code
 * LoopSchedulers.install}), so that their threads count as non-blocking for Reactor and BlockHound
 * even when someone else made them.
 *
 * <p>A thread is a <em>loop thread</em> if it is a {@link NonBlocking} thread of Loop's factory
 * (always), or if it is the calling thread and is running one of the known loops right now ({@link
 * EventLoop#inEventLoop()}): a loop run by {@code runForever} on an ordinary thread makes that
 * thread a loop thread only while it runs. The loops are held weakly and pruned when closed.
 *
 * <p>The first registration adds {@link #isLoopThread(Thread)} to Reactor's non-blocking thread
 * predicate ({@link Schedulers#registerNonBlockingThreadPredicate}), once per class loader;
 * {@code Schedulers.resetNonBlockingThreadPredicate()} removes it again (the {@code NonBlocking}
 * threads of Loop's factory are not affected).
 */
public final class KnownLoops {

  /**
   * Copy-on-write: registrations (rare) replace the immutable list under the class lock; the check
   * (on every {@code block()} and, with BlockHound, on every blocking call) reads the volatile field
   * and walks the list without locking.
   */
  private static volatile List<WeakReference<EventLoop>> loops = List.of();

  /** Whether the Reactor predicate was registered; guarded by the class lock. */
  private static boolean predicateRegistered;

  private KnownLoops() {}

  /**
   * Remembers every loop of {@code group}. Any thread.
   *
   * @param group the group
   */
  public static void register(EventLoopGroup group) {
    register(group.loops());
  }

  /**
   * Remembers {@code added}. Any thread.
   *
   * @param added the loops
   */
  public static synchronized void register(List<EventLoop> added) {
    List<WeakReference<EventLoop>> next = new ArrayList<>();
    for (WeakReference<EventLoop> ref : loops) {
      EventLoop known = ref.get();
      if (known != null && !known.isClosed()) {
        next.add(ref);
      }
    }
    for (EventLoop loop : added) {
      if (!contains(next, loop)) {
        next.add(new WeakReference<>(loop));
      }
    }
    loops = List.copyOf(next);
    if (!predicateRegistered) {
      predicateRegistered = true;
      Schedulers.registerNonBlockingThreadPredicate(KnownLoops::isLoopThread);
    }
  }

  private static boolean contains(List<WeakReference<EventLoop>> refs, EventLoop loop) {
    for (WeakReference<EventLoop> ref : refs) {
      if (ref.get() == loop) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether {@code thread} is a loop thread as the class comment defines it. Any thread; for a
   * thread other than the caller's, only the {@code NonBlocking} threads of Loop's factory answer
   * true (whether another thread runs a loop cannot be asked).
   *
   * @param thread the thread
   * @return true for a loop thread
   */
  public static boolean isLoopThread(Thread thread) {
    if (thread instanceof NonBlockingThreadFactory.LoopThread) {
      return true;
    }
    if (thread != Thread.currentThread()) {
      return false;
    }
    for (WeakReference<EventLoop> ref : loops) {
      EventLoop loop = ref.get();
      if (loop != null && loop.inEventLoop()) {
        return true;
      }
    }
    return false;
  }
}
