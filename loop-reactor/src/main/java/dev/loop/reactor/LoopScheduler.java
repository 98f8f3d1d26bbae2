package dev.loop.reactor;

import dev.loop.EventLoop;
import dev.loop.EventLoopGroup;
import dev.loop.reactor.internal.LoopSchedulerImpl;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * A Project Reactor {@link Scheduler} that runs every task on an {@link EventLoop}: the loop as
 * {@code publishOn}/{@code subscribeOn} target, and its timers behind {@code Mono.delay}, {@code
 * Flux.interval} and every other time operator given this scheduler. The Reactor counterpart of a
 * Netty event loop used as an executor, or of asyncio's {@code loop.call_soon_threadsafe} /
 * {@code loop.call_later} behind a scheduler.
 *
 * <p>Make one with {@link #of(EventLoop)} (every task on that loop), {@link #of(EventLoopGroup)}
 * (tasks and workers spread over the group's loops with {@link EventLoopGroup#next()}) or {@link
 * #newGroup(int, String)} (a group of its own, on {@link reactor.core.scheduler.NonBlocking
 * NonBlocking} threads, shut down when the scheduler is disposed). All methods may be called from
 * any thread.
 *
 * <p>What Reactor's own schedulers do, this one does:
 *
 * <ul>
 *   <li>{@link #schedule(Runnable)} hands the task to the loop ({@link EventLoop#execute(Runnable)});
 *       {@link #schedule(Runnable, long, TimeUnit)} puts it on a loop timer ({@link
 *       EventLoop#callLater(long, TimeUnit, Runnable)}); a non-positive delay means no delay. The
 *       returned {@link Disposable} cancels the task if it has not started; it reports disposed once
 *       the task has run, was cancelled, or the scheduler was disposed.
 *   <li>{@link #schedulePeriodically(Runnable, long, long, TimeUnit)} runs at a fixed rate in loop
 *       time without drift: run {@code k} is due at exactly {@code first + k * period} ({@link
 *       EventLoop#callAt(long, Runnable)}), never "end of the last run + period"; a late loop catches
 *       up. A period of zero or less re-runs the task as soon as the loop can, after each run (as
 *       Reactor's instant periodic tasks do).
 *   <li>A task that throws never stops the loop. The error goes where Reactor's schedulers send it
 *       ({@code Schedulers.handleError}): the loop thread's {@link Thread.UncaughtExceptionHandler}
 *       (on the {@link LoopSchedulers#nonBlockingThreadFactory(String) non-blocking threads} of
 *       Loop's factories, that handler passes it to the running loop's {@link
 *       EventLoop#callExceptionHandler exception handler}), then the hook set with {@code
 *       Schedulers.onHandleError}. As in Reactor 3.8, a periodic task with a positive period goes on
 *       after an error; one with a period of zero or less stops.
 *   <li>Every task passes through {@code Schedulers.onSchedule} (the {@code onScheduleHook}s) when it
 *       is scheduled.
 *   <li>{@link #createWorker()} gives a worker bound to one loop: its tasks run on that loop, in the
 *       order they were scheduled from any one thread (delayed ones in deadline order, ties in
 *       scheduling order). Disposing the worker cancels everything it still holds, timers included;
 *       after that its {@code schedule} methods throw Reactor's shared {@link
 *       RejectedExecutionException} ({@code Exceptions.failWithRejected()}), as Reactor's workers do.
 *   <li>{@link #now(TimeUnit)} is the loop's clock ({@link EventLoop#time()}), virtual time on a
 *       {@code dev.loop.test.TestLoop}. Unlike Reactor's default, milliseconds are not wall-clock
 *       epoch time.
 *   <li>{@link #dispose()} rejects new tasks ({@link RejectedExecutionException}), cancels pending
 *       timers and workers, and makes tasks still queued on a loop skip when their turn comes.
 *       {@link #disposeGracefully()}, once subscribed, rejects new tasks and cancels pending timers,
 *       but lets the tasks already queued run, and completes when they have (and, for a scheduler
 *       that owns its group, when the group has terminated). Neither ever interrupts a running task:
 *       a loop thread must not be interrupted.
 *   <li>{@link #init()} does nothing on a live scheduler (schedulers are live from creation) and
 *       throws {@link IllegalStateException} on a disposed one; a disposed scheduler cannot be
 *       restarted ({@code start()} leaves it disposed).
 * </ul>
 *
 * <p>A scheduler made over a loop or a group it was given never stops or closes them; only a
 * scheduler made by {@link #newGroup(int, String)} shuts its group down.
 *
 * <p>Threads: {@code Schedulers.isInNonBlockingThread()} is true (so {@code block()} fails fast) on
 * the threads of groups made by {@link #newGroup(int, String)}, {@link
 * LoopSchedulers#install(int)} or with {@link LoopSchedulers#nonBlockingThreadFactory(String)},
 * and, once a {@code LoopScheduler} has been made over a loop, on whatever thread is running that
 * loop at the time.
 */
public interface LoopScheduler extends Scheduler {

  /**
   * A scheduler whose tasks and workers all run on {@code loop}. Disposing it never stops or closes
   * the loop. Any thread.
   *
   * @param loop the loop, running or to be run
   * @return the scheduler, live
   * @throws NullPointerException if {@code loop} is null
   * @throws IllegalArgumentException if {@code loop} is closed
   */
  static LoopScheduler of(EventLoop loop) {
    Objects.requireNonNull(loop, "loop");
    return LoopSchedulerImpl.over(loop);
  }

  /**
   * A scheduler that spreads its direct tasks and its workers over the loops of {@code group}, one
   * loop per task or worker, with {@link EventLoopGroup#next()}. Disposing it never shuts the group
   * down. Any thread. Reactor: a {@code Schedulers.newParallel} over the group's threads.
   *
   * @param group the group
   * @return the scheduler, live
   * @throws NullPointerException if {@code group} is null
   * @throws IllegalArgumentException if {@code group} is shutting down
   */
  static LoopScheduler of(EventLoopGroup group) {
    Objects.requireNonNull(group, "group");
    return LoopSchedulerImpl.over(group);
  }

  /**
   * A scheduler over a new group of {@code nThreads} loops on daemon {@link
   * reactor.core.scheduler.NonBlocking NonBlocking} threads named {@code threadNamePrefix-1},
   * {@code -2}, ... ({@link LoopSchedulers#nonBlockingThreadFactory(String)}). The scheduler owns
   * the group: {@link #dispose()} and {@link #disposeGracefully()} shut it down. Any thread.
   * Reactor: {@code Schedulers.newParallel(threadNamePrefix, nThreads)}.
   *
   * @param nThreads how many loops, at least 1
   * @param threadNamePrefix the prefix of the threads' names
   * @return the scheduler, its loops running
   * @throws NullPointerException if {@code threadNamePrefix} is null
   * @throws IllegalArgumentException if {@code nThreads} is below 1 or {@code threadNamePrefix} is
   *     empty
   */
  static LoopScheduler newGroup(int nThreads, String threadNamePrefix) {
    Objects.requireNonNull(threadNamePrefix, "threadNamePrefix");
    if (nThreads < 1) {
      throw new IllegalArgumentException("nThreads must be at least 1: " + nThreads);
    }
    return LoopSchedulerImpl.owning(
        EventLoopGroup.create(nThreads, LoopSchedulers.nonBlockingThreadFactory(threadNamePrefix)),
        threadNamePrefix);
  }

  /**
   * The loops this scheduler runs tasks on: the one loop of {@link #of(EventLoop)}, or every loop of
   * the group. Any thread.
   *
   * @return an unmodifiable list, in the group's order
   */
  List<EventLoop> loops();

  /**
   * Runs {@code task} on a loop as soon as it can: {@link EventLoop#execute(Runnable)} on this
   * scheduler's loop (the {@code next()} loop of a group). Any thread.
   *
   * @param task what to run
   * @return cancels the task if it has not started yet
   * @throws NullPointerException if {@code task} is null
   * @throws RejectedExecutionException if this scheduler is disposed or its loop is closed
   */
  @Override
  Disposable schedule(Runnable task);

  /**
   * Runs {@code task} once after {@code delay}, on a loop timer ({@link EventLoop#callLater(long,
   * TimeUnit, Runnable)}); zero or a negative delay runs it as {@link #schedule(Runnable)}. Any
   * thread.
   *
   * @param task what to run
   * @param delay how long from now
   * @param unit the unit of {@code delay}
   * @return cancels the task (and its timer) if it has not started yet
   * @throws NullPointerException if {@code task} or {@code unit} is null
   * @throws RejectedExecutionException if this scheduler is disposed or its loop is closed
   */
  @Override
  Disposable schedule(Runnable task, long delay, TimeUnit unit);

  /**
   * Runs {@code task} at a fixed rate on loop timers: first after {@code initialDelay}, then at
   * exactly {@code initialDelay + k * period} from the call, in loop time, whatever each run took.
   * With {@code period <= 0} the task runs again as soon as the loop can after each run. A task
   * that throws is reported (see the class comment) and, with a positive period, keeps its
   * schedule; with {@code period <= 0} it stops. Any thread.
   *
   * @param task what to run
   * @param initialDelay how long before the first run; zero or less for no delay
   * @param period the time between the starts of two runs
   * @param unit the unit of {@code initialDelay} and {@code period}
   * @return stops the periodic run
   * @throws NullPointerException if {@code task} or {@code unit} is null
   * @throws RejectedExecutionException if this scheduler is disposed or its loop is closed
   */
  @Override
  Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit);

  /**
   * The loop's time ({@link EventLoop#time()}) in {@code unit}: monotonic, with an arbitrary origin
   * (virtual on a test loop). Any thread.
   *
   * @param unit the unit wanted
   * @return the loop's time, truncated to {@code unit}
   * @throws NullPointerException if {@code unit} is null
   */
  @Override
  long now(TimeUnit unit);

  /**
   * A worker bound to one loop (the {@code next()} loop of a group): its tasks run in FIFO order
   * per scheduling thread on that loop. After this scheduler is disposed, the worker returned is
   * already disposed. Any thread.
   *
   * @return the worker
   */
  @Override
  Worker createWorker();

  /**
   * Disposes this scheduler at once: new tasks are rejected, timers and workers are cancelled,
   * queued tasks skip when they come up; a group this scheduler made is shut down (asynchronously).
   * A loop or group that was given is left running. Calling it again does nothing. Any thread,
   * loop threads included: it never blocks.
   */
  @Override
  void dispose();

  /**
   * Tells whether {@link #dispose()} was called or a {@link #disposeGracefully()} was subscribed.
   * Any thread.
   *
   * @return true once disposed or disposing
   */
  @Override
  boolean isDisposed();

  /**
   * A graceful disposal that starts when subscribed: new tasks are rejected and timers are
   * cancelled, the tasks already queued on the loops still run, and the {@code Mono} completes once
   * they have (and a group this scheduler made has terminated). Every subscription, concurrent or
   * later, completes at the same moment; cancelling one (e.g. by a {@code timeout}) does not stop
   * the disposal. Any thread.
   *
   * @return completes when the scheduler is terminated
   */
  @Override
  Mono<Void> disposeGracefully();

  /**
   * Does nothing on a live scheduler: a {@code LoopScheduler} is live as soon as it is made (Reactor
   * calls this on what a {@code Schedulers.Factory} returns). Any thread.
   *
   * @throws IllegalStateException if the scheduler is disposed ("Initializing a disposed scheduler
   *     is not permitted", as Reactor's schedulers say)
   */
  @Override
  void init();
}
