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
 *
 * <p>Layout: the consumer's {@code head} and the producers' {@code tail} (with the loop's {@code
 * polling} flag, which producers read after every offer) live on different cache lines, padded by
 * the class hierarchy as JCTools does; otherwise every poll would invalidate the producers' line and
 * every offer the consumer's.
 */
final class Inbox extends InboxProducerFields {

  private static final VarHandle TAIL;
  private static final VarHandle NEXT;
  private static final VarHandle POLLING;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      TAIL = lookup.findVarHandle(InboxProducerFields.class, "tail", HandleImpl.class);
      POLLING = lookup.findVarHandle(InboxProducerFields.class, "polling", boolean.class);
      NEXT = lookup.findVarHandle(HandleImpl.class, "next", HandleImpl.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @SuppressWarnings("unused")
  private long p10, p11, p12, p13, p14, p15, p16, p17;

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

  /** Loop thread: announce that the loop is about to block (a full fence, for the re-check). */
  void announcePolling() {
    POLLING.setVolatile(this, true);
  }

  /** Loop thread: the loop is awake again. */
  void clearPolling() {
    POLLING.setRelease(this, false);
  }

  /**
   * Any thread, after an offer: true exactly once per blocking poll, for the producer that must
   * wake the loop.
   */
  boolean claimWakeup() {
    return (boolean) POLLING.getVolatile(this) && POLLING.compareAndSet(this, true, false);
  }
}

/** Padding before the consumer's field. */
abstract class InboxPad0 {
  @SuppressWarnings("unused")
  private long p00, p01, p02, p03, p04, p05, p06, p07;
}

/** The consumer's field: the last node consumed. Loop thread only. */
abstract class InboxConsumerFields extends InboxPad0 {
  HandleImpl head;
}

/** Padding between the consumer's and the producers' fields. */
abstract class InboxPad1 extends InboxConsumerFields {
  @SuppressWarnings("unused")
  private long p08, p09, p0a, p0b, p0c, p0d, p0e, p0f;
}

/** The producers' side: the tail they exchange, and the flag they read after each offer. */
abstract class InboxProducerFields extends InboxPad1 {
  volatile HandleImpl tail;
  volatile boolean polling;
}
