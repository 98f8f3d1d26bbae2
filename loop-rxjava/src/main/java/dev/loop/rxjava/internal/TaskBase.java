package dev.loop.rxjava.internal;

import dev.loop.TimerHandle;
import io.reactivex.rxjava3.disposables.Disposable;
import io.reactivex.rxjava3.disposables.DisposableContainer;
import io.reactivex.rxjava3.plugins.RxJavaPlugins;
import io.reactivex.rxjava3.schedulers.SchedulerRunnableIntrospection;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jspecify.annotations.Nullable;

/**
 * What every task of {@code LoopScheduler} shares: the user's runnable (already passed through
 * {@code RxJavaPlugins.onSchedule}), the one place where a task that throws is reported, and a
 * lock-free state that {@link #dispose()} and the loop race on.
 *
 * <p>The state is one reference, changed only by compare-and-set:
 *
 * <ul>
 *   <li>{@code null}: waiting, and not (yet) known to be on a timer: a task handed to the loop's
 *       ready queue, or a timed task between {@code callAt} and {@link #arm};
 *   <li>a {@link TimerHandle}: waiting on that loop timer, so that {@link #dispose()} can cancel it
 *       and the loop drops it from its heap;
 *   <li>{@link #RUNNING}: the loop thread is running it; {@link #isDisposed()} is still false;
 *   <li>{@link #DONE} or {@link #DISPOSED}: terminal; {@link #isDisposed()} is true.
 * </ul>
 *
 * <p>A task runs only if the loop thread wins the change to {@code RUNNING}; a dispose that wins
 * first makes the loop's later call a no-op. A dispose during the run is remembered (the state
 * stays {@code DISPOSED}, the run finishes, nothing is interrupted: interrupting a loop thread would
 * stop its loop).
 */
public abstract class TaskBase implements Runnable, Disposable, SchedulerRunnableIntrospection {

  /** The loop thread is running the task. */
  static final Object RUNNING = new Marker("RUNNING");
  /** The task ran (or, for a periodic one, stopped after a failure). */
  static final Object DONE = new Marker("DONE");
  /** The task was disposed before or while it ran. */
  static final Object DISPOSED = new Marker("DISPOSED");

  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(TaskBase.class, "state", Object.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** The user's runnable, decorated by {@code RxJavaPlugins.onSchedule}. */
  final Runnable run;

  /** The worker's set of timed tasks that this task leaves when it ends, or null for a direct task. */
  final @Nullable DisposableContainer parent;

  @SuppressWarnings("unused") // through STATE
  private volatile @Nullable Object state;

  TaskBase(Runnable run, @Nullable DisposableContainer parent) {
    this.run = run;
    this.parent = parent;
  }

  /**
   * Moves from waiting to {@link #RUNNING}: only the loop thread calls it, and only a task that
   * was not disposed (and did not already run) gets true.
   */
  final boolean enter() {
    for (;;) {
      Object s = STATE.getVolatile(this);
      if (s == RUNNING || s == DONE || s == DISPOSED) {
        return false;
      }
      if (STATE.compareAndSet(this, s, RUNNING)) {
        return true;
      }
    }
  }

  /**
   * Runs the decorated runnable; a throwable goes to {@link RxJavaPlugins#onError(Throwable)} as
   * RxJava's own scheduled runnables do, and not to the loop, which must keep running. It is not
   * rethrown: the loop would report it a second time to its exception handler.
   *
   * @return true if the runnable returned normally
   */
  final boolean runBody() {
    try {
      run.run();
      return true;
    } catch (Throwable t) {
      RxJavaPlugins.onError(t);
      return false;
    }
  }

  /** Ends a run for good: {@link #DONE} unless a dispose came during it, and leaves the parent. */
  final void finish() {
    STATE.compareAndSet(this, RUNNING, DONE); // fails only if disposed meanwhile: stays DISPOSED
    leaveParent();
  }

  /**
   * Publishes the timer the task waits on, from the state {@code expected} (null after the first
   * {@code callAt}, {@link #RUNNING} when a periodic task re-arms itself).
   *
   * <p>The re-check that closes the race with {@link #dispose()}: a dispose that came between
   * {@code callAt} and this call found no timer to cancel and set {@link #DISPOSED}; the
   * compare-and-set then fails, and the timer is cancelled here instead. If it fails because the
   * timer already fired (a very short delay scheduled from another thread), there is nothing to do.
   *
   * @return true if the timer is now the task's state
   */
  final boolean arm(@Nullable Object expected, TimerHandle timer) {
    if (STATE.compareAndSet(this, expected, timer)) {
      return true;
    }
    if (STATE.getVolatile(this) == DISPOSED) {
      timer.cancel();
    }
    return false;
  }

  /** Leaves the worker's set of pending timed tasks, if any. */
  final void leaveParent() {
    DisposableContainer p = parent;
    if (p != null) {
      p.delete(this);
    }
  }

  /**
   * Disposes the task from any thread: it will not run (or, if running, will not run again), its
   * loop timer is cancelled so the loop drops it from its heap, and it leaves its worker's set.
   */
  @Override
  public final void dispose() {
    for (;;) {
      Object s = STATE.getVolatile(this);
      if (s == DONE || s == DISPOSED) {
        return;
      }
      if (STATE.compareAndSet(this, s, DISPOSED)) {
        if (s instanceof TimerHandle timer) {
          timer.cancel();
        }
        leaveParent();
        return;
      }
    }
  }

  /**
   * True once the task ran, stopped, or was disposed; false while it waits or runs.
   *
   * @return whether the task is over
   */
  @Override
  public boolean isDisposed() {
    Object s = STATE.getVolatile(this);
    return s == DONE || s == DISPOSED;
  }

  /**
   * The runnable this task runs: the one given to the scheduler after {@code
   * RxJavaPlugins.onSchedule} decorated it, as RxJava's own tasks report.
   *
   * @return the decorated runnable
   */
  @Override
  public final Runnable getWrappedRunnable() {
    return run;
  }

  @Override
  public String toString() {
    Object s = STATE.getVolatile(this);
    String what = s == null ? "WAITING" : s instanceof TimerHandle ? "TIMER" : s.toString();
    return getClass().getSimpleName() + "[" + what + ", " + run + "]";
  }

  /** A named state, for {@link #toString()}. */
  private static final class Marker {
    private final String name;

    Marker(String name) {
      this.name = name;
    }

    @Override
    public String toString() {
      return name;
    }
  }
}
