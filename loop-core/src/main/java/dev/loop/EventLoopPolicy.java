package dev.loop;

import org.jspecify.annotations.Nullable;

/**
 * Decides which loop is "the" loop of a thread: asyncio's {@code AbstractEventLoopPolicy}.
 *
 * <p>The default policy ({@link #defaultPolicy()}) keeps one loop per thread in a
 * {@link ThreadLocal}. Install another with {@link Loops#setEventLoopPolicy(EventLoopPolicy)}.
 */
public interface EventLoopPolicy {

  /**
   * The calling thread's loop.
   *
   * @return the loop set for this thread
   * @throws IllegalStateException if the policy has none for this thread
   */
  EventLoop getEventLoop();

  /**
   * Sets the calling thread's loop.
   *
   * @param loop the loop, or null to clear it
   */
  void setEventLoop(@Nullable EventLoop loop);

  /**
   * Makes a new loop, not set as any thread's loop.
   *
   * @return the new loop, not running
   */
  EventLoop newEventLoop();

  /**
   * A new instance of the default policy: a loop per thread, {@link Loops#newEventLoop()} makes
   * selector loops. Unlike asyncio before 3.12, {@code getEventLoop()} never makes a loop as a side
   * effect: it throws until {@code setEventLoop} was called on that thread.
   *
   * @return a new default policy
   */
  static EventLoopPolicy defaultPolicy() {
    return new dev.loop.internal.DefaultEventLoopPolicy();
  }
}
