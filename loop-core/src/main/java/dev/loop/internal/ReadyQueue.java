package dev.loop.internal;

import java.util.Arrays;

/**
 * The loop's ready queue: a growable ring of handles used by the loop thread alone, so adding and
 * removing are plain array writes with no atomic operation (asyncio's {@code _ready} deque).
 */
final class ReadyQueue {

  /** Initial capacity: a power of two large enough for an ordinary iteration. */
  private static final int INITIAL_CAPACITY = 1024;

  private HandleImpl[] ring = new HandleImpl[INITIAL_CAPACITY];
  /** Callbacks run so far (for the shutdown's quiet period); kept here, off the loop's shared fields. */
  private long runCount;
  private int head;
  private int size;

  void add(HandleImpl handle) {
    if (size == ring.length) {
      grow();
    }
    ring[(head + size) & (ring.length - 1)] = handle;
    size++;
  }

  /** Removes the oldest handle; the queue must not be empty. */
  HandleImpl poll() {
    HandleImpl handle = ring[head];
    ring[head] = null;
    head = (head + 1) & (ring.length - 1);
    size--;
    return handle;
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
    HandleImpl[] bigger = new HandleImpl[ring.length * 2];
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
