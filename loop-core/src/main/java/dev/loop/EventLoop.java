package dev.loop;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * One thread, one selector, a queue of ready callbacks and a heap of timers: asyncio's
 * {@code AbstractEventLoop}.
 *
 * <p>Make one with {@link Loops#newEventLoop()} and run it with {@link #runForever()} or {@link
 * #runUntilComplete(CompletionStage)}, or get loops already running on their own threads from an
 * {@link EventLoopGroup}. The thread that runs the loop is the <em>loop thread</em>; everything the
 * loop calls back (callbacks, timers, done callbacks, task bodies) runs there, one at a time.
 *
 * <p>Each iteration runs the callbacks that were ready when it began; callbacks scheduled during an
 * iteration run in the next one. Callbacks scheduled from one thread run in the order they were
 * scheduled; timers run in deadline order, ties in scheduling order; a cancelled handle never runs.
 * A callback that throws never stops the loop: the exception goes to {@link
 * #callExceptionHandler(ExceptionContext)} and the loop goes on.
 *
 * <p>Threads: the {@code callSoon*}, {@code callLater}/{@code callAt}, {@code execute}, {@code stop},
 * {@code runInExecutor} and {@code shutdown} methods may be called from any thread as each says;
 * {@link #callSoon(Runnable)} only from the loop thread while the loop runs, as in asyncio.
 */
public interface EventLoop extends Executor, AutoCloseable {

  // ---------------------------------------------------------------- running and stopping

  /**
   * Runs the loop on the calling thread until {@link #stop()} is called. asyncio:
   * {@code run_forever()}. If {@code stop()} was called before, runs one iteration and returns.
   *
   * @throws IllegalStateException if the loop is closed, already running, or another loop is running
   *     on this thread
   */
  void runForever();

  /**
   * Runs the loop on the calling thread until {@code future} is done, and returns its result.
   * asyncio: {@code run_until_complete()}.
   *
   * @param future the stage to wait for; a {@link LoopFuture} must belong to this loop
   * @param <T> the result type
   * @return the result
   * @throws NullPointerException if {@code future} is null
   * @throws IllegalArgumentException if {@code future} is a {@link LoopFuture} of another loop
   * @throws IllegalStateException as {@link #runForever()}, or if the loop was stopped before the
   *     future completed
   * @throws CancellationException if the future was cancelled
   * @throws RuntimeException the future's failure itself when unchecked (an {@link Error} likewise)
   * @throws CompletionException wrapping the failure when it is checked
   */
  <T> @Nullable T runUntilComplete(CompletionStage<T> future);

  /**
   * Asks the loop to stop: the current iteration finishes, then {@code runForever} returns. May be
   * called from any thread; wakes the loop. asyncio: {@code stop()}.
   */
  void stop();

  /**
   * Tells whether a thread is running the loop now. asyncio: {@code is_running()}.
   *
   * @return true while {@code runForever} or {@code runUntilComplete} is executing
   */
  boolean isRunning();

  /**
   * Tells whether the loop was closed. asyncio: {@code is_closed()}.
   *
   * @return true after {@link #close()}
   */
  boolean isClosed();

  /**
   * Tells whether the calling thread is the thread running this loop (Netty's
   * {@code inEventLoop()}).
   *
   * @return true on the loop thread while the loop runs
   */
  boolean inEventLoop();

  /**
   * Closes the loop: drops pending callbacks and timers, shuts down the default executor the loop
   * made (without waiting), and releases the selector. Closing twice does nothing. asyncio:
   * {@code close()}.
   *
   * @throws IllegalStateException if the loop is running
   */
  @Override
  void close();

  /**
   * One graceful shutdown, with no quiet period: cancels pending timers and tasks, lets what is
   * already ready run, shuts down the default executor the loop made (waiting up to {@code timeout}),
   * stops the loop and closes it. May be called from any thread; calling it again returns the same
   * stage. If the loop is not running, the calling thread runs it through the shutdown.
   *
   * @param timeout how long the executor may take to finish its work
   * @return completes once the loop is closed
   * @throws NullPointerException if {@code timeout} is null
   * @throws IllegalArgumentException if {@code timeout} is negative
   */
  CompletionStage<Void> shutdown(Duration timeout);

  /**
   * Like {@link #shutdown(Duration)}, but before closing also waits until no callback has run for
   * {@code quietPeriod} (or {@code timeout} has passed), as Netty's {@code shutdownGracefully} does.
   *
   * @param quietPeriod how long the loop must be idle before it closes
   * @param timeout the most the whole shutdown may take
   * @return completes once the loop is closed
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if an argument is negative
   */
  CompletionStage<Void> shutdown(Duration quietPeriod, Duration timeout);

  // ---------------------------------------------------------------- callbacks

  /**
   * Schedules {@code callback} to run in the next iteration, in the current context. asyncio:
   * {@code call_soon()}. Allocates only the handle and takes no lock or atomic operation.
   *
   * @param callback what to run
   * @return a handle that can cancel it
   * @throws NullPointerException if {@code callback} is null
   * @throws IllegalStateException if the loop is closed, or if called from a thread other than the
   *     loop thread while the loop runs (use {@link #callSoonThreadsafe(Runnable)})
   */
  Handle callSoon(Runnable callback);

  /**
   * Like {@link #callSoon(Runnable)}, running the callback in {@code context}.
   *
   * @param callback what to run
   * @param context the context to run it in
   * @return a handle that can cancel it
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException as {@link #callSoon(Runnable)}
   */
  Handle callSoon(Runnable callback, LoopContext context);

  /**
   * Schedules {@code callback} from any thread and wakes the loop if it is blocked waiting. asyncio:
   * {@code call_soon_threadsafe()}.
   *
   * @param callback what to run
   * @return a handle that can cancel it
   * @throws NullPointerException if {@code callback} is null
   * @throws IllegalStateException if the loop is closed
   */
  Handle callSoonThreadsafe(Runnable callback);

  /**
   * Like {@link #callSoonThreadsafe(Runnable)}, running the callback in {@code context}.
   *
   * @param callback what to run
   * @param context the context to run it in
   * @return a handle that can cancel it
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if the loop is closed
   */
  Handle callSoonThreadsafe(Runnable callback, LoopContext context);

  /**
   * {@link #callSoonThreadsafe(Runnable)} without a handle, as {@link Executor} asks.
   *
   * @param command what to run
   * @throws NullPointerException if {@code command} is null
   * @throws RejectedExecutionException if the loop is closed
   */
  @Override
  void execute(Runnable command);

  // ---------------------------------------------------------------- timers

  /**
   * Schedules {@code callback} after {@code delay}, in the current context. A zero or negative delay
   * runs it as soon as possible. May be called from any thread. asyncio: {@code call_later()}.
   *
   * @param delay how long from now
   * @param callback what to run
   * @return a handle that can cancel it
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if the loop is closed
   */
  TimerHandle callLater(Duration delay, Runnable callback);

  /**
   * Like {@link #callLater(Duration, Runnable)}, with the delay in {@code unit}s.
   *
   * @param delay how long from now, in {@code unit}
   * @param unit the unit of {@code delay}
   * @param callback what to run
   * @return a handle that can cancel it
   * @throws NullPointerException if {@code unit} or {@code callback} is null
   * @throws IllegalStateException if the loop is closed
   */
  TimerHandle callLater(long delay, TimeUnit unit, Runnable callback);

  /**
   * Schedules {@code callback} at {@code whenNanos} on the loop's clock, in the current context. May
   * be called from any thread. asyncio: {@code call_at()}.
   *
   * @param whenNanos the deadline, comparable with {@link #time()}
   * @param callback what to run
   * @return a handle that can cancel it
   * @throws NullPointerException if {@code callback} is null
   * @throws IllegalStateException if the loop is closed
   */
  TimerHandle callAt(long whenNanos, Runnable callback);

  /**
   * Like {@link #callAt(long, Runnable)}, running the callback in {@code context}.
   *
   * @param whenNanos the deadline, comparable with {@link #time()}
   * @param callback what to run
   * @param context the context to run it in
   * @return a handle that can cancel it
   * @throws NullPointerException if {@code callback} or {@code context} is null
   * @throws IllegalStateException if the loop is closed
   */
  TimerHandle callAt(long whenNanos, Runnable callback, LoopContext context);

  /**
   * The loop's time. asyncio: {@code time()}.
   *
   * @return nanoseconds on the loop's monotonic clock
   */
  long time();

  /**
   * The clock {@link #time()} reads.
   *
   * @return the loop's clock
   */
  LoopClock clock();

  // ---------------------------------------------------------------- futures and tasks

  /**
   * A new pending future of this loop. asyncio: {@code create_future()}.
   *
   * @param <T> the result type
   * @return the future
   */
  <T> LoopFuture<T> createFuture();

  /**
   * Schedules {@code body} as a task, through the task factory if one is set. asyncio:
   * {@code create_task()}. Threads as {@link #callSoon(Runnable)}.
   *
   * @param body called once on the loop thread; the task completes as its stage does
   * @param <T> the result type
   * @return the task
   * @throws NullPointerException if {@code body} is null
   * @throws IllegalStateException as {@link #callSoon(Runnable)}
   */
  <T> LoopTask<T> createTask(Supplier<? extends CompletionStage<T>> body);

  /**
   * Sets the factory {@link #createTask(Supplier)} uses. asyncio: {@code set_task_factory()}.
   *
   * @param factory the factory, or null for the loop's own tasks
   */
  void setTaskFactory(@Nullable TaskFactory factory);

  /**
   * The task factory. asyncio: {@code get_task_factory()}.
   *
   * @return the factory, or null when the loop makes its own tasks
   */
  @Nullable TaskFactory getTaskFactory();

  // ---------------------------------------------------------------- executor

  /**
   * Runs {@code fn} on {@code executor} (or the default executor when null) and returns a future of
   * this loop for its result. Cancelling the future cancels (and interrupts) the call. May be called
   * from any thread. asyncio: {@code run_in_executor()}.
   *
   * @param executor where to run, or null for the default executor, made on first use
   * @param fn what to call
   * @param <T> the result type
   * @return a future completed with {@code fn}'s result or failure
   * @throws NullPointerException if {@code fn} is null
   * @throws IllegalStateException if the loop is closed, or the default executor was shut down
   * @throws RejectedExecutionException if {@code executor} rejects the call
   */
  <T> LoopFuture<T> runInExecutor(@Nullable Executor executor, Callable<T> fn);

  /**
   * Sets the default executor of {@link #runInExecutor(Executor, Callable)}. The loop never shuts
   * down an executor it did not make. asyncio: {@code set_default_executor()}.
   *
   * @param executor the executor
   * @throws NullPointerException if {@code executor} is null
   */
  void setDefaultExecutor(Executor executor);

  /**
   * Shuts down the default executor the loop made, if any, and completes when its threads have
   * finished. Later calls to {@code runInExecutor(null, …)} fail. asyncio:
   * {@code shutdown_default_executor()}.
   *
   * @return completes once the executor has terminated
   */
  LoopFuture<Void> shutdownDefaultExecutor();

  // ---------------------------------------------------------------- errors and debug

  /**
   * Sets the handler for exceptions the loop catches. asyncio: {@code set_exception_handler()}.
   *
   * @param handler the handler, or null for {@link #defaultExceptionHandler(ExceptionContext)}
   */
  void setExceptionHandler(@Nullable ExceptionHandler handler);

  /**
   * The exception handler. asyncio: {@code get_exception_handler()}.
   *
   * @return the handler, or null when the default is used
   */
  @Nullable ExceptionHandler getExceptionHandler();

  /**
   * Logs {@code context} at {@code ERROR} through {@link System.Logger} {@code dev.loop}. asyncio:
   * {@code default_exception_handler()}.
   *
   * @param context what failed
   * @throws NullPointerException if {@code context} is null
   */
  void defaultExceptionHandler(ExceptionContext context);

  /**
   * Passes {@code context} to the exception handler, or to the default one; never throws, whatever
   * the handler does. May be called from any thread. asyncio: {@code call_exception_handler()}.
   *
   * @param context what failed
   * @throws NullPointerException if {@code context} is null
   */
  void callExceptionHandler(ExceptionContext context);

  /**
   * Tells whether debug mode is on. asyncio: {@code get_debug()}.
   *
   * @return true in debug mode
   */
  boolean isDebug();

  /**
   * Turns debug mode on or off: in debug mode handles record where they were created, and callbacks
   * slower than {@link #slowCallbackDuration()} are logged. asyncio: {@code set_debug()}.
   *
   * @param enabled the new mode
   */
  void setDebug(boolean enabled);

  /**
   * The duration above which debug mode logs a callback as slow (100 ms unless set). asyncio:
   * {@code slow_callback_duration}.
   *
   * @return the threshold
   */
  Duration slowCallbackDuration();

  /**
   * Sets the slow-callback threshold.
   *
   * @param threshold the new threshold
   * @throws NullPointerException if {@code threshold} is null
   * @throws IllegalArgumentException if it is negative
   */
  void setSlowCallbackDuration(Duration threshold);
}
