package dev.loop;

/**
 * Receives every exception the loop catches: asyncio's exception handler.
 *
 * <p>Installed with {@link EventLoop#setExceptionHandler(ExceptionHandler)}; called on the loop
 * thread (or the thread that called {@link EventLoop#callExceptionHandler(ExceptionContext)}). A
 * handler that throws is itself reported to {@link EventLoop#defaultExceptionHandler
 * (ExceptionContext)}; nothing a handler does stops the loop.
 */
@FunctionalInterface
public interface ExceptionHandler {

  /**
   * Handles one failure.
   *
   * @param loop the loop that caught it
   * @param context what failed, with asyncio's context keys
   */
  void handle(EventLoop loop, ExceptionContext context);
}
