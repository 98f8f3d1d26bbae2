package dev.loop.test;

import dev.loop.LoopClock;

/**
 * A clock that moves only when told to: the time of a {@link TestLoop}.
 *
 * <p>It starts at zero. The loop moves it forward to its next timer whenever it has nothing ready,
 * and {@link TestLoop#advance(java.time.Duration)} moves it explicitly. The Reactor and RxJava
 * bridges read the same clock, so that one advance moves loop timers and their virtual schedulers
 * together. May be read from any thread.
 */
public interface VirtualClock extends LoopClock {

  /**
   * Registers a listener told after every move of the clock, on the thread that moved it.
   *
   * @param listener receives the new time in nanoseconds
   * @throws NullPointerException if {@code listener} is null
   */
  void addListener(java.util.function.LongConsumer listener);

  /**
   * Removes a listener added with {@link #addListener(java.util.function.LongConsumer)}.
   *
   * @param listener the listener
   * @return true if it was registered
   * @throws NullPointerException if {@code listener} is null
   */
  boolean removeListener(java.util.function.LongConsumer listener);
}
