package dev.loop.internal;

import java.lang.ref.WeakReference;
import java.util.Arrays;

/**
 * The loop's ready queue: a growable ring used by the loop thread alone, so adding and removing are
 * plain array writes with no atomic operation (asyncio's {@code _ready} deque). Items are {@link
 * HandleImpl handles}, or bare {@link Runnable}s from {@code execute}, which need no handle.
 *
 * <p><b>The ring is kept young.</b> Under G1 (the JVM's default collector) storing a reference to
 * a young object, such as the handle {@code callSoon} has just made, into an array that lives in
 * the old generation costs a full memory fence in the write barrier; storing it into a young array
 * costs a compare. Measured here that fence was a third of a {@code callSoon}. So once per
 * iteration {@link #renewAfterCollection()} asks a weakly held canary whether a collection has run
 * since the ring was made, and if one has (the ring may be on its way to the old generation) moves
 * the items into a fresh ring. That is one small array per collection, never per callback, and it
 * also gives back the memory of a ring that grew for one burst.
 */
final class ReadyQueue {

  /** Initial capacity: a power of two large enough for an ordinary iteration. */
  private static final int INITIAL_CAPACITY = 1024;

  private Object[] ring = new Object[INITIAL_CAPACITY];
  /** Cleared by the first collection after the ring was made: see the class comment. */
  private WeakReference<Object> canary = newCanary();
  /** Callbacks run so far (for the shutdown's quiet period); kept here, off the loop's shared fields. */
  private long runCount;
  private int head;
  private int size;

  void add(Object item) {
    if (size == ring.length) {
      grow();
    }
    ring[(head + size) & (ring.length - 1)] = item;
    size++;
  }

  /** Removes the oldest item; the queue must not be empty. */
  Object poll() {
    Object item = ring[head];
    ring[head] = null;
    head = (head + 1) & (ring.length - 1);
    size--;
    return item;
  }

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  void clear() {
    Arrays.fill(ring, null);
    head = 0;
    size = 0;
  }

  private void grow() {
    moveTo(new Object[ring.length * 2]);
  }

  /**
   * Loop thread, once per iteration: if a collection has run since the ring was made, moves the
   * items into a new ring (as small as they allow), which the collector sees as young.
   *
   * @return true if a collection had run (and the ring was renewed)
   */
  boolean renewAfterCollection() {
    if (canary.get() != null) {
      return false;
    }
    int capacity = INITIAL_CAPACITY;
    while (capacity < size) {
      capacity <<= 1;
    }
    moveTo(new Object[capacity]);
    canary = newCanary();
    return true;
  }

  private void moveTo(Object[] fresh) {
    Object[] old = ring;
    for (int i = 0; i < size; i++) {
      fresh[i] = old[(head + i) & (old.length - 1)];
    }
    ring = fresh;
    head = 0;
  }

  private static WeakReference<Object> newCanary() {
    return new WeakReference<>(new Object());
  }

  void countRun(int n) {
    runCount += n;
  }

  long runCount() {
    return runCount;
  }
}
