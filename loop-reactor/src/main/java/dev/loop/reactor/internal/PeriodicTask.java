package dev.loop.reactor.internal;

import dev.loop.EventLoop;
import dev.loop.Handle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;

/**
 * A task run at a fixed rate on loop timers: run {@code k} is due at exactly {@code firstDeadline +
 * k * period} in loop time ({@code callAt}), so the schedule never drifts, whatever each run takes
 * or however late the loop is (a late loop catches up, as a fixed-rate executor does). With a
 * period of zero the task is handed back to the loop ({@code execute}) after each run, as Reactor's
 * instant periodic tasks are resubmitted.
 *
 * <p>Errors, as in Reactor 3.8: with a positive period an error is reported and the schedule goes
 * on (Reactor's {@code PeriodicSchedulerTask} catches and reports, so its executor keeps the
 * fixed-rate schedule); with a period of zero the error is reported and the task stops (Reactor's
 * {@code InstantPeriodicWorkerTask} resubmits only after a run that returned).
 *
 * <p>State, one volatile field changed by CAS: {@code null} (the first timer is not recorded yet),
 * the {@link Handle} of the latest timer, or {@link #CANCELLED}. Only the loop thread runs the task
 * and computes deadlines, so {@link #runs} needs no synchronisation.
 */
final class PeriodicTask implements Runnable, Disposable {

  private static final Object CANCELLED = new Object() {
    @Override
    public String toString() {
      return "CANCELLED";
    }
  };
  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(PeriodicTask.class, "state", Object.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Runnable task;
  private final TaskHost host;
  private final EventLoop loop;
  private final long firstDeadline;
  private final long periodNanos;
  /** Runs started so far; loop thread only. */
  private long runs;
  @SuppressWarnings("unused") // through STATE
  private volatile @Nullable Object state;

  /**
   * A periodic task of {@code host} on {@code loop}.
   *
   * @param task the task, already through {@code Schedulers.onSchedule}
   * @param host its scheduler or worker, which tracks it
   * @param loop where it runs
   * @param firstDeadline the loop time of the first run
   * @param periodNanos the period, or 0 to run again as soon as possible
   */
  PeriodicTask(Runnable task, TaskHost host, EventLoop loop, long firstDeadline, long periodNanos) {
    this.task = task;
    this.host = host;
    this.loop = loop;
    this.firstDeadline = firstDeadline;
    this.periodNanos = periodNanos;
  }

  /**
   * Starts the schedule: the first timer. Scheduling thread.
   *
   * @throws IllegalStateException if the loop is closed
   */
  void start() {
    Handle first = loop.callAt(firstDeadline, this);
    // Race: the first run may already have happened on the loop thread and recorded the next
    // timer; that one is newer and must stay, so the first is recorded only over null. If dispose()
    // won instead, the first timer was not known to it: cancel it here.
    if (!STATE.compareAndSet(this, null, first) && state == CANCELLED) {
      first.cancel();
    }
  }

  /** Loop thread: one run, then the next timer. */
  @Override
  public void run() {
    if (state == CANCELLED) {
      return;
    }
    if (!host.runsTasks()) {
      dispose();
      return;
    }
    try {
      task.run();
    } catch (Throwable t) {
      TaskErrors.report(t, loop);
      if (periodNanos == 0) {
        dispose();
        return;
      }
    }
    if (state == CANCELLED) {
      return; // disposed during the run
    }
    try {
      if (periodNanos == 0) {
        // No handle: dispose() leaves the state CANCELLED and this run finds it when it comes up.
        loop.execute(this);
      } else {
        runs++;
        recordNext(loop.callAt(deadline(runs), this));
      }
    } catch (RuntimeException loopClosed) {
      dispose(); // the loop is closing: there is no next run
    }
  }

  /** {@code firstDeadline + k * period}, saturated: a deadline past the clock's range never comes. */
  private long deadline(long k) {
    try {
      return Math.addExact(firstDeadline, Math.multiplyExact(k, periodNanos));
    } catch (ArithmeticException overflow) {
      return Long.MAX_VALUE;
    }
  }

  private void recordNext(Handle next) {
    for (;;) {
      Object s = state;
      if (s == CANCELLED) {
        next.cancel(); // dispose() ran while the timer was being made and could not see it
        return;
      }
      if (STATE.compareAndSet(this, s, next)) {
        return;
      }
    }
  }

  /** Any thread: no run starts after this returns, except one already started. */
  @Override
  public void dispose() {
    for (;;) {
      Object s = state;
      if (s == CANCELLED) {
        return;
      }
      if (STATE.compareAndSet(this, s, CANCELLED)) {
        if (s instanceof Handle timer) {
          timer.cancel();
        }
        host.timerDone(this);
        return;
      }
    }
  }

  @Override
  public boolean isDisposed() {
    return state == CANCELLED || !host.runsTasks();
  }

  @Override
  public String toString() {
    return "PeriodicTask[" + task + ", period " + periodNanos + " ns" + (state == CANCELLED ? ", cancelled]" : "]");
  }
}
