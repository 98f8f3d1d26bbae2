package dev.loop.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * A binary min-heap of timers in (deadline, sequence) order, used by the loop thread alone.
 * Cancelled timers stay in place until they reach the top or a purge removes them all.
 */
final class TimerHeap {

  private static final int INITIAL_CAPACITY = 64;

  private static final VarHandle SEQUENCE;

  static {
    try {
      SEQUENCE = MethodHandles.lookup().findVarHandle(TimerHeap.class, "sequence", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private TimerHandleImpl[] heap = new TimerHandleImpl[INITIAL_CAPACITY];
  private int size;

  /**
   * Orders timers with equal deadlines. Taken when a timer is scheduled, on any thread, so ties run
   * in scheduling order even when a timer made elsewhere reaches the heap after one made here.
   * Kept here rather than on the loop, whose fields other threads read on every call.
   */
  @SuppressWarnings("unused")
  private volatile long sequence;

  /** Any thread: the next tie-breaking sequence number. */
  long nextSequence() {
    return (long) SEQUENCE.getAndAdd(this, 1L);
  }

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  @Nullable TimerHandleImpl peek() {
    return size == 0 ? null : heap[0];
  }

  void push(TimerHandleImpl timer) {
    if (size == heap.length) {
      heap = Arrays.copyOf(heap, size * 2);
    }
    siftUp(size++, timer);
  }

  /** Removes the top; the heap must not be empty. */
  TimerHandleImpl pop() {
    TimerHandleImpl top = heap[0];
    TimerHandleImpl last = heap[--size];
    heap[size] = null;
    if (size > 0) {
      siftDown(0, last);
    }
    return top;
  }

  /**
   * Drops every cancelled timer and restores heap order in linear time.
   *
   * @return how many were dropped
   */
  int purgeCancelled() {
    int kept = 0;
    for (int i = 0; i < size; i++) {
      TimerHandleImpl t = heap[i];
      if (t.state != HandleImpl.CANCELLED) {
        heap[kept++] = t;
      }
    }
    Arrays.fill(heap, kept, size, null);
    int dropped = size - kept;
    size = kept;
    for (int i = (size >>> 1) - 1; i >= 0; i--) {
      siftDown(i, heap[i]);
    }
    return dropped;
  }

  /** Cancels and drops every timer; used when the loop closes or shuts down. */
  void cancelAll() {
    for (int i = 0; i < size; i++) {
      heap[i].cancelQuietly();
    }
    Arrays.fill(heap, 0, size, null);
    size = 0;
  }

  private void siftUp(int index, TimerHandleImpl timer) {
    while (index > 0) {
      int parent = (index - 1) >>> 1;
      TimerHandleImpl p = heap[parent];
      if (!timer.before(p)) {
        break;
      }
      heap[index] = p;
      index = parent;
    }
    heap[index] = timer;
  }

  private void siftDown(int index, TimerHandleImpl timer) {
    int half = size >>> 1;
    while (index < half) {
      int child = 2 * index + 1;
      TimerHandleImpl c = heap[child];
      int right = child + 1;
      if (right < size && heap[right].before(c)) {
        child = right;
        c = heap[child];
      }
      if (!c.before(timer)) {
        break;
      }
      heap[index] = c;
      index = child;
    }
    heap[index] = timer;
  }
}
