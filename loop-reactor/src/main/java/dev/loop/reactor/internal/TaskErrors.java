package dev.loop.reactor.internal;

import dev.loop.EventLoop;
import dev.loop.ExceptionContext;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Where the error of a task goes: where Reactor's own schedulers send it.
 *
 * <p>Reactor's schedulers catch what a task throws and call {@code Schedulers.handleError}: the
 * current thread's {@link Thread.UncaughtExceptionHandler} (the error unwrapped with {@code
 * Exceptions.unwrap}), then the {@code Schedulers.onHandleError} hook. That method is not public,
 * and neither is the hook, so the error is handed to a Reactor scheduler of its own that runs
 * tasks on the calling thread ({@code Schedulers.fromExecutor(Runnable::run)}): a task there that
 * rethrows the error reaches {@code handleError} on this very thread, exactly as Reactor's
 * schedulers would. (That task passes through {@code Schedulers.onSchedule} too, so an {@code
 * onScheduleHook} sees one more task per failure.)
 */
final class TaskErrors {

  /** Runs tasks synchronously on the caller; never disposed. */
  private static final Scheduler REPORTER = Schedulers.fromExecutor(Runnable::run);

  private TaskErrors() {}

  /**
   * Reports what a task threw. Loop thread; never throws: if Reactor's path fails too (an {@code
   * onScheduleHook} or the error hook throwing), both go to the loop's exception handler.
   *
   * @param error what the task threw
   * @param loop the loop the task ran on
   */
  static void report(Throwable error, EventLoop loop) {
    try {
      REPORTER.schedule(() -> {
        throw TaskErrors.<RuntimeException>sneaky(error);
      });
    } catch (Throwable reportFailed) {
      if (reportFailed != error) {
        reportFailed.addSuppressed(error);
      }
      loop.callExceptionHandler(
          ExceptionContext.of("Reactor's error handling failed for a task's error", reportFailed));
    }
  }

  /** Throws {@code error} as it is, checked or not, out of a {@code Runnable}. */
  @SuppressWarnings("unchecked")
  private static <E extends Throwable> E sneaky(Throwable error) throws E {
    throw (E) error;
  }
}
