package dev.loop.rxjava.internal;

import dev.loop.EventLoop;
import dev.loop.TimerHandle;
import io.reactivex.rxjava3.core.ObservableEmitter;
import io.reactivex.rxjava3.functions.Cancellable;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * One subscription of {@code RxLoop.interval}: a chain of loop timers at fixed rate, tick {@code
 * n} due at {@code first + n * period} on the loop's clock, so lateness does not accumulate (a loop
 * that falls behind fires the missed ticks as soon as it can).
 *
 * <p>This reference holds the pending {@link TimerHandle}, or {@link #CANCELLED}. The first timer
 * is scheduled by the subscribing thread and may fire (and schedule the second) before the
 * subscribing thread stores it, so the first store only fills an empty slot; each tick, on the
 * loop thread, replaces whatever is there unless cancelled. Whoever loses against {@link
 * #cancel()} cancels its own new timer, so no timer outlives the subscription.
 */
public final class RxTicker extends AtomicReference<@Nullable Object> implements Runnable, Cancellable {

  private static final long serialVersionUID = 1L;
  private static final Object CANCELLED = new Object();

  private final transient EventLoop loop;
  private final transient ObservableEmitter<Long> emitter;
  private final long first;
  private final long period;
  /** Ticks emitted; loop thread only. */
  private long count;

  /**
   * A ticker that has not started.
   *
   * @param loop the loop whose timers drive it
   * @param emitter receives 0, 1, 2, ... on the loop thread
   * @param initialDelayNanos until the first tick (zero or negative: as soon as possible)
   * @param periodNanos between ticks, positive
   */
  public RxTicker(EventLoop loop, ObservableEmitter<Long> emitter, long initialDelayNanos, long periodNanos) {
    this.loop = loop;
    this.emitter = emitter;
    this.first = loop.time() + Math.max(0, initialDelayNanos);
    this.period = periodNanos;
  }

  /** Schedules the first tick. Any thread. */
  public void start() {
    TimerHandle handle = loop.callAt(first, this);
    if (!compareAndSet(null, handle) && get() == CANCELLED) {
      handle.cancel(); // a tick that already ran stored a newer handle: leave that one alone
    }
  }

  /** A tick, on the loop thread. */
  @Override
  public void run() {
    if (get() == CANCELLED) {
      return;
    }
    emitter.onNext(count++);
    long next = saturatedAdd(first, saturatedMultiply(count, period));
    TimerHandle handle;
    try {
      handle = loop.callAt(next, this);
    } catch (RuntimeException closed) {
      emitter.tryOnError(closed);
      return;
    }
    for (;;) {
      Object current = get();
      if (current == CANCELLED) {
        handle.cancel();
        return;
      }
      if (compareAndSet(current, handle)) {
        return;
      }
    }
  }

  /** Disposal: cancels the pending timer. Any thread; idempotent. */
  @Override
  public void cancel() {
    Object previous = getAndSet(CANCELLED);
    if (previous instanceof TimerHandle handle) {
      handle.cancel();
    }
  }

  private static long saturatedMultiply(long a, long b) {
    long high = Math.multiplyHigh(a, b);
    long low = a * b;
    return (high == 0 && low >= 0) ? low : Long.MAX_VALUE;
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }
}
