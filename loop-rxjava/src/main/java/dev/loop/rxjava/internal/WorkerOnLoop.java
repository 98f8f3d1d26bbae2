package dev.loop.rxjava.internal;

import dev.loop.EventLoop;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.disposables.CompositeDisposable;
import io.reactivex.rxjava3.disposables.Disposable;
import io.reactivex.rxjava3.plugins.RxJavaPlugins;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A {@code LoopScheduler} worker: every task on one loop, immediate tasks in the order they were
 * scheduled (FIFO across all scheduling threads), none overlapping (the loop has one thread).
 *
 * <p>Immediate tasks go through the worker's own queue, drained on the loop thread by this
 * runnable, as RxJava's {@code ExecutorScheduler.ExecutorWorker} does: the loop's own ready queue
 * keeps order per scheduling thread only (a task scheduled from the loop thread can overtake one
 * that another thread scheduled just before, still in the loop's inbox), while the worker's queue
 * keeps one order for all. A drain runs the tasks that were counted when it began, then hands the
 * loop back (re-executing itself if more came), so that a task that reschedules itself forever
 * cannot starve the loop's I/O and timers. Delayed and periodic tasks go on loop timers directly and
 * are tracked in a set, so that {@link #dispose()} cancels their timers and the loop drops them.
 *
 * <p>A disposed worker runs nothing more and returns {@link Disposable#disposed()} from every later
 * {@code schedule}, as RxJava's workers do. A worker whose loop refuses work (closed, or its
 * scheduler shut down) reports a {@link RejectedExecutionException} to {@link
 * RxJavaPlugins#onError(Throwable)} once and disposes itself.
 */
public final class WorkerOnLoop extends Scheduler.Worker implements Runnable {

  private static final VarHandle WIP;

  static {
    try {
      WIP = MethodHandles.lookup().findVarHandle(WorkerOnLoop.class, "wip", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** The worker's loop, or null when its scheduler was shut down when the worker was made. */
  private final @Nullable EventLoop loop;

  private final ConcurrentLinkedQueue<TaskQueued> queue = new ConcurrentLinkedQueue<>();

  /** Delayed and periodic tasks still waiting on loop timers; disposed with the worker. */
  private final CompositeDisposable timed = new CompositeDisposable();

  private volatile boolean disposed;

  /**
   * Immediate tasks offered and not yet drained, plus one for good once the worker is disposed.
   * The thread that moves it from 0 hands the drain to the loop; the drain subtracts what it ran.
   */
  @SuppressWarnings("unused") // through WIP
  private volatile int wip;

  private WorkerOnLoop(@Nullable EventLoop loop) {
    this.loop = loop;
  }

  /**
   * A worker on the next loop of {@code source}; if the source is shut down, a worker that rejects
   * its first task.
   *
   * @param source where the worker's loop comes from
   * @return the worker
   */
  public static WorkerOnLoop create(LoopSource source) {
    EventLoop next;
    try {
      next = source.next();
    } catch (RejectedExecutionException shutDown) {
      next = null;
    }
    return new WorkerOnLoop(next);
  }

  @Override
  public Disposable schedule(Runnable run) {
    Objects.requireNonNull(run, "run is null");
    if (disposed) {
      return Disposable.disposed();
    }
    EventLoop l = loop;
    if (l == null) {
      return rejected(new RejectedExecutionException("the LoopScheduler of this worker is shut down"));
    }
    TaskQueued task = new TaskQueued(RxJavaPlugins.onSchedule(run), this);
    queue.offer(task); // before the count: a drain that counts the task always finds it
    if ((int) WIP.getAndAdd(this, 1) == 0) {
      try {
        l.execute(this);
      } catch (RejectedExecutionException closed) {
        queue.clear();
        return rejected(closed);
      }
    }
    // No re-check of `disposed` is needed here: a dispose() racing this call either saw the count
    // at 0 and cleared the queue (the count stays above 0 for good, so no drain ever starts), or
    // left the clearing to the drain, which checks `disposed` before each task it runs; and the
    // task reports isDisposed() through its worker either way.
    return task;
  }

  @Override
  public Disposable schedule(Runnable run, long delay, TimeUnit unit) {
    Objects.requireNonNull(run, "run is null");
    Objects.requireNonNull(unit, "unit is null");
    if (delay <= 0) {
      return schedule(run); // in FIFO order with the other immediate tasks
    }
    if (disposed) {
      return Disposable.disposed();
    }
    EventLoop l = loop;
    if (l == null) {
      return rejected(new RejectedExecutionException("the LoopScheduler of this worker is shut down"));
    }
    TaskOnce task = new TaskOnce(RxJavaPlugins.onSchedule(run), timed);
    if (!timed.add(task)) {
      // dispose() won the race since the check above: add() disposed the task, which never runs.
      return Disposable.disposed();
    }
    try {
      task.startTimer(l, delay, unit);
    } catch (RejectedExecutionException closed) {
      task.dispose();
      return rejected(closed);
    }
    // A dispose() from here on finds the task in `timed`; one between add() and startTimer() is
    // caught by the task's own re-check (TaskBase.arm), which cancels the timer.
    return task;
  }

  @Override
  public Disposable schedulePeriodically(Runnable run, long initialDelay, long period, TimeUnit unit) {
    Objects.requireNonNull(run, "run is null");
    Objects.requireNonNull(unit, "unit is null");
    if (disposed) {
      return Disposable.disposed();
    }
    EventLoop l = loop;
    if (l == null) {
      return rejected(new RejectedExecutionException("the LoopScheduler of this worker is shut down"));
    }
    TaskPeriodic task =
        TaskPeriodic.create(l, RxJavaPlugins.onSchedule(run), initialDelay, period, unit, timed);
    if (!timed.add(task)) {
      return Disposable.disposed(); // disposed meanwhile, as in schedule(run, delay, unit)
    }
    try {
      task.start();
    } catch (RejectedExecutionException closed) {
      task.dispose();
      return rejected(closed);
    }
    return task;
  }

  /** The loop refused work: the worker disposes itself and reports it once, as RxJava's workers do. */
  private Disposable rejected(RejectedExecutionException refusal) {
    disposed = true;
    timed.dispose();
    RxJavaPlugins.onError(refusal);
    return Disposable.disposed();
  }

  /**
   * The drain, on the loop thread: runs the immediate tasks counted when it began, in FIFO order,
   * then yields to the loop.
   */
  @Override
  public void run() {
    int missed = (int) WIP.getVolatile(this);
    for (int i = 0; i < missed; i++) {
      if (disposed) {
        queue.clear();
        return; // the count stays above 0: no drain starts again
      }
      TaskQueued task = queue.poll();
      if (task == null) {
        return; // only after a rejection cleared the queue: the worker is disposed
      }
      task.run(); // never throws: a failure goes to RxJavaPlugins.onError
    }
    if (disposed) {
      queue.clear();
      return;
    }
    if ((int) WIP.getAndAdd(this, -missed) != missed) {
      // More tasks came while this drain ran: run them in a later iteration, after the loop's other
      // ready callbacks, timers and I/O.
      EventLoop l = Objects.requireNonNull(loop);
      try {
        l.execute(this);
      } catch (RejectedExecutionException closed) {
        queue.clear();
        rejected(closed);
      }
    }
  }

  /**
   * Disposes the worker from any thread: tasks still queued never run, timers of delayed and
   * periodic tasks are cancelled (the loop drops them from its heap), and later {@code schedule}
   * calls return {@link Disposable#disposed()}. A task running now finishes; nothing is
   * interrupted.
   */
  @Override
  public void dispose() {
    if (!disposed) {
      disposed = true;
      timed.dispose();
      // If no drain is pending, clear the queue here; else the drain sees `disposed` and clears it.
      if ((int) WIP.getAndAdd(this, 1) == 0) {
        queue.clear();
      }
    }
  }

  @Override
  public boolean isDisposed() {
    return disposed;
  }

  /**
   * The worker's loop's time, as RxJava's {@code Worker.now} asks.
   *
   * @param unit the unit of the result
   * @return the loop's time in {@code unit}
   */
  @Override
  public long now(TimeUnit unit) {
    Objects.requireNonNull(unit, "unit is null");
    EventLoop l = loop;
    return unit.convert(l != null ? l.time() : System.nanoTime(), TimeUnit.NANOSECONDS);
  }

  @Override
  public String toString() {
    return "WorkerOnLoop[" + (disposed ? "disposed" : "active") + ", " + loop + "]";
  }
}
