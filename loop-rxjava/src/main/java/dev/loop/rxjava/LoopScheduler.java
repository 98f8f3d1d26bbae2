package dev.loop.rxjava;

import dev.loop.EventLoop;
import dev.loop.EventLoopGroup;
import dev.loop.rxjava.internal.LoopSource;
import dev.loop.rxjava.internal.TaskOnce;
import dev.loop.rxjava.internal.TaskPeriodic;
import dev.loop.rxjava.internal.WorkerOnLoop;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.disposables.Disposable;
import io.reactivex.rxjava3.plugins.RxJavaPlugins;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * An RxJava 3 {@link Scheduler} that runs its tasks on Loop event loops: RxJava's {@code
 * Schedulers.from(executor)} or RxAndroid's {@code AndroidSchedulers.from(looper)}, for the loop.
 *
 * <p>Make one over a loop ({@link #of(EventLoop)}), over a group ({@link #of(EventLoopGroup)}: direct
 * tasks and workers are spread over the group's loops with {@link EventLoopGroup#next()}), or over
 * a group that the scheduler makes and owns ({@link #newGroup(int, String)}). Then use it wherever
 * RxJava takes a scheduler ({@code observeOn}, {@code subscribeOn}, {@code interval}, {@code
 * timeout}, ...), or install loops behind {@code Schedulers.single()} and {@code
 * Schedulers.computation()} with {@link LoopSchedulers#install(EventLoopGroup)}.
 *
 * <pre>{@code
 * EventLoopGroup group = EventLoopGroup.create(2);
 * LoopScheduler loops = LoopScheduler.of(group);
 * Flowable.range(1, 10).observeOn(loops).map(i -> i * i).blockingSubscribe(System.out::println);
 * group.close();
 * }</pre>
 *
 * <p>Semantics, matched to RxJava's own schedulers:
 *
 * <ul>
 *   <li>{@link #scheduleDirect(Runnable)} hands the task to the loop's {@link EventLoop#execute
 *       execute} (asyncio's {@code call_soon_threadsafe}); a delayed one goes on a loop timer
 *       ({@link EventLoop#callLater(long, TimeUnit, Runnable) callLater}); a periodic one runs at a
 *       fixed rate on loop time without drift: run {@code k} is due at exactly {@code first + k *
 *       period} ({@link EventLoop#callAt(long, Runnable) callAt}), and a run made late by a slow
 *       one is followed by the next one on the grid.
 *   <li>{@link #createWorker()} gives a worker on one loop: its immediate tasks run in the order
 *       they were scheduled, from whatever threads, and never overlap; disposing it drops what it
 *       still holds and cancels the loop timers of its delayed and periodic tasks, and a disposed
 *       worker returns {@link Disposable#disposed()} from {@code schedule}.
 *   <li>Every task goes through {@link RxJavaPlugins#onSchedule(Runnable)} once, when scheduled.
 *   <li>A task that throws is reported to {@link RxJavaPlugins#onError(Throwable)}, as RxJava's
 *       scheduled runnables do, and not rethrown: the loop goes on and its exception handler does
 *       not see it. A periodic task that throws stops.
 *   <li>Work a loop refuses (closed, or this scheduler shut down) is reported to {@link
 *       RxJavaPlugins#onError(Throwable)} as a {@link RejectedExecutionException}, and the call
 *       returns {@link Disposable#disposed()}, as {@code Schedulers.from(executor)} does.
 *   <li>{@link #now(TimeUnit)} reads the loop's clock ({@link EventLoop#time()}), so a scheduler
 *       over a virtual-time {@code TestLoop} runs RxJava's timed operators in virtual time.
 *   <li>Disposing a task or worker never interrupts a loop thread (that would stop its loop): a
 *       task already running finishes.
 * </ul>
 *
 * <p>Loop threads must not block: use it for non-blocking work; keep {@code Schedulers.io()} for
 * blocking calls. All methods may be called from any thread.
 */
public final class LoopScheduler extends Scheduler {

  private final LoopSource source;

  private LoopScheduler(LoopSource source) {
    this.source = source;
  }

  /**
   * A scheduler whose every task and worker runs on {@code loop}. The loop belongs to the caller:
   * {@link #shutdown()} does not close it. The loop should be running (on a thread of its own, or
   * a {@code TestLoop} advanced by the test) for tasks to run.
   *
   * @param loop the loop
   * @return the scheduler
   * @throws NullPointerException if {@code loop} is null
   */
  public static LoopScheduler of(EventLoop loop) {
    Objects.requireNonNull(loop, "loop is null");
    return new LoopScheduler(LoopSource.of(loop));
  }

  /**
   * A scheduler over {@code group}: each direct task, and each worker, on the group's {@link
   * EventLoopGroup#next()} loop (a worker keeps its loop). The group belongs to the caller: {@link
   * #shutdown()} does not shut it down.
   *
   * @param group the group
   * @return the scheduler
   * @throws NullPointerException if {@code group} is null
   */
  public static LoopScheduler of(EventLoopGroup group) {
    Objects.requireNonNull(group, "group is null");
    return new LoopScheduler(LoopSource.of(group));
  }

  /**
   * A scheduler over a group of {@code nThreads} loops that it makes now, on daemon threads named
   * {@code threadNamePrefix-0}, {@code threadNamePrefix-1}, and so on, and owns: {@link
   * #shutdown()} shuts the group down and {@link #start()} makes a new one, as {@code
   * Schedulers.single()} restarts after {@code Schedulers.shutdown()}.
   *
   * @param nThreads how many loops, at least 1
   * @param threadNamePrefix the prefix of the loop threads' names
   * @return the scheduler, its loops running
   * @throws IllegalArgumentException if {@code nThreads} is below 1
   * @throws NullPointerException if {@code threadNamePrefix} is null
   */
  public static LoopScheduler newGroup(int nThreads, String threadNamePrefix) {
    Objects.requireNonNull(threadNamePrefix, "threadNamePrefix is null");
    if (nThreads < 1) {
      throw new IllegalArgumentException("nThreads must be at least 1: " + nThreads);
    }
    return new LoopScheduler(LoopSource.owned(nThreads, threadNamePrefix));
  }

  /**
   * A worker on one loop (the next one of a group). Its immediate tasks run in FIFO order, one at a
   * time; it must be disposed when no longer needed, as every RxJava worker. If this scheduler is
   * shut down, the worker rejects its first task (reported to {@link RxJavaPlugins#onError}).
   *
   * @return a new worker
   */
  @Override
  public Worker createWorker() {
    return WorkerOnLoop.create(source);
  }

  /**
   * Runs {@code run} on a loop as soon as possible, through the loop's {@code execute}: asyncio's
   * {@code call_soon_threadsafe}.
   *
   * @param run the task
   * @return disposes the task (it does not run if it has not started); disposed once it ran, or
   *     {@link Disposable#disposed()} if the loop refused it
   * @throws NullPointerException if {@code run} is null ("run is null", as RxJava says)
   */
  @Override
  public Disposable scheduleDirect(Runnable run) {
    Objects.requireNonNull(run, "run is null");
    return TaskOnce.direct(source, RxJavaPlugins.onSchedule(run), 0L, TimeUnit.NANOSECONDS);
  }

  /**
   * Runs {@code run} on a loop after {@code delay}, on a loop timer (asyncio's {@code call_later});
   * a zero or negative delay runs it as soon as possible. Disposing it cancels the timer.
   *
   * @param run the task
   * @param delay how long from now, in {@code unit}
   * @param unit the unit of {@code delay}
   * @return disposes the task; or {@link Disposable#disposed()} if the loop refused it
   * @throws NullPointerException if {@code run} or {@code unit} is null
   */
  @Override
  public Disposable scheduleDirect(Runnable run, long delay, TimeUnit unit) {
    Objects.requireNonNull(run, "run is null");
    Objects.requireNonNull(unit, "unit is null");
    return TaskOnce.direct(source, RxJavaPlugins.onSchedule(run), delay, unit);
  }

  /**
   * Runs {@code run} on one loop at a fixed rate: first after {@code initialDelay}, then run
   * {@code k} at exactly {@code first + k * period} on loop time (no drift, as {@code
   * ScheduledExecutorService.scheduleAtFixedRate}). A zero or negative period runs it again in each
   * loop iteration. It stops when disposed, or after a run that throws (reported to {@link
   * RxJavaPlugins#onError(Throwable)}).
   *
   * @param run the task
   * @param initialDelay the delay of the first run, in {@code unit}
   * @param period the period, in {@code unit}
   * @param unit the unit of both
   * @return disposes the task (cancels its timer); or {@link Disposable#disposed()} if the loop
   *     refused it
   * @throws NullPointerException if {@code run} or {@code unit} is null
   */
  @Override
  public Disposable schedulePeriodicallyDirect(Runnable run, long initialDelay, long period, TimeUnit unit) {
    Objects.requireNonNull(run, "run is null");
    Objects.requireNonNull(unit, "unit is null");
    return TaskPeriodic.direct(source, RxJavaPlugins.onSchedule(run), initialDelay, period, unit);
  }

  /**
   * The loop's time ({@link EventLoop#time()}; for a group, its first loop's), in {@code unit}: a
   * monotonic clock, virtual on a {@code TestLoop}, not the wall clock RxJava's own schedulers read.
   *
   * @param unit the unit of the result
   * @return the time in {@code unit}
   * @throws NullPointerException if {@code unit} is null
   */
  @Override
  public long now(TimeUnit unit) {
    Objects.requireNonNull(unit, "unit is null");
    return unit.convert(source.now(), TimeUnit.NANOSECONDS);
  }

  /**
   * Restarts a scheduler made by {@link #newGroup(int, String)} after {@link #shutdown()}, with a
   * new group of loops; does nothing if it runs, or for a scheduler over a user's loop or group.
   */
  @Override
  public void start() {
    source.start();
  }

  /**
   * Shuts down the group a scheduler made by {@link #newGroup(int, String)} owns (gracefully, without
   * waiting: the loops run what is ready, then their threads end), after which its tasks and
   * workers are refused until {@link #start()}. Does nothing for a scheduler over a user's loop or
   * group: their lifetime is the user's.
   */
  @Override
  public void shutdown() {
    source.shutdown();
  }

  @Override
  public String toString() {
    return "LoopScheduler[" + source + "]";
  }
}
