package dev.loop.rxjava.internal;

import java.util.concurrent.RejectedExecutionException;

/** Small helpers of the scheduler's implementation. */
final class SchedulerSupport {

  private SchedulerSupport() {}

  /**
   * {@code a + b}, saturated at {@link Long#MAX_VALUE} / {@link Long#MIN_VALUE} instead of
   * overflowing: a deadline a very long way off stays in the future.
   */
  static long addSaturated(long a, long b) {
    long sum = a + b;
    if (((a ^ sum) & (b ^ sum)) < 0) {
      return b > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
    }
    return sum;
  }

  /**
   * The loop's refusal as RxJava's schedulers report it: the loop's {@code execute} already throws
   * {@link RejectedExecutionException}; its {@code callAt}/{@code callLater} throw {@link
   * IllegalStateException} on a closed loop, which becomes the cause of one.
   */
  static RejectedExecutionException rejected(RuntimeException refusal) {
    if (refusal instanceof RejectedExecutionException rejected) {
      return rejected;
    }
    RejectedExecutionException rejected = new RejectedExecutionException(refusal.getMessage());
    rejected.initCause(refusal);
    return rejected;
  }
}
