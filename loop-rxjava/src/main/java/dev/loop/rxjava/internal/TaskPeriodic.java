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
 * A task that runs at a fixed rate on one loop, on loop time, without drift: run {@code k} is
 * due at exactly {@code first + k * period} (a {@code callAt} with that deadline), however long
 * the runs take and however late the loop was, as {@code ScheduledThreadPoolExecutor
 * .scheduleAtFixedRate} does. A run that is late because the previous one overran is due at once,
 * and the next one goes back to the grid. A period of zero or less runs the task again in each loop
 * iteration, letting the loop's other work through in between.
 *
 * <p>A run that throws stops the task: the throwable goes to {@link RxJavaPlugins#onError}, and the
 * task is disposed from then on, as RxJava's own periodic tasks do.
 */
public final class TaskPeriodic extends TaskBase {

  private final EventLoop loop;
  private final long periodNanos;

  /**
   * The deadline of the next run on the loop's clock. Written before the first {@code callAt}
   * (which publishes it to the loop thread) and then only by the loop thread.
   */
  private long deadline;

  TaskPeriodic(Runnable run, @Nullable DisposableContainer parent, EventLoop loop, long first,
      long periodNanos) {
    super(run, parent);
    this.loop = loop;
    this.deadline = first;
    this.periodNanos = periodNanos;
  }

  /**
   * A periodic task on {@code loop}, not yet started: its first run is due {@code initialDelay}
   * from the loop's now, then every {@code period}.
   *
   * @param loop where to run
   * @param decorated the runnable, already through {@code RxJavaPlugins.onSchedule}
   * @param initialDelay the delay of the first run (zero or less: at once)
   * @param period the period (zero or less: again in each iteration)
   * @param unit the unit of both
   * @param parent the worker's set of pending timed tasks, or null for a direct task
   * @return the task; call {@link #start()}
   */
  static TaskPeriodic create(EventLoop loop, Runnable decorated, long initialDelay, long period,
      TimeUnit unit, @Nullable DisposableContainer parent) {
    long first = SchedulerSupport.addSaturated(loop.time(), unit.toNanos(initialDelay));
    return new TaskPeriodic(decorated, parent, loop, first, Math.max(0L, unit.toNanos(period)));
  }

  /**
   * {@code schedulePeriodicallyDirect}: a periodic task on the next loop of {@code source}; a
   * closed loop or a shut-down source is reported to {@link RxJavaPlugins#onError(Throwable)} and
   * gives {@link Disposable#disposed()}.
   *
   * @param source where to run
   * @param decorated the runnable, already through {@code RxJavaPlugins.onSchedule}
   * @param initialDelay the delay of the first run
   * @param period the period
   * @param unit the unit of both
   * @return the task, or {@link Disposable#disposed()} if it was rejected
   */
  public static Disposable direct(LoopSource source, Runnable decorated, long initialDelay,
      long period, TimeUnit unit) {
    try {
      TaskPeriodic task = create(source.next(), decorated, initialDelay, period, unit, null);
      task.start();
      return task;
    } catch (RejectedExecutionException rejected) {
      RxJavaPlugins.onError(rejected);
      return Disposable.disposed();
    }
  }

  /**
   * Puts the first run on a loop timer at its deadline.
   *
   * @throws RejectedExecutionException if the loop is closed
   */
  void start() {
    TimerHandle timer;
    try {
      timer = loop.callAt(deadline, this);
    } catch (IllegalStateException closed) {
      throw SchedulerSupport.rejected(closed);
    }
    arm(null, timer);
  }

  /**
   * Called by the loop at each deadline: runs the task, then re-arms it at the next deadline of
   * the grid, unless it was disposed or it threw.
   */
  @Override
  public void run() {
    if (!enter()) {
      return;
    }
    if (!runBody()) {
      finish(); // stops for good: the failure went to RxJavaPlugins.onError
      return;
    }
    deadline = SchedulerSupport.addSaturated(deadline, periodNanos);
    TimerHandle next;
    try {
      // On the loop thread: the timer cannot fire before arm() below publishes it.
      next = loop.callAt(deadline, this);
    } catch (IllegalStateException | RejectedExecutionException closed) {
      finish();
      RxJavaPlugins.onError(SchedulerSupport.rejected(closed));
      return;
    }
    // Fails only if dispose() came while the task ran: arm() then cancels the new timer.
    arm(RUNNING, next);
  }
}
