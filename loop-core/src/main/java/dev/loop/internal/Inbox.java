package dev.loop.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jspecify.annotations.Nullable;

/**
 * The loop's cross-thread queue: an intrusive multi-producer, single-consumer linked queue
 * (Vyukov's), whose nodes are the handles themselves.
 *
 * <p>A producer swaps itself in as the tail with one atomic exchange (wait-free, no CAS retry under
 * contention), then links the previous tail to itself. Between those two steps the chain is briefly
 * broken: {@link #poll()} then sees no next node although {@link #isEmpty()} says false; the loop
 * treats that as "not empty, look again soon" and never blocks on it. The consumed node stays as the
 * queue's head sentinel until the next one is consumed; a handle passes through the inbox at most
 * once, so its link is never reused.
 */
final class Inbox {

  private static final VarHandle TAIL;
  private static final VarHandle NEXT;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      TAIL = lookup.findVarHandle(Inbox.class, "tail", HandleImpl.class);
      NEXT = lookup.findVarHandle(HandleImpl.class, "next", HandleImpl.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Consumer side: the last consumed node (or the initial stub). Loop thread only. */
  private HandleImpl head;

  /** Producer side: the last node offered. Swapped atomically. */
  @SuppressWarnings("unused")
  private volatile HandleImpl tail;

  Inbox() {
    HandleImpl stub = new HandleImpl(() -> {}, VarMap.EMPTY, null);
    head = stub;
    tail = stub;
  }

  /** Any thread. */
  void offer(HandleImpl node) {
    HandleImpl previous = (HandleImpl) TAIL.getAndSet(this, node);
    NEXT.setRelease(previous, node);
  }

  /** Loop thread. Returns null when empty or when a producer is between its two steps. */
  @Nullable HandleImpl poll() {
    HandleImpl next = (HandleImpl) NEXT.getAcquire(head);
    if (next != null) {
      head = next;
    }
    return next;
  }

  /** Loop thread. A full fence read: false means no producer had started an offer. */
  boolean isEmpty() {
    return TAIL.getVolatile(this) == head;
  }
}
