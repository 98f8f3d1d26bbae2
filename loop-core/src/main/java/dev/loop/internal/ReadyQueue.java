package dev.loop.internal;

import java.util.Arrays;

/**
 * The loop's ready queue: a growable ring used by the loop thread alone, so adding and removing are
 * plain array writes with no atomic operation (asyncio's {@code _ready} deque). Items are {@link
 * HandleImpl handles}, or bare {@link Runnable}s from {@code execute}, which need no handle.
 */
final class ReadyQueue {

  /** Initial capacity: a power of two large enough for an ordinary iteration. */
  private static final int INITIAL_CAPACITY = 1024;

  private Object[] ring = new Object[INITIAL_CAPACITY];
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
    Object[] bigger = new Object[ring.length * 2];
    for (int i = 0; i < size; i++) {
      bigger[i] = ring[(head + i) & (ring.length - 1)];
    }
    ring = bigger;
    head = 0;
  }

  void countRun(int n) {
    runCount += n;
  }

  long runCount() {
    return runCount;
  }
}
