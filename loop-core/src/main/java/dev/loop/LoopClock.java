package dev.loop;

/**
 * The monotonic clock an event loop keeps its time on, in nanoseconds.
 *
 * <p>The selector loop uses {@link #system()}; the virtual-time loop of {@code loop-test} uses a
 * clock that moves only when the loop is idle or told to advance, and the Reactor and RxJava
 * bridges read the same clock so that one advance moves all three.
 */
@FunctionalInterface
public interface LoopClock {

  /**
   * Reads the clock. Must be safe to call from any thread and never decrease.
   *
   * @return the current time in nanoseconds; only differences between readings are meaningful
   */
  long nanoTime();

  /**
   * The system's monotonic clock, {@link System#nanoTime()}.
   *
   * @return the system clock
   */
  static LoopClock system() {
    return System::nanoTime;
  }
}
