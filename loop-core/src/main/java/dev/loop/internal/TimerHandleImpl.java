package dev.loop.internal;

import dev.loop.TimerHandle;
import org.jspecify.annotations.Nullable;

/**
 * A timer: ordered by deadline, then by the sequence number the loop gives it when it enters the
 * heap, so equal deadlines run first-in, first-out.
 *
 * <p>States: {@code INBOX} (made off the loop thread, travelling through the inbox), {@code
 * SCHEDULED} (in the heap), {@code READY} (moved to the ready queue), {@code RAN}, {@code CANCELLED}. Changes are
 * CAS because {@link #cancel()} may race with the loop; only a cancel that takes a timer out of
 * {@code SCHEDULED} tells the loop, which counts cancelled timers still in its heap.
 */
final class TimerHandleImpl extends HandleImpl implements TimerHandle {

  static final int SCHEDULED = 2;
  static final int READY = 3;
  static final int INBOX = 4;

  final BaseEventLoop loop;
  final long when;
  long sequence;
  private final @Nullable String source;

  TimerHandleImpl(BaseEventLoop loop, long when, Runnable callback, Object context, @Nullable String source) {
    super(callback, context);
    this.loop = loop;
    this.when = when;
    this.source = source;
  }

  @Override
  @Nullable String source() {
    return source;
  }

  @Override
  public long when() {
    return when;
  }

  boolean transition(int from, int to) {
    return STATE.compareAndSet(this, from, to);
  }

  @Override
  public void cancel() {
    for (;;) {
      int s = state;
      if (s == CANCELLED || s == RAN) {
        return;
      }
      if (STATE.compareAndSet(this, s, CANCELLED)) {
        if (s == SCHEDULED) {
          loop.timerCancelled();
        }
        return;
      }
    }
  }

  /** Cancels without telling the loop: the loop is dropping its whole heap. */
  void cancelQuietly() {
    state = CANCELLED;
  }

  /** Heap order: deadline, then sequence. */
  boolean before(TimerHandleImpl other) {
    return when < other.when || (when == other.when && sequence < other.sequence);
  }

  @Override
  String kind() {
    return "TimerHandle";
  }

  @Override
  void describe(StringBuilder sb) {
    sb.append(" when=").append(when);
  }
}
