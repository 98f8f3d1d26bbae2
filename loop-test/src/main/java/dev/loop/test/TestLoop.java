package dev.loop.test;

import dev.loop.EventLoop;
import dev.loop.test.internal.VirtualTimeLoop;
import java.time.Duration;

/**
 * An {@link EventLoop} in virtual time: asyncio's {@code test_utils.TestLoop}, made public.
 *
 * <p>The same API as every loop; its clock ({@link #clock()}) starts at zero and moves only when the
 * loop would otherwise wait: when nothing is ready, time jumps straight to the next timer. So
 * {@code runUntilComplete} of work that waits an hour returns at once, and timers fire in exactly
 * the order their deadlines give. Another thread's {@code callSoonThreadsafe} still wakes a loop
 * that waits with no timer at all.
 *
 * <pre>{@code
 * try (TestLoop loop = TestLoop.create()) {
 *   List<String> fired = new ArrayList<>();
 *   loop.callLater(Duration.ofHours(1), () -> fired.add("an hour"));
 *   loop.advance(Duration.ofMinutes(59));   // nothing yet
 *   loop.advance(Duration.ofMinutes(1));    // fired == ["an hour"]
 * }
 * }</pre>
 */
public interface TestLoop extends EventLoop {

  /**
   * A new virtual-time loop at time zero.
   *
   * @return the loop, not running
   */
  static TestLoop create() {
    return new VirtualTimeLoop();
  }

  /**
   * The loop's virtual clock.
   *
   * @return the clock that {@link #time()} reads
   */
  @Override
  VirtualClock clock();

  /**
   * Moves time forward by {@code delta}, running on the calling thread everything that falls due
   * on the way, each timer at its own deadline (so {@link #time()} inside a callback is that
   * callback's deadline), then everything ready at the end. On the loop thread (inside a callback)
   * it only moves the clock; the loop runs what fell due in its next iterations.
   *
   * @param delta how far to move; zero runs what is ready now
   * @throws NullPointerException if {@code delta} is null
   * @throws IllegalArgumentException if {@code delta} is negative
   * @throws IllegalStateException if the loop is closed, or running on another thread
   */
  void advance(Duration delta);

  /**
   * Runs callbacks, without moving time, until none is ready. Same threads as {@link
   * #advance(Duration)}.
   *
   * @throws IllegalStateException if the loop is closed, or running on another thread
   */
  void runUntilIdle();

  /**
   * How many timers the loop's heap holds, cancelled ones not yet dropped included: lets a test see
   * that cancelled timers are purged. Not while the loop runs on another thread.
   *
   * @return the number of timers in the heap
   */
  int timerHeapSize();
}
