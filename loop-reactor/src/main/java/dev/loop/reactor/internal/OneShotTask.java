package dev.loop.reactor.internal;

import dev.loop.EventLoop;
import dev.loop.Handle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;

/**
 * A task that runs once, as soon as possible (handed to the loop with {@code execute}) or on a loop
 * timer: what {@code schedule(task)} and {@code schedule(task, delay, unit)} return.
 *
 * <p>State, one volatile field changed by CAS: {@code null} (waiting; no timer known yet), a {@link
 * Handle} (waiting on that timer), {@link #DONE} (ran) or {@link #CANCELLED}. {@code isDisposed()}
 * is false while the task waits or runs, true once it ran, was cancelled, or its host was disposed.
 */
final class OneShotTask implements Runnable, Disposable {

  private static final Object DONE = new Object() {
    @Override
    public String toString() {
      return "DONE";
    }
  };
  private static final Object CANCELLED = new Object() {
    @Override
    public String toString() {
      return "CANCELLED";
    }
  };
  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(OneShotTask.class, "state", Object.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Runnable task;
  private final TaskHost host;
  private final EventLoop loop;
  private final boolean timed;
  @SuppressWarnings("unused") // through STATE
  private volatile @Nullable Object state;

  /**
   * A task of {@code host}, to run on {@code loop}.
   *
   * @param task the task, already through {@code Schedulers.onSchedule}
   * @param host its scheduler or worker
   * @param loop where it runs
   * @param timed whether the host tracks it (a timer) and must be told when it is over
   */
  OneShotTask(Runnable task, TaskHost host, EventLoop loop, boolean timed) {
    this.task = task;
    this.host = host;
    this.loop = loop;
    this.timed = timed;
  }

  /**
   * Records the timer that will run this task. Scheduling thread, right after {@code callLater}.
   *
   * @param timer the timer
   */
  void setTimer(Handle timer) {
    // Races: dispose() may have won (state CANCELLED): the timer was not known to it, so cancel it
    // here. Or the timer fired and the task already ran on the loop thread (state DONE): nothing to
    // keep. Only from null is the timer recorded.
    if (!STATE.compareAndSet(this, null, timer) && state == CANCELLED) {
      timer.cancel();
    }
  }

  /** Loop thread: runs the task unless it was cancelled or its host disposed. */
  @Override
  public void run() {
    Object s = state;
    if (s == DONE || s == CANCELLED) {
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
    } finally {
      finish();
    }
  }

  private void finish() {
    for (;;) {
      Object s = state;
      if (s == CANCELLED) {
        return; // disposed while running: dispose() did the bookkeeping
      }
      // s is null, or the timer that just fired (setTimer may race in: re-read and retry)
      if (STATE.compareAndSet(this, s, DONE)) {
        if (timed) {
          host.timerDone(this);
        }
        return;
      }
    }
  }

  /** Any thread: the task will not run if it has not started; a running task is not interrupted. */
  @Override
  public void dispose() {
    for (;;) {
      Object s = state;
      if (s == DONE || s == CANCELLED) {
        return;
      }
      if (STATE.compareAndSet(this, s, CANCELLED)) {
        if (s instanceof Handle timer) {
          timer.cancel();
        }
        if (timed) {
          host.timerDone(this);
        }
        return;
      }
    }
  }

  @Override
  public boolean isDisposed() {
    Object s = state;
    return s == DONE || s == CANCELLED || !host.runsTasks();
  }

  @Override
  public String toString() {
    return "OneShotTask[" + task + ", " + (state == null ? "waiting" : state) + "]";
  }
}
