package dev.loop.reactor.internal;

import dev.loop.EventLoop;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.Exceptions;
import reactor.core.Scannable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A worker of a {@link LoopSchedulerImpl}, bound to one loop: its tasks run there, in the order
 * they were scheduled from any one thread (the loop's own guarantee for {@code execute}; timers by
 * deadline, ties in scheduling order).
 *
 * <p>Tasks handed to the loop with {@code execute} are not tracked: each checks {@link
 * #runsTasks()} when it comes up, so disposing the worker makes them skip (and report disposed) at
 * no cost to the hot path. Timed tasks are tracked in {@link #timers} so that disposal cancels their
 * loop timers at once instead of leaving them in the heap until they are due.
 */
final class LoopWorker implements Scheduler.Worker, TaskHost, Scannable {

  private static final VarHandle DISPOSED;

  static {
    try {
      DISPOSED = MethodHandles.lookup().findVarHandle(LoopWorker.class, "disposed", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final LoopSchedulerImpl parent;
  private final EventLoop loop;
  private final DisposableSet<Disposable> timers = new DisposableSet<>();
  @SuppressWarnings("unused") // through DISPOSED
  private volatile boolean disposed;

  LoopWorker(LoopSchedulerImpl parent, EventLoop loop) {
    this.parent = parent;
    this.loop = loop;
  }

  @Override
  public Disposable schedule(Runnable task) {
    Objects.requireNonNull(task, "task");
    checkAccepting();
    OneShotTask t = new OneShotTask(Schedulers.onSchedule(task), this, loop, false);
    // Race: dispose() may happen between the check and the hand-off: the task then skips when it
    // comes up (runsTasks() is false), and reports disposed.
    loop.execute(t); // RejectedExecutionException if the loop is closed, as Reactor's workers throw
    return t;
  }

  @Override
  public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(unit, "unit");
    if (delay <= 0) {
      return schedule(task);
    }
    checkAccepting();
    OneShotTask t = new OneShotTask(Schedulers.onSchedule(task), this, loop, true);
    if (!timers.add(t)) {
      t.dispose();
      throw Exceptions.failWithRejected(); // disposed meanwhile
    }
    try {
      t.setTimer(loop.callLater(delay, unit, t));
    } catch (IllegalStateException loopClosed) {
      t.dispose();
      throw Exceptions.failWithRejected(loopClosed);
    }
    return t;
  }

  @Override
  public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(unit, "unit");
    checkAccepting();
    PeriodicTask t = LoopSchedulerImpl.periodic(Schedulers.onSchedule(task), this, loop, initialDelay, period, unit);
    if (!timers.add(t)) {
      t.dispose();
      throw Exceptions.failWithRejected();
    }
    try {
      t.start();
    } catch (IllegalStateException loopClosed) {
      t.dispose();
      throw Exceptions.failWithRejected(loopClosed);
    }
    return t;
  }

  /** Reactor's workers throw the shared {@code REJECTED_EXECUTION} instance once disposed. */
  private void checkAccepting() {
    if (disposed || !parent.acceptsTasks()) {
      throw Exceptions.failWithRejected();
    }
  }

  @Override
  public boolean runsTasks() {
    return !disposed && parent.runsTasks();
  }

  @Override
  public void timerDone(Disposable task) {
    timers.remove(task);
  }

  /** Cancels the pending timers, leaving the tasks already handed to the loop to run. */
  void cancelTimers() {
    timers.disposeAll();
  }

  @Override
  public void dispose() {
    if (DISPOSED.compareAndSet(this, false, true)) {
      timers.disposeAll();
      parent.workerDone(this);
    }
  }

  @Override
  public boolean isDisposed() {
    return disposed || !parent.acceptsTasks();
  }

  @Override
  @SuppressWarnings("rawtypes") // Scannable declares the raw type
  public @Nullable Object scanUnsafe(Attr key) {
    if (key == Attr.NAME) {
      return "LoopWorker";
    }
    if (key == Attr.PARENT) {
      return parent;
    }
    if (key == Attr.TERMINATED || key == Attr.CANCELLED) {
      return isDisposed();
    }
    return null;
  }

  @Override
  public String toString() {
    return "LoopWorker[" + loop + (isDisposed() ? ", disposed]" : "]");
  }
}
