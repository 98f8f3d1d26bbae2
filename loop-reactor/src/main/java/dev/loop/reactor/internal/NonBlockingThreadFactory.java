package dev.loop.reactor.internal;

import dev.loop.EventLoop;
import dev.loop.ExceptionContext;
import dev.loop.Loops;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.scheduler.NonBlocking;

/**
 * Makes the loop threads of Loop's Reactor factories: daemon {@link NonBlocking} threads named
 * {@code prefix-N}, whose uncaught-exception handler reports to the loop running on them.
 */
public final class NonBlockingThreadFactory implements ThreadFactory {

  private final String prefix;
  private final AtomicInteger counter = new AtomicInteger();

  /**
   * A factory for threads named {@code prefix-1}, {@code prefix-2}, ...
   *
   * @param prefix the name prefix, already checked by the caller
   */
  public NonBlockingThreadFactory(String prefix) {
    this.prefix = prefix;
  }

  @Override
  public Thread newThread(Runnable r) {
    LoopThread thread = new LoopThread(r, prefix + "-" + counter.incrementAndGet());
    thread.setDaemon(true);
    thread.setUncaughtExceptionHandler(LoopThread::uncaught);
    return thread;
  }

  @Override
  public String toString() {
    return "NonBlockingThreadFactory[" + prefix + "]";
  }

  /** A loop thread: Reactor's {@link NonBlocking} marker, so {@code block()} fails fast on it. */
  static final class LoopThread extends Thread implements NonBlocking {

    LoopThread(Runnable r, String name) {
      super(r, name);
    }

    /**
     * Reactor's {@code Schedulers.handleError} calls the thread's handler with a task's error, on
     * the loop thread: the running loop's exception handler gets it (the one sink of errors on a
     * loop). Without a running loop (the thread itself is dying), the thread group's default
     * handling applies.
     */
    static void uncaught(Thread thread, Throwable error) {
      if (thread != Thread.currentThread()) {
        thread.getThreadGroup().uncaughtException(thread, error);
        return;
      }
      EventLoop loop;
      try {
        loop = Loops.getRunningLoop();
      } catch (IllegalStateException noLoop) {
        thread.getThreadGroup().uncaughtException(thread, error);
        return;
      }
      loop.callExceptionHandler(ExceptionContext.of(
          "Unhandled exception in a Reactor task on " + thread.getName(), error));
    }
  }
}
