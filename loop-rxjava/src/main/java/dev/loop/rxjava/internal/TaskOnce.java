package dev.loop.rxjava.internal;

import dev.loop.EventLoop;
import dev.loop.TimerHandle;
import io.reactivex.rxjava3.disposables.Disposable;
import io.reactivex.rxjava3.disposables.DisposableContainer;
import io.reactivex.rxjava3.plugins.RxJavaPlugins;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A task that runs once: {@code scheduleDirect}, immediate (through the loop's {@code execute}) or
 * delayed (on a loop timer), and a worker's delayed task (which also belongs to the worker's set
 * of pending timed tasks, so that disposing the worker cancels its timer).
 */
public final class TaskOnce extends TaskBase {

  TaskOnce(Runnable run, @Nullable DisposableContainer parent) {
    super(run, parent);
  }

  /**
   * Schedules {@code decorated} on the next loop of {@code source}: at once when {@code delay} is
   * zero or negative, else on a loop timer. A closed loop or a shut-down source is reported to
   * {@link RxJavaPlugins#onError(Throwable)} as a {@link RejectedExecutionException}, and the
   * result is then {@link Disposable#disposed()}, as RxJava's {@code ExecutorScheduler} does.
   *
   * @param source where to run
   * @param decorated the runnable, already through {@code RxJavaPlugins.onSchedule}
   * @param delay how long from now, in {@code unit}
   * @param unit the unit of {@code delay}
   * @return the task, or {@link Disposable#disposed()} if it was rejected
   */
  public static Disposable direct(LoopSource source, Runnable decorated, long delay, TimeUnit unit) {
    TaskOnce task = new TaskOnce(decorated, null);
    try {
      EventLoop loop = source.next();
      if (delay <= 0) {
        loop.execute(task);
      } else {
        task.startTimer(loop, delay, unit);
      }
    } catch (RejectedExecutionException rejected) {
      RxJavaPlugins.onError(rejected);
      return Disposable.disposed();
    }
    return task;
  }

  /**
   * Puts the task on a loop timer {@code delay} from now and publishes the timer so that {@link
   * #dispose()} can cancel it (see {@link TaskBase#arm}).
   *
   * @throws RejectedExecutionException if the loop is closed
   */
  void startTimer(EventLoop loop, long delay, TimeUnit unit) {
    TimerHandle timer;
    try {
      timer = loop.callLater(delay, unit, this);
    } catch (IllegalStateException closed) {
      throw SchedulerSupport.rejected(closed);
    }
    arm(null, timer);
  }

  /** Called by the loop: runs the task unless it was disposed, then ends it. */
  @Override
  public void run() {
    if (enter()) {
      runBody();
      finish();
    }
  }
}
