package dev.loop;

/**
 * A callback scheduled on an {@link EventLoop}: asyncio's {@code Handle}.
 *
 * <p>A handle captures the {@link LoopContext} current when it is made and runs its callback inside
 * it. Its {@code toString()} names the callback and, in debug mode, where the handle was created.
 * All methods may be called from any thread.
 */
public interface Handle {

  /**
   * Cancels the callback: if it has not started yet it never runs. Cancelling twice, or after the
   * callback ran, does nothing. asyncio: {@code Handle.cancel()}.
   */
  void cancel();

  /**
   * Tells whether {@link #cancel()} was called before the callback ran.
   *
   * @return true once cancelled; asyncio: {@code Handle.cancelled()}
   */
  boolean isCancelled();

  /**
   * The context the callback runs in: asyncio's {@code Handle.get_context()}.
   *
   * @return the context captured when the handle was made, or given explicitly
   */
  LoopContext context();
}
