package dev.loop;

/**
 * A callback scheduled for a point in loop time: asyncio's {@code TimerHandle}.
 *
 * <p>Timers run in {@link #when()} order; timers with the same deadline run in the order they were
 * scheduled (FIFO among equal deadlines is part of the contract). A cancelled timer never runs and
 * is dropped from the loop's heap lazily, or all at once when cancelled timers are more than half
 * of a heap of over 100. All methods may be called from any thread.
 */
public interface TimerHandle extends Handle {

  /**
   * The deadline of this timer.
   *
   * @return the deadline in nanoseconds on the loop's clock ({@link EventLoop#time()});
   *     asyncio: {@code TimerHandle.when()}
   */
  long when();
}
