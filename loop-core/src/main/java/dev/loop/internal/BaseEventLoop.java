package dev.loop.internal;

import dev.loop.EventLoop;
import dev.loop.ExceptionContext;
import dev.loop.ExceptionHandler;
import dev.loop.Handle;
import dev.loop.LoopClock;
import dev.loop.LoopContext;
import dev.loop.LoopFuture;
import dev.loop.LoopTask;
import dev.loop.TaskFactory;
import dev.loop.TimerHandle;
import dev.loop.Server;
import dev.loop.internal.net.Connector;
import dev.loop.internal.net.DatagramEndpoints;
import dev.loop.internal.net.Readers;
import dev.loop.internal.net.Resolver;
import dev.loop.internal.net.SendFile;
import dev.loop.internal.net.SocketOps;
import dev.loop.internal.net.StreamServer;
import dev.loop.internal.net.Tls;
import dev.loop.net.ConnectOptions;
import dev.loop.net.Connection;
import dev.loop.net.Datagram;
import dev.loop.net.DatagramEndpoint;
import dev.loop.net.DatagramOptions;
import dev.loop.net.DatagramProtocol;
import dev.loop.net.Protocol;
import dev.loop.internal.process.Pipes;
import dev.loop.internal.process.SignalHandlers;
import dev.loop.internal.process.Subprocesses;
import dev.loop.process.ProcessOptions;
import dev.loop.process.Subprocess;
import dev.loop.process.SubprocessProtocol;
import dev.loop.net.ServerOptions;
import dev.loop.net.TlsOptions;
import dev.loop.net.Transport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The event loop without its I/O poller: asyncio's {@code BaseEventLoop}.
 *
 * <p>{@link #runOnce()} is the only method that runs callbacks. A subclass supplies the blocking
 * point ({@link #poll(long)}), the way to interrupt it ({@link #wakeupPoller()}) and its release
 * ({@link #closePoller()}); the selector loop and the virtual-time test loop are the two.
 *
 * <p>Threads. The ready queue and the timer heap belong to the loop thread. Every other thread
 * reaches the loop through the {@link Inbox}, whose nodes are the handles themselves; the loop
 * drains it at the start of each iteration and again after polling. A producer wakes the poller
 * only when the loop announced it is about to block (the inbox's polling flag), so a busy loop costs its
 * producers no system call.
 */
public abstract class BaseEventLoop implements EventLoop {

  private static final System.Logger LOG = System.getLogger("dev.loop");

  /** asyncio's {@code _MIN_SCHEDULED_TIMER_HANDLES}: below this many timers a purge is not worth it. */
  static final int MIN_TIMERS_TO_PURGE = 100;

  /** asyncio's default {@code slow_callback_duration}: 0.1 s. */
  static final Duration DEFAULT_SLOW_CALLBACK = Duration.ofMillis(100);

  /** asyncio's default executor size, {@code min(32, cpus + 4)}: enough for blocking I/O calls. */
  static final int DEFAULT_EXECUTOR_THREADS =
      Math.min(32, Runtime.getRuntime().availableProcessors() + 4);

  /**
   * The default spin budget before blocking: longer than a request/response round trip on
   * loopback (about 30 µs here), so a busy connection's next request is caught without sleeping,
   * and short enough that a miss costs little next to the wake-up it was trying to save.
   */
  static final Duration DEFAULT_SPIN_BEFORE_BLOCKING = Duration.ofNanos(50_000);

  /**
   * While spinning, the selector is polled at most this often: a non-blocking select is a system
   * call of about a microsecond, and between two of them the inbox is checked many times over, so
   * work from other threads is seen within nanoseconds and I/O within a microsecond or two.
   */
  static final long SPIN_POLL_INTERVAL_NANOS = 1_000;

  /** Idle executor threads end after this long, so an idle loop holds no threads. */
  static final long EXECUTOR_KEEP_ALIVE_SECONDS = 60;

  private static final int IDLE = 0;
  private static final int RUNNING = 1;
  private static final int CLOSED = 2;

  private static final VarHandle STATE;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      STATE = lookup.findVarHandle(BaseEventLoop.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private static final AtomicInteger EXECUTOR_THREADS = new AtomicInteger();

  private final LoopClock clock;

  // ------------------------------------------------ lifecycle: IDLE -> RUNNING -> IDLE ... -> CLOSED
  private volatile int state = IDLE;
  private volatile @Nullable Thread owner;
  private volatile boolean stopping;

  // ------------------------------------------------ loop-thread state
  private final ReadyQueue ready = new ReadyQueue();
  private final TimerHeap timers = new TimerHeap();
  private final Inbox inbox = new Inbox();
  /** Whether the last drain found handles from other threads: then the loop spins before blocking. */
  /** Whether the loop's last idle spell ended within the spin budget: if so, it spins next time. */
  private boolean lastIdleShort = true;
  private int cancelledTimers;
  private Contexts.Frame frame = Contexts.frame();

  /** Timers cancelled by other threads while in the heap; folded into cancelledTimers each iteration. */
  private final AtomicInteger cancelledElsewhere = new AtomicInteger();


  // ------------------------------------------------ configuration
  private volatile boolean debug;
  private volatile long slowCallbackNanos = DEFAULT_SLOW_CALLBACK.toNanos();
  private volatile long spinNanos = DEFAULT_SPIN_BEFORE_BLOCKING.toNanos();
  private volatile @Nullable ExceptionHandler exceptionHandler;
  private volatile @Nullable TaskFactory taskFactory;

  // ------------------------------------------------ executor, tasks, shutdown
  private final Object executorLock = new Object();
  private @Nullable Executor userExecutor;
  private @Nullable OwnExecutor ownExecutor;
  private boolean executorShutdownCalled;

  private final Set<LoopTask<?>> tasks = ConcurrentHashMap.newKeySet();

  /** Servers, transports and endpoints open on this loop. Loop thread (or any while not running). */
  private final Set<IoResource> resources = new java.util.LinkedHashSet<>();
  private @Nullable DefaultLoopFuture<Void> resourcesClosed;
  private final List<Supplier<? extends CompletionStage<?>>> shutdownHooks = new ArrayList<>();
  private @Nullable CompletableFuture<Void> shutdownStage;
  private boolean shutdownFinishing;
  private volatile boolean closeWhenStopped;

  /**
   * A loop on {@code clock}.
   *
   * @param clock the loop's time source
   */
  protected BaseEventLoop(LoopClock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  // ------------------------------------------------------------------ poller hooks

  /**
   * Waits for I/O: at most {@code timeoutNanos}, not at all when 0, until woken when negative.
   * Called on the loop thread only.
   *
   * @param timeoutNanos the most to wait
   * @throws IOException if the poller fails
   */
  protected abstract void poll(long timeoutNanos) throws IOException;

  /**
   * Whether the loop may spin briefly before blocking in {@link #poll(long)}: true for a real
   * poller; a virtual-time loop, whose poll does not wait, has nothing to gain.
   *
   * @return true to spin
   */
  protected boolean spinsBeforeBlocking() {
    return true;
  }

  /**
   * Polls for I/O without blocking while the loop spins, and handles what is ready. Called on the
   * loop thread only, and only when {@link #spinsBeforeBlocking()} is true.
   *
   * @return true if anything was ready
   * @throws IOException if the poller fails
   */
  protected boolean pollNow() throws IOException {
    poll(0);
    return false;
  }

  /** Makes a {@link #poll(long)} in progress (or the next one) return at once. Any thread. */
  protected abstract void wakeupPoller();

  /**
   * Releases the poller. Called once, by {@link #close()}.
   *
   * @throws IOException if releasing fails
   */
  protected abstract void closePoller() throws IOException;

  // ------------------------------------------------------------------ running

  @Override
  public void runForever() {
    enterRunning();
    try {
      do {
        runOnce();
      } while (!stopping);
    } finally {
      leaveRunning();
    }
  }

  private void enterRunning() {
    checkOpen();
    if (state == RUNNING) {
      throw new IllegalStateException("This event loop is already running");
    }
    if (RunningLoops.get() != null) {
      throw new IllegalStateException("Cannot run the event loop while another loop is running");
    }
    if (!STATE.compareAndSet(this, IDLE, RUNNING)) {
      checkOpen();
      throw new IllegalStateException("This event loop is already running");
    }
    frame = Contexts.frame();
    owner = Thread.currentThread();
    RunningLoops.set(this);
  }

  private void leaveRunning() {
    stopping = false;
    owner = null;
    RunningLoops.set(null);
    if (!closeWhenStopped) {
      state = IDLE;
    } else {
      closeWhenStopped = false;
      // Straight from RUNNING to CLOSED: were the loop IDLE for a moment, a thread in shutdown()
      // could see it idle and start running it, and this close would then fail.
      closeFrom(RUNNING);
      CompletableFuture<Void> stage;
      synchronized (this) {
        stage = shutdownStage;
      }
      if (stage != null) {
        stage.complete(null);
      }
    }
  }

  /**
   * One iteration, as asyncio's {@code _run_once}: wait for I/O (not at all if callbacks are ready,
   * until the first timer otherwise), move due timers to the ready queue, then run exactly the
   * callbacks that are ready now. This is the only method that runs callbacks.
   */
  protected final void runOnce() {
    assert inEventLoop();
    boolean iterationEvent = LoopEvents.ITERATION.isEnabled();
    LoopEvents.Iteration event = iterationEvent ? new LoopEvents.Iteration() : null;
    if (event != null) {
      event.begin();
    }
    drainInbox();
    purgeIfMostlyCancelled(); // before the timeout computation pops cancelled timers one by one
    long timeout;
    if (!ready.isEmpty() || stopping) {
      timeout = 0;
    } else {
      TimerHandleImpl first = firstLiveTimer();
      timeout = first == null ? -1 : untilDeadline(first.when);
    }
    boolean polled = false;
    long idleSince = 0;
    if (timeout != 0) {
      idleSince = System.nanoTime();
      long budget = spinNanos;
      if (budget > 0 && lastIdleShort && spinsBeforeBlocking()) {
        // Work came back quickly last time: it probably will again, and catching it here spares
        // the waker a selector wake-up and the loop the scheduler's latency.
        int found = spin(idleSince, timeout < 0 ? budget : Math.min(budget, timeout));
        if (found != NOTHING) {
          timeout = 0;
          polled = found == IO;
          lastIdleShort = true;
        } else if (timeout > 0) {
          timeout = Math.max(0, timeout - (System.nanoTime() - idleSince)); // the spin used some
        }
      }
    }
    if (timeout != 0) {
      inbox.announcePolling();
      // Re-check after announcing: a producer that offered (or a thread that called stop()) before
      // it could see the flag did not wake us, so its handle, or the stop, must be seen here, or we
      // would sleep with work queued.
      if (!inbox.isEmpty() || stopping) {
        timeout = 0;
      }
    }
    if (!polled) {
      try {
        poll(timeout);
      } catch (Throwable t) {
        callExceptionHandler(ExceptionContext.of("Error while polling for I/O on " + this, t));
      } finally {
        if (timeout != 0) {
          inbox.clearPolling();
          lastIdleShort = System.nanoTime() - idleSince <= spinNanos;
        }
      }
    }
    if (Thread.currentThread().isInterrupted()) {
      // An interrupted thread cannot block in the poller any more (it would spin): interrupting
      // the loop thread stops the loop, and the interrupt status stays for the caller to see.
      stopping = true;
    }
    if (ready.renewAfterCollection()) { // before this iteration's adds: see ReadyQueue
      inbox.requestFreshChunk();
    }
    drainInbox();
    moveDueTimers();
    int ran = runReady();
    if (event != null) {
      event.callbacks = ran;
      event.timers = timers.size();
      event.commit();
    }
  }

  /** {@link #spin} found nothing to do. */
  private static final int NOTHING = 0;
  /** {@link #spin} found work queued by another thread (or a stop). */
  private static final int QUEUED = 1;
  /** {@link #spin} found I/O and has handled it. */
  private static final int IO = 2;

  /**
   * Polls the inbox and the poller without blocking until one has work or {@code budget}
   * nanoseconds from {@code start} have passed.
   */
  private int spin(long start, long budget) {
    long polledAt = start; // the inbox alone first: work from other threads is the quicker to come
    for (;;) {
      if (inbox.hasVisibleItem() || stopping) {
        return QUEUED;
      }
      long now = System.nanoTime();
      if (now - polledAt >= SPIN_POLL_INTERVAL_NANOS) {
        try {
          if (pollNow()) {
            return IO;
          }
        } catch (Throwable t) {
          callExceptionHandler(ExceptionContext.of("Error while polling for I/O on " + this, t));
          return NOTHING;
        }
        polledAt = now;
      }
      if (now - start >= budget) {
        return NOTHING;
      }
      Thread.onSpinWait();
    }
  }

  /** Nanoseconds from now until {@code when}: 0 if it has passed, saturated when very far away. */
  private long untilDeadline(long when) {
    long now = clock.nanoTime();
    if (when <= now) {
      return 0;
    }
    long wait = when - now;
    return wait < 0 ? Long.MAX_VALUE : wait; // the difference overflowed: as good as forever
  }

  /** Moves what other threads scheduled into the ready queue (callbacks) or the heap (timers). */
  private void drainInbox() {
    Object item = inbox.poll();
    if (item == null) {
      return;
    }
    for (; item != null; item = inbox.poll()) {
      if (item instanceof TimerHandleImpl timer) {
        if (timer.transition(TimerHandleImpl.INBOX, TimerHandleImpl.SCHEDULED)) {
          timers.push(timer);
        }
      } else {
        ready.add(item);
      }
    }
  }

  private @Nullable TimerHandleImpl firstLiveTimer() {
    TimerHandleImpl top;
    while ((top = timers.peek()) != null && top.state == HandleImpl.CANCELLED) {
      timers.pop();
      cancelledTimers--;
    }
    return top;
  }

  /**
   * Rebuilds the heap without its cancelled timers when they are more than half of a heap of over
   * {@link #MIN_TIMERS_TO_PURGE} (asyncio's check in {@code _run_once}). Called before each step
   * that drops cancelled timers from the top one by one, so that those drops never hide a heap
   * that is mostly cancelled.
   */
  private void purgeIfMostlyCancelled() {
    if (cancelledElsewhere.get() != 0) {
      cancelledTimers += cancelledElsewhere.getAndSet(0);
    }
    int size = timers.size();
    if (size > MIN_TIMERS_TO_PURGE && cancelledTimers * 2 > size) {
      purgeCancelledTimers(size);
    }
  }

  private void moveDueTimers() {
    purgeIfMostlyCancelled(); // cancels that arrived while polling are counted before any pop
    if (timers.isEmpty()) {
      cancelledTimers = 0;
      return;
    }
    long now = clock.nanoTime();
    TimerHandleImpl top;
    while ((top = timers.peek()) != null) {
      if (top.state == HandleImpl.CANCELLED) {
        timers.pop();
        cancelledTimers--;
        continue;
      }
      if (top.when > now) {
        break;
      }
      timers.pop();
      if (top.transition(TimerHandleImpl.SCHEDULED, TimerHandleImpl.READY)) {
        ready.add(top);
      } else {
        cancelledTimers--; // cancelled between the state check and the pop
      }
    }
  }

  private void purgeCancelledTimers(int before) {
    timers.purgeCancelled();
    cancelledTimers = 0;
    if (LoopEvents.TIMER_HEAP_PURGE.isEnabled()) {
      LoopEvents.TimerHeapPurge event = new LoopEvents.TimerHeapPurge();
      event.before = before;
      event.after = timers.size();
      event.commit();
    }
  }

  private int runReady() {
    int n = ready.size();
    if (n == 0) {
      return 0;
    }
    ready.countRun(n); // counted up front, so a callback reading it sees its own iteration included
    boolean timed = debug || LoopEvents.SLOW_CALLBACK.isEnabled();
    Contexts.Frame f = frame;
    LoopContextImpl savedContext = f.context;
    VarMap savedVars = f.vars;
    for (int i = 0; i < n; i++) {
      Object item = ready.poll();
      if (!(item instanceof HandleImpl handle)) {
        Runnable bare = (Runnable) item;
        if (timed) {
          long start = System.nanoTime();
          runBare(bare, f, savedContext, savedVars);
          long took = System.nanoTime() - start;
          if (took >= slowCallbackNanos) {
            reportSlow(bare, took);
          }
        } else {
          runBare(bare, f, savedContext, savedVars);
        }
        continue;
      }
      if (handle.state == HandleImpl.CANCELLED) {
        continue;
      }
      if (timed) {
        long start = System.nanoTime();
        run(handle, f, savedContext, savedVars);
        long took = System.nanoTime() - start;
        if (took >= slowCallbackNanos) {
          reportSlow(handle, took);
        }
      } else {
        run(handle, f, savedContext, savedVars);
      }
    }
    return n;
  }

  /**
   * Runs a callback that came without a handle ({@code execute} from a thread whose context was
   * empty): in the empty context, with its exception reported like a handle's.
   */
  private void runBare(Runnable callback, Contexts.Frame f, @Nullable LoopContextImpl savedContext, VarMap savedVars) {
    Contexts.enter(f, VarMap.EMPTY);
    try {
      callback.run();
    } catch (Throwable t) {
      callExceptionHandler(ExceptionContext.of("Exception in callback " + HandleImpl.describe(callback), t));
    } finally {
      Contexts.exit(f, savedContext, savedVars);
    }
  }

  private void run(HandleImpl handle, Contexts.Frame f, @Nullable LoopContextImpl savedContext, VarMap savedVars) {
    try {
      Contexts.enter(f, handle.context);
    } catch (IllegalStateException alreadyEntered) {
      callExceptionHandler(
          ExceptionContext.of("Cannot run " + handle, alreadyEntered).withHandle(handle));
      return;
    }
    if (!(handle instanceof HandleImpl.Reusable)) {
      handle.markRan();
    }
    try {
      handle.callback.run();
    } catch (Throwable t) {
      callExceptionHandler(ExceptionContext.of("Exception in callback " + handle, t).withHandle(handle));
    } finally {
      LoopContextImpl made = f.context;
      if (made != null && made != savedContext && handle.context instanceof VarMap) {
        // The callback asked for its context object (or set a variable): that object is now the
        // handle's context, so Handle.context() shows what the callback set, as in asyncio.
        handle.context = made;
      }
      Contexts.exit(f, savedContext, savedVars);
    }
  }

  /** {@code what}: a handle, or a bare callback from {@code execute}. */
  private void reportSlow(Object what, long tookNanos) {
    String described = what instanceof HandleImpl ? what.toString() : HandleImpl.describe(what);
    if (debug) {
      LOG.log(System.Logger.Level.WARNING, "Executing {0} took {1} seconds",
          described, String.format("%.3f", tookNanos / 1e9));
    }
    if (LoopEvents.SLOW_CALLBACK.isEnabled()) {
      LoopEvents.SlowCallback event = new LoopEvents.SlowCallback();
      event.durationNanos = tookNanos;
      event.callback = described;
      event.commit();
    }
  }

  @Override
  public <T> @Nullable T runUntilComplete(CompletionStage<T> future) {
    Objects.requireNonNull(future, "future");
    checkOpen();
    if (future instanceof LoopFuture<?> loopFuture && loopFuture.getLoop() != this) {
      throw new IllegalArgumentException(
          "The future belongs to a different loop than the one specified as the loop argument");
    }
    Outcome<T> outcome = new Outcome<>();
    future.whenComplete(outcome);
    try {
      runForever();
    } finally {
      outcome.active = false;
    }
    if (outcome.done) {
      return outcome.get();
    }
    // The future may be done although the stage that records it has not run yet (the loop was
    // stopped in the same iteration): asyncio looks at the future itself.
    if (future instanceof java.util.concurrent.Future<?> f && f.isDone()) {
      @SuppressWarnings("unchecked")
      java.util.concurrent.Future<T> done = (java.util.concurrent.Future<T>) f;
      return resultOf(done);
    }
    throw new IllegalStateException("Event loop stopped before Future completed.");
  }

  private static <T> @Nullable T resultOf(java.util.concurrent.Future<T> done) {
    if (done instanceof LoopFuture<T> loopFuture) {
      return loopFuture.result();
    }
    try {
      return done.get();
    } catch (ExecutionException e) {
      throw rethrowable(e.getCause() != null ? e.getCause() : e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CancellationException("interrupted while reading a completed future");
    }
  }

  /** Records a stage's outcome and stops the loop, unless {@code runUntilComplete} already ended. */
  private final class Outcome<T> implements BiConsumer<T, Throwable> {
    volatile boolean active = true;
    volatile boolean done;
    private @Nullable T value;
    private @Nullable Throwable failure;

    @Override
    public void accept(@Nullable T v, @Nullable Throwable e) {
      value = v;
      failure = e;
      done = true;
      if (active) {
        stop();
      }
    }

    @Nullable T get() {
      Throwable e = failure;
      if (e == null) {
        return value;
      }
      throw rethrowable(e);
    }
  }

  /**
   * How a stage's failure surfaces to a caller: unchecked exceptions and errors as they are, the
   * cause of a {@link CompletionException}, and checked exceptions wrapped in one.
   *
   * @param failure the failure
   * @return the exception to throw (an error is thrown directly)
   */
  static RuntimeException rethrowable(Throwable failure) {
    Throwable e = failure;
    if (e instanceof CompletionException && e.getCause() != null) {
      e = e.getCause();
    }
    if (e instanceof RuntimeException re) {
      return re;
    }
    if (e instanceof Error error) {
      throw error;
    }
    return new CompletionException(e);
  }

  @Override
  public void stop() {
    stopping = true;
    if (!inEventLoop()) {
      wakeup();
    }
  }

  @Override
  public boolean isRunning() {
    return state == RUNNING;
  }

  @Override
  public boolean isClosed() {
    return state == CLOSED;
  }

  @Override
  public boolean inEventLoop() {
    return owner == Thread.currentThread();
  }

  @Override
  public void close() {
    if (!closeFrom(IDLE) && state == RUNNING) {
      throw new IllegalStateException("Cannot close a running event loop");
    }
  }

  /** Closes the loop if it is in state {@code from}; false if it was not (or already closed). */
  private boolean closeFrom(int from) {
    if (!STATE.compareAndSet(this, from, CLOSED)) {
      return false;
    }
    if (debug) {
      LOG.log(System.Logger.Level.DEBUG, "Close {0}", this);
    }
    ready.clear();
    while (inbox.poll() != null) {
      // dropped: the loop will never run again
    }
    timers.cancelAll();
    cancelledTimers = 0;
    for (IoResource resource : new ArrayList<>(resources)) {
      try {
        resource.closeNow(); // nothing opened by the loop outlives it
      } catch (Throwable t) {
        LOG.log(System.Logger.Level.WARNING, "Error closing " + resource, t);
      }
    }
    resources.clear();
    SignalHandlers.removeAll(this); // as asyncio's close(): the JVM's previous handlers come back
    OwnExecutor executor;
    synchronized (executorLock) {
      executorShutdownCalled = true;
      executor = ownExecutor;
    }
    if (executor != null) {
      executor.shutdown();
    }
    try {
      closePoller();
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "Error closing the poller of " + this, e);
    }
    return true;
  }

  private void checkOpen() {
    if (state == CLOSED) {
      throw new IllegalStateException("Event loop is closed");
    }
  }

  // ------------------------------------------------------------------ callbacks

  @Override
  public Handle callSoon(Runnable callback) {
    Objects.requireNonNull(callback, "callback");
    return schedule(callback, null, false);
  }

  @Override
  public Handle callSoon(Runnable callback, LoopContext context) {
    Objects.requireNonNull(callback, "callback");
    Objects.requireNonNull(context, "context");
    return schedule(callback, context, false);
  }

  @Override
  public Handle callSoonThreadsafe(Runnable callback) {
    Objects.requireNonNull(callback, "callback");
    return schedule(callback, null, true);
  }

  @Override
  public Handle callSoonThreadsafe(Runnable callback, LoopContext context) {
    Objects.requireNonNull(callback, "callback");
    Objects.requireNonNull(context, "context");
    return schedule(callback, context, true);
  }

  @Override
  public void execute(Runnable command) {
    Objects.requireNonNull(command, "command");
    if (state == CLOSED) {
      throw new RejectedExecutionException("Event loop is closed");
    }
    if (debug) {
      schedule(command, null, true); // a handle, to record where it was made
    } else if (Thread.currentThread() == owner) {
      // Nothing to cancel, so no handle is needed unless there is a context to carry.
      ready.add(frame.vars == VarMap.EMPTY ? command : new HandleImpl(command, frame.vars));
    } else {
      Object captured = Contexts.capture();
      inbox.offer(captured == VarMap.EMPTY ? command : new HandleImpl(command, captured));
      wakeup();
    }
  }

  /**
   * Schedules {@code callback} in an already captured context: a done callback or a dependent
   * stage of a future, which capture the context when they are added, not when they become ready.
   *
   * @param callback what to run
   * @param capturedContext from {@link Contexts#capture()}
   * @throws RejectedExecutionException if the loop is closed
   */
  void dispatch(Runnable callback, Object capturedContext) {
    if (Thread.currentThread() == owner) {
      ready.add(HandleImpl.of(callback, capturedContext, debug ? site() : null));
      return;
    }
    if (state == CLOSED) {
      throw new RejectedExecutionException("Event loop is closed");
    }
    inbox.offer(HandleImpl.of(callback, capturedContext, debug ? site() : null));
    wakeup();
  }

  private HandleImpl schedule(Runnable callback, @Nullable LoopContext context, boolean threadsafe) {
    if (Thread.currentThread() == owner) {
      HandleImpl handle = HandleImpl.of(
          callback, context == null ? frame.vars : Contexts.explicit(context), debug ? site() : null);
      ready.add(handle);
      return handle;
    }
    if (!threadsafe && state == RUNNING) {
      throw new IllegalStateException("callSoon() called from thread '" + Thread.currentThread().getName()
          + "' while the loop runs on thread '" + threadName()
          + "'; use callSoonThreadsafe() from other threads");
    }
    checkOpen();
    HandleImpl handle = HandleImpl.of(
        callback, context == null ? Contexts.capture() : Contexts.explicit(context), debug ? site() : null);
    inbox.offer(handle);
    wakeup();
    return handle;
  }

  private String threadName() {
    Thread t = owner;
    return t == null ? "none" : t.getName();
  }

  /** Wakes the poller if, and only if, the loop announced it is blocking. */
  private void wakeup() {
    if (inbox.claimWakeup()) {
      wakeupPoller();
    }
  }

  // ------------------------------------------------------------------ timers

  @Override
  public TimerHandle callLater(Duration delay, Runnable callback) {
    Objects.requireNonNull(delay, "delay");
    Objects.requireNonNull(callback, "callback");
    return scheduleAt(deadline(saturatedNanos(delay)), callback, null);
  }

  @Override
  public TimerHandle callLater(long delay, TimeUnit unit, Runnable callback) {
    Objects.requireNonNull(unit, "unit");
    Objects.requireNonNull(callback, "callback");
    return scheduleAt(deadline(unit.toNanos(delay)), callback, null);
  }

  @Override
  public TimerHandle callAt(long whenNanos, Runnable callback) {
    Objects.requireNonNull(callback, "callback");
    return scheduleAt(whenNanos, callback, null);
  }

  @Override
  public TimerHandle callAt(long whenNanos, Runnable callback, LoopContext context) {
    Objects.requireNonNull(callback, "callback");
    Objects.requireNonNull(context, "context");
    return scheduleAt(whenNanos, callback, context);
  }

  private long deadline(long delayNanos) {
    long now = clock.nanoTime();
    long when = now + delayNanos;
    if (((now ^ when) & (delayNanos ^ when)) < 0) { // overflow: saturate
      return delayNanos > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
    }
    return when;
  }

  static long saturatedNanos(Duration duration) {
    try {
      return duration.toNanos();
    } catch (ArithmeticException tooLong) {
      return duration.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  private TimerHandleImpl scheduleAt(long when, Runnable callback, @Nullable LoopContext context) {
    if (Thread.currentThread() == owner) {
      TimerHandleImpl timer = new TimerHandleImpl(this, when, callback,
          context == null ? frame.vars : Contexts.explicit(context), debug ? site() : null);
      HandleImpl.STATE.set(timer, TimerHandleImpl.SCHEDULED); // plain: not yet published
      timer.sequence = timers.nextSequence();
      timers.push(timer);
      return timer;
    }
    checkOpen();
    TimerHandleImpl timer = new TimerHandleImpl(this, when, callback,
        context == null ? Contexts.capture() : Contexts.explicit(context), debug ? site() : null);
    HandleImpl.STATE.set(timer, TimerHandleImpl.INBOX); // plain: the inbox's exchange publishes it
    timer.sequence = timers.nextSequence();
    inbox.offer(timer);
    wakeup();
    return timer;
  }

  /** A timer in the heap was cancelled: count it, so purges happen when half the heap is dead. */
  void timerCancelled() {
    if (Thread.currentThread() == owner) {
      cancelledTimers++;
    } else {
      cancelledElsewhere.incrementAndGet();
    }
  }

  /**
   * How many timers the heap holds now, cancelled ones not yet dropped included. Loop thread, or
   * any thread while the loop is not running.
   *
   * @return the heap's size
   */
  public int timerHeapSize() {
    return timers.size();
  }

  @Override
  public long time() {
    return clock.nanoTime();
  }

  @Override
  public LoopClock clock() {
    return clock;
  }

  // ------------------------------------------------------------------ futures and tasks

  @Override
  public <T> LoopFuture<T> createFuture() {
    return new DefaultLoopFuture<>(this);
  }

  @Override
  public <T> LoopTask<T> createTask(Supplier<? extends CompletionStage<T>> body) {
    Objects.requireNonNull(body, "body");
    TaskFactory factory = taskFactory;
    if (factory == null) {
      return DefaultLoopTask.start(this, body);
    }
    LoopTask<T> task = factory.createTask(this, body);
    return Objects.requireNonNull(task, "the task factory returned null");
  }

  @Override
  public void setTaskFactory(@Nullable TaskFactory factory) {
    this.taskFactory = factory;
  }

  @Override
  public @Nullable TaskFactory getTaskFactory() {
    return taskFactory;
  }

  void registerTask(LoopTask<?> task) {
    tasks.add(task);
  }

  void unregisterTask(LoopTask<?> task) {
    tasks.remove(task);
  }

  /**
   * The tasks not done yet.
   *
   * @return a snapshot
   */
  public Set<LoopTask<?>> pendingTasks() {
    Set<LoopTask<?>> pending = new java.util.HashSet<>();
    for (LoopTask<?> t : tasks) {
      if (!t.isDone()) {
        pending.add(t);
      }
    }
    return pending;
  }

  // ------------------------------------------------------------------ executor

  @Override
  public <T> LoopFuture<T> runInExecutor(@Nullable Executor executor, Callable<T> fn) {
    Objects.requireNonNull(fn, "fn");
    checkOpen();
    Executor target = executor != null ? executor : defaultExecutor();
    DefaultLoopFuture<T> future = new DefaultLoopFuture<>(this);
    FutureTask<T> call = new FutureTask<>(fn) {
      @Override
      protected void done() {
        if (isCancelled()) {
          future.cancel();
          return;
        }
        try {
          future.complete(get());
        } catch (ExecutionException e) {
          future.completeExceptionally(e.getCause());
        } catch (InterruptedException | CancellationException e) {
          future.cancel();
        }
      }
    };
    future.onCancel(() -> call.cancel(true));
    target.execute(call);
    return future;
  }

  private Executor defaultExecutor() {
    synchronized (executorLock) {
      if (executorShutdownCalled) {
        throw new IllegalStateException("Executor shutdown has been called");
      }
      if (userExecutor != null) {
        return userExecutor;
      }
      if (ownExecutor == null) {
        ownExecutor = new OwnExecutor();
      }
      return ownExecutor;
    }
  }

  @Override
  public void setDefaultExecutor(Executor executor) {
    Objects.requireNonNull(executor, "executor");
    OwnExecutor previous;
    synchronized (executorLock) {
      previous = ownExecutor;
      ownExecutor = null;
      userExecutor = executor;
    }
    if (previous != null) {
      previous.shutdown();
    }
  }

  @Override
  public LoopFuture<Void> shutdownDefaultExecutor() {
    DefaultLoopFuture<Void> done = new DefaultLoopFuture<>(this);
    OwnExecutor executor;
    synchronized (executorLock) {
      executorShutdownCalled = true;
      executor = ownExecutor;
    }
    if (executor == null) {
      done.complete(null);
    } else {
      executor.shutdown();
      executor.terminated.whenComplete((v, e) -> done.complete(null));
    }
    return done;
  }

  /** The executor the loop makes for itself: daemon threads that end when idle. */
  private static final class OwnExecutor extends ThreadPoolExecutor {
    final CompletableFuture<Void> terminated = new CompletableFuture<>();

    OwnExecutor() {
      super(DEFAULT_EXECUTOR_THREADS, DEFAULT_EXECUTOR_THREADS, EXECUTOR_KEEP_ALIVE_SECONDS,
          TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "loop-executor-" + EXECUTOR_THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
          });
      allowCoreThreadTimeOut(true);
    }

    @Override
    protected void terminated() {
      terminated.complete(null);
    }
  }

  // ------------------------------------------------------------------ shutdown

  @Override
  public void addShutdownHook(Supplier<? extends CompletionStage<?>> hook) {
    Objects.requireNonNull(hook, "hook");
    synchronized (shutdownHooks) {
      shutdownHooks.add(hook);
    }
  }

  @Override
  public boolean removeShutdownHook(Supplier<? extends CompletionStage<?>> hook) {
    Objects.requireNonNull(hook, "hook");
    synchronized (shutdownHooks) {
      for (int i = 0; i < shutdownHooks.size(); i++) {
        if (shutdownHooks.get(i) == hook) {
          shutdownHooks.remove(i);
          return true;
        }
      }
      return false;
    }
  }

  @Override
  public CompletionStage<Void> shutdown(Duration timeout) {
    return shutdown(Duration.ZERO, timeout);
  }

  @Override
  public CompletionStage<Void> shutdown(Duration quietPeriod, Duration timeout) {
    Objects.requireNonNull(quietPeriod, "quietPeriod");
    Objects.requireNonNull(timeout, "timeout");
    if (quietPeriod.isNegative()) {
      throw new IllegalArgumentException("quietPeriod must not be negative: " + quietPeriod);
    }
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative: " + timeout);
    }
    CompletableFuture<Void> stage;
    synchronized (this) {
      if (shutdownStage != null) {
        return shutdownStage;
      }
      stage = new CompletableFuture<>();
      shutdownStage = stage;
    }
    long quietNanos = saturatedNanos(quietPeriod);
    long timeoutNanos = saturatedNanos(timeout);
    try {
      schedule(() -> beginShutdown(quietNanos, timeoutNanos), null, true);
    } catch (IllegalStateException closed) {
      stage.complete(null);
      return stage;
    }
    if (state == IDLE) {
      // Nobody runs the loop: run it here through the shutdown, as asyncio.run's finally does.
      try {
        runForever();
      } catch (IllegalStateException e) {
        if (state == CLOSED) {
          stage.complete(null);
        } else if (state == IDLE) {
          stage.completeExceptionally(e);
        } // else another thread runs the loop now and will finish the shutdown
      }
    }
    return stage;
  }

  private void beginShutdown(long quietNanos, long timeoutNanos) {
    long deadline = deadline(timeoutNanos);
    for (LoopTask<?> task : tasks) {
      task.cancel();
    }
    timers.cancelAll();
    cancelledTimers = 0;
    cancelledElsewhere.set(0);
    List<CompletableFuture<?>> work = new ArrayList<>();
    List<Supplier<? extends CompletionStage<?>>> hooks;
    synchronized (shutdownHooks) {
      hooks = new ArrayList<>(shutdownHooks);
    }
    for (Supplier<? extends CompletionStage<?>> hook : hooks) {
      try {
        work.add(hook.get().toCompletableFuture());
      } catch (Throwable t) {
        callExceptionHandler(ExceptionContext.of("Shutdown hook failed on " + this, t));
      }
    }
    work.add(closeResources());
    work.add(shutdownDefaultExecutor().toCompletableFuture());
    TimerHandle timeoutTimer = callAt(deadline, () -> finishShutdown(0, deadline));
    CompletableFuture.allOf(work.toArray(CompletableFuture[]::new))
        .whenComplete((v, e) -> dispatch(() -> {
          timeoutTimer.cancel();
          finishShutdown(quietNanos, deadline);
        }, VarMap.EMPTY));
  }

  private void finishShutdown(long quietNanos, long deadline) {
    if (quietNanos > 0 && clock.nanoTime() < deadline) {
      awaitQuiet(quietNanos, deadline);
      return;
    }
    if (!shutdownFinishing) {
      shutdownFinishing = true;
      closeWhenStopped = true;
      stop();
    }
  }

  /** Re-arms until a whole quiet period passes in which nothing but this check ran. */
  private void awaitQuiet(long quietNanos, long deadline) {
    long mark = ready.runCount();
    long wait = Math.min(quietNanos, Math.max(0, deadline - clock.nanoTime()));
    callLater(wait, TimeUnit.NANOSECONDS, () -> {
      boolean quiet = ready.runCount() - mark <= 1;
      finishShutdown(quiet || clock.nanoTime() >= deadline ? 0 : quietNanos, deadline);
    });
  }

  // ------------------------------------------------------------------ I/O
  // Each method checks its arguments on the calling thread, then does the work on the loop thread
  // (at once when called there), completing the returned future there. The implementations live
  // in dev.loop.internal.net, one class per concern.

  /**
   * The selector of this loop's I/O, or null for a loop without I/O (the virtual-time loop).
   *
   * @return the selector, or null
   */
  protected @Nullable Selector ioSelector() {
    return null;
  }

  /**
   * The selector, for the I/O classes. Loop thread.
   *
   * @return the selector
   * @throws UnsupportedOperationException if this loop does no I/O
   */
  public Selector selector() {
    Selector selector = ioSelector();
    if (selector == null) {
      throw new UnsupportedOperationException(
          getClass().getSimpleName() + " does no I/O; use Loops.newEventLoop() for sockets");
    }
    return selector;
  }

  /**
   * Runs {@code work} on the loop thread, now if this is it, and returns its future; whatever
   * {@code work} throws fails the future.
   *
   * @param work starts the operation and completes the future, now or later
   * @param <T> the result type
   * @return the operation's future
   */
  public <T> LoopFuture<T> onLoop(Consumer<DefaultLoopFuture<T>> work) {
    selector();
    DefaultLoopFuture<T> future = new DefaultLoopFuture<>(this);
    Runnable start = () -> {
      try {
        work.accept(future);
      } catch (Throwable t) {
        future.completeExceptionally(t);
      }
    };
    if (inEventLoop()) {
      start.run();
    } else {
      schedule(start, null, true);
    }
    return future;
  }

  /**
   * Runs {@code action} on the loop thread, now if this is it.
   *
   * @param action what to run
   */
  public void runOnLoop(Runnable action) {
    if (inEventLoop()) {
      action.run();
    } else {
      schedule(action, null, true);
    }
  }

  /** asyncio's {@code max_size} of one socket read: 256 KiB. */
  public static final int READ_BUFFER_SIZE = 256 * 1024;

  private @Nullable ByteBuffer readBuffer;

  /**
   * The loop's read buffer, shared by every transport of the loop: a read is handed to the
   * protocol and consumed before the next one starts. Loop thread.
   *
   * @return a direct buffer of {@link #READ_BUFFER_SIZE} bytes
   */
  public ByteBuffer readBuffer() {
    ByteBuffer buffer = readBuffer;
    if (buffer == null) {
      buffer = ByteBuffer.allocateDirect(READ_BUFFER_SIZE);
      readBuffer = buffer;
    }
    return buffer;
  }

  /**
   * Puts a reusable handle (a reader's or writer's) in the ready queue. Loop thread.
   *
   * @param handle the handle
   */
  public void readyHandle(Handle handle) {
    ready.add((HandleImpl) handle);
  }

  /**
   * A handle for {@link #readyHandle(Handle)}: runs {@code callback} in the current context each
   * time it is made ready, until cancelled.
   *
   * @param callback what to run
   * @return the reusable handle
   */
  public Handle reusableHandle(Runnable callback) {
    return new HandleImpl.Reusable(callback, inEventLoop() ? frame.vars : Contexts.capture(),
        debug ? site() : null);
  }

  private static void port(int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be between 0 and 65535: " + port);
    }
  }

  /**
   * Something the loop opened that {@link #shutdown(Duration)} closes gracefully and {@link
   * #close()} closes at once: a server, a transport, a datagram endpoint.
   */
  public interface IoResource {

    /** Loop thread: start an orderly close (stop accepting, flush, then close); untrack when done. */
    void beginClose();

    /** Any thread, loop not running: close the channels now, without callbacks. */
    void closeNow();
  }

  /**
   * Tracks an open resource. Loop thread.
   *
   * @param resource the resource
   */
  public void track(IoResource resource) {
    resources.add(resource);
  }

  /**
   * Forgets a closed resource. Loop thread.
   *
   * @param resource the resource
   */
  public void untrack(IoResource resource) {
    if (resources.remove(resource) && resources.isEmpty() && resourcesClosed != null) {
      resourcesClosed.complete(null);
    }
  }

  /** The shutdown's I/O step: close every resource gracefully; completes when all are closed. */
  private CompletableFuture<Void> closeResources() {
    DefaultLoopFuture<Void> done = new DefaultLoopFuture<>(this);
    if (resources.isEmpty()) {
      done.complete(null);
      return done;
    }
    resourcesClosed = done;
    for (IoResource resource : new ArrayList<>(resources)) {
      try {
        resource.beginClose();
      } catch (Throwable t) {
        callExceptionHandler(ExceptionContext.of("Error closing " + resource + " on shutdown", t));
      }
    }
    return done;
  }

  @Override
  public void addReader(SelectableChannel channel, Runnable callback) {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(callback, "callback");
    checkOpen();
    Readers.checkNotOwned(this, channel);
    Handle handle = reusableHandle(callback);
    runOnLoop(() -> Readers.add(this, channel, handle, true));
  }

  @Override
  public boolean removeReader(SelectableChannel channel) {
    Objects.requireNonNull(channel, "channel");
    if (inEventLoop()) {
      return Readers.remove(this, channel, true);
    }
    runOnLoop(() -> Readers.remove(this, channel, true));
    return false;
  }

  @Override
  public void addWriter(SelectableChannel channel, Runnable callback) {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(callback, "callback");
    checkOpen();
    Readers.checkNotOwned(this, channel);
    Handle handle = reusableHandle(callback);
    runOnLoop(() -> Readers.add(this, channel, handle, false));
  }

  @Override
  public boolean removeWriter(SelectableChannel channel) {
    Objects.requireNonNull(channel, "channel");
    if (inEventLoop()) {
      return Readers.remove(this, channel, false);
    }
    runOnLoop(() -> Readers.remove(this, channel, false));
    return false;
  }

  @Override
  public LoopFuture<ByteBuffer> sockRecv(SocketChannel channel, int maxBytes) {
    Objects.requireNonNull(channel, "channel");
    if (maxBytes < 1) {
      throw new IllegalArgumentException("maxBytes must be at least 1: " + maxBytes);
    }
    return onLoop(f -> SocketOps.recv(this, channel, maxBytes, f));
  }

  @Override
  public LoopFuture<Integer> sockRecvInto(SocketChannel channel, ByteBuffer buffer) {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(buffer, "buffer");
    if (!buffer.hasRemaining()) {
      throw new IllegalArgumentException("buffer has no room: " + buffer);
    }
    return onLoop(f -> SocketOps.recvInto(this, channel, buffer, f));
  }

  @Override
  public LoopFuture<Void> sockSendall(SocketChannel channel, ByteBuffer data) {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(data, "data");
    return onLoop(f -> SocketOps.sendall(this, channel, data, f));
  }

  @Override
  public LoopFuture<Void> sockConnect(SocketChannel channel, SocketAddress address) {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(address, "address");
    return onLoop(f -> SocketOps.connect(this, channel, address, f));
  }

  @Override
  public LoopFuture<SocketChannel> sockAccept(ServerSocketChannel channel) {
    Objects.requireNonNull(channel, "channel");
    return onLoop(f -> SocketOps.accept(this, channel, f));
  }

  @Override
  public LoopFuture<Datagram> sockRecvfrom(DatagramChannel channel, int maxBytes) {
    Objects.requireNonNull(channel, "channel");
    if (maxBytes < 1) {
      throw new IllegalArgumentException("maxBytes must be at least 1: " + maxBytes);
    }
    return onLoop(f -> SocketOps.recvfrom(this, channel, maxBytes, f));
  }

  @Override
  public LoopFuture<Integer> sockSendto(DatagramChannel channel, ByteBuffer data, SocketAddress target) {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(target, "target");
    return onLoop(f -> SocketOps.sendto(this, channel, data, target, f));
  }

  @Override
  public LoopFuture<Long> sockSendfile(SocketChannel channel, FileChannel file, long offset, long count) {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(file, "file");
    SendFile.checkRange(offset, count);
    return onLoop(f -> SendFile.toSocket(this, channel, file, offset, count, f));
  }

  @Override
  public <P extends Protocol> LoopFuture<Connection<P>> createConnection(
      Supplier<P> protocolFactory, String host, int port) {
    return createConnection(protocolFactory, host, port, ConnectOptions.defaults());
  }

  @Override
  public <P extends Protocol> LoopFuture<Connection<P>> createConnection(
      Supplier<P> protocolFactory, String host, int port, ConnectOptions options) {
    Objects.requireNonNull(protocolFactory, "protocolFactory");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(options, "options");
    port(port);
    return onLoop(f -> Connector.connect(this, protocolFactory, host, port, options, f));
  }

  @Override
  public LoopFuture<Server> createServer(Supplier<? extends Protocol> protocolFactory, String host, int port) {
    return createServer(protocolFactory, host, port, ServerOptions.defaults());
  }

  @Override
  public LoopFuture<Server> createServer(
      Supplier<? extends Protocol> protocolFactory, String host, int port, ServerOptions options) {
    Objects.requireNonNull(protocolFactory, "protocolFactory");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(options, "options");
    port(port);
    return onLoop(f -> StreamServer.listenTcp(this, null, protocolFactory, host, port, options, f));
  }

  @Override
  public <P extends Protocol> LoopFuture<Connection<P>> createUnixConnection(Supplier<P> protocolFactory, Path path) {
    Objects.requireNonNull(protocolFactory, "protocolFactory");
    Objects.requireNonNull(path, "path");
    return onLoop(f -> Connector.connectUnix(this, protocolFactory, path, f));
  }

  @Override
  public LoopFuture<Server> createUnixServer(
      Supplier<? extends Protocol> protocolFactory, Path path, ServerOptions options) {
    Objects.requireNonNull(protocolFactory, "protocolFactory");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(options, "options");
    return onLoop(f -> StreamServer.listenUnix(this, protocolFactory, path, options, f));
  }

  @Override
  public <P extends Protocol> LoopFuture<Connection<P>> connectAcceptedSocket(
      Supplier<P> protocolFactory, SocketChannel channel, ServerOptions options) {
    Objects.requireNonNull(protocolFactory, "protocolFactory");
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(options, "options");
    return onLoop(f -> Connector.adopt(this, protocolFactory, channel, options.ssl(),
        options.sslHandshakeTimeout(), true, null, null, null, f));
  }

  @Override
  public <P extends DatagramProtocol> LoopFuture<DatagramEndpoint<P>> createDatagramEndpoint(
      Supplier<P> protocolFactory, DatagramOptions options) {
    Objects.requireNonNull(protocolFactory, "protocolFactory");
    Objects.requireNonNull(options, "options");
    return onLoop(f -> DatagramEndpoints.create(this, protocolFactory, options, f));
  }

  @Override
  public LoopFuture<Transport> startTls(
      Transport transport, Protocol protocol, SSLContext context, TlsOptions options) {
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(protocol, "protocol");
    Objects.requireNonNull(context, "context");
    Objects.requireNonNull(options, "options");
    return onLoop(f -> Tls.startTls(this, transport, protocol, context, options, f));
  }

  @Override
  public LoopFuture<Long> sendfile(Transport transport, FileChannel file, long offset, long count) {
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(file, "file");
    SendFile.checkRange(offset, count);
    return onLoop(f -> SendFile.toTransport(this, transport, file, offset, count, f));
  }

  @Override
  public LoopFuture<List<InetSocketAddress>> getaddrinfo(String host, int port) {
    Objects.requireNonNull(host, "host");
    port(port);
    return Resolver.resolve(this, host, port);
  }

  @Override
  public LoopFuture<String> getnameinfo(InetSocketAddress address) {
    Objects.requireNonNull(address, "address");
    return Resolver.nameOf(this, address);
  }

  // ------------------------------------------------------------------ pipes, subprocesses, signals

  @Override
  public <P extends Protocol> LoopFuture<Connection<P>> connectReadPipe(
      Supplier<P> protocolFactory, java.nio.channels.Pipe.SourceChannel pipe) {
    Objects.requireNonNull(protocolFactory, "protocolFactory");
    Objects.requireNonNull(pipe, "pipe");
    return onLoop(f -> Pipes.connectRead(this, protocolFactory, pipe, f));
  }

  @Override
  public <P extends Protocol> LoopFuture<Connection<P>> connectReadPipe(
      Supplier<P> protocolFactory, java.io.InputStream in) {
    Objects.requireNonNull(protocolFactory, "protocolFactory");
    Objects.requireNonNull(in, "in");
    return onLoop(f -> Pipes.connectRead(this, protocolFactory, in, f));
  }

  @Override
  public <P extends Protocol> LoopFuture<Connection<P>> connectWritePipe(
      Supplier<P> protocolFactory, java.nio.channels.Pipe.SinkChannel pipe) {
    Objects.requireNonNull(protocolFactory, "protocolFactory");
    Objects.requireNonNull(pipe, "pipe");
    return onLoop(f -> Pipes.connectWrite(this, protocolFactory, pipe, f));
  }

  @Override
  public <P extends Protocol> LoopFuture<Connection<P>> connectWritePipe(
      Supplier<P> protocolFactory, java.io.OutputStream out) {
    Objects.requireNonNull(protocolFactory, "protocolFactory");
    Objects.requireNonNull(out, "out");
    return onLoop(f -> Pipes.connectWrite(this, protocolFactory, out, f));
  }

  @Override
  public <P extends SubprocessProtocol> LoopFuture<Subprocess<P>> subprocessExec(
      Supplier<P> protocolFactory, List<String> argv) {
    return subprocessExec(protocolFactory, argv, ProcessOptions.defaults());
  }

  @Override
  public <P extends SubprocessProtocol> LoopFuture<Subprocess<P>> subprocessExec(
      Supplier<P> protocolFactory, List<String> argv, ProcessOptions options) {
    Objects.requireNonNull(protocolFactory, "protocolFactory");
    Objects.requireNonNull(options, "options");
    List<String> command = Subprocesses.checkArgv(argv);
    Subprocesses.checkOptions(options);
    return Subprocesses.start(this, protocolFactory, command, options);
  }

  @Override
  public <P extends SubprocessProtocol> LoopFuture<Subprocess<P>> subprocessShell(
      Supplier<P> protocolFactory, String command) {
    return subprocessShell(protocolFactory, command, ProcessOptions.defaults());
  }

  @Override
  public <P extends SubprocessProtocol> LoopFuture<Subprocess<P>> subprocessShell(
      Supplier<P> protocolFactory, String command, ProcessOptions options) {
    Objects.requireNonNull(protocolFactory, "protocolFactory");
    Objects.requireNonNull(command, "command");
    Objects.requireNonNull(options, "options");
    if (command.isEmpty()) {
      throw new IllegalArgumentException("command must not be empty");
    }
    Subprocesses.checkOptions(options);
    return Subprocesses.start(this, protocolFactory, List.of("/bin/sh", "-c", command), options);
  }

  @Override
  public void addSignalHandler(String name, Runnable callback) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(callback, "callback");
    checkOpen();
    SignalHandlers.add(this, name, callback);
  }

  @Override
  public boolean removeSignalHandler(String name) {
    Objects.requireNonNull(name, "name");
    return SignalHandlers.remove(this, name);
  }

  // ------------------------------------------------------------------ errors and debug

  @Override
  public void setExceptionHandler(@Nullable ExceptionHandler handler) {
    this.exceptionHandler = handler;
  }

  @Override
  public @Nullable ExceptionHandler getExceptionHandler() {
    return exceptionHandler;
  }

  @Override
  public void defaultExceptionHandler(ExceptionContext context) {
    Objects.requireNonNull(context, "context");
    StringBuilder message = new StringBuilder(context.message());
    if (context.handle() != null) {
      message.append("\nhandle: ").append(context.handle());
    }
    if (context.future() != null) {
      message.append("\nfuture: ").append(context.future());
    }
    if (context.transport() != null) {
      message.append("\ntransport: ").append(context.transport());
    }
    if (context.protocol() != null) {
      message.append("\nprotocol: ").append(context.protocol());
    }
    if (context.socket() != null) {
      message.append("\nsocket: ").append(context.socket());
    }
    LOG.log(System.Logger.Level.ERROR, message.toString(), context.exception());
  }

  @Override
  public void callExceptionHandler(ExceptionContext context) {
    Objects.requireNonNull(context, "context");
    ExceptionHandler handler = exceptionHandler;
    try {
      if (handler == null) {
        defaultExceptionHandler(context);
        return;
      }
      try {
        handler.handle(this, context);
      } catch (Throwable t) {
        defaultExceptionHandler(new ExceptionContext(
            "Unhandled error in exception handler while handling: " + context.message(), t,
            context.handle(), context.future(), context.transport(), context.protocol(),
            context.socket()));
      }
    } catch (Throwable last) {
      // Even logging failed: nothing may escape to the loop, so this is the last word.
      System.err.println("Exception in the exception handler of " + this + ": " + last);
    }
  }

  @Override
  public boolean isDebug() {
    return debug;
  }

  @Override
  public void setDebug(boolean enabled) {
    this.debug = enabled;
  }

  @Override
  public Duration slowCallbackDuration() {
    return Duration.ofNanos(slowCallbackNanos);
  }

  @Override
  public void setSlowCallbackDuration(Duration threshold) {
    this.slowCallbackNanos = nonNegativeNanos(threshold, "threshold", "slowCallbackDuration");
  }

  @Override
  public Duration spinBeforeBlocking() {
    return Duration.ofNanos(spinNanos);
  }

  @Override
  public void setSpinBeforeBlocking(Duration budget) {
    this.spinNanos = nonNegativeNanos(budget, "budget", "spinBeforeBlocking");
  }

  /** A setting's duration in nanoseconds (saturated), refused if null or negative. */
  private static long nonNegativeNanos(Duration value, String parameter, String setting) {
    Objects.requireNonNull(value, parameter);
    if (value.isNegative()) {
      throw new IllegalArgumentException(setting + " must not be negative: " + value);
    }
    return saturatedNanos(value);
  }

  private static final StackWalker WALKER = StackWalker.getInstance();

  /** Where user code scheduled something: the first frame outside the loop's own classes. */
  static String site() {
    return WALKER.walk(frames -> frames
        .filter(f -> !isLoopFrame(f.getClassName()))
        .findFirst()
        .map(f -> f.getClassName() + "." + f.getMethodName() + "(" + f.getFileName() + ":"
            + f.getLineNumber() + ")")
        .orElse("unknown"));
  }

  private static boolean isLoopFrame(String className) {
    return className.startsWith("dev.loop.internal.")
        || className.startsWith("dev.loop.test.internal.")
        || className.equals("dev.loop.LoopTask")
        || className.equals("dev.loop.Loops")
        || className.startsWith("java.util.concurrent.CompletableFuture");
  }

  @Override
  public String toString() {
    String s = state == RUNNING ? "running" : state == CLOSED ? "closed" : "idle";
    return getClass().getSimpleName() + "[" + s + (debug ? ", debug" : "") + "]";
  }
}
