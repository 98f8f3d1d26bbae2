package dev.loop.reactor.internal;

import dev.loop.EventLoop;
import dev.loop.EventLoopGroup;
import dev.loop.reactor.LoopScheduler;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.Exceptions;
import reactor.core.Scannable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * {@link LoopScheduler} over one loop or a group of loops. The public interface documents the
 * behaviour; this comment, the mechanics.
 *
 * <p>Life cycle, one volatile {@code int} changed by CAS: {@link #ACTIVE} (accepts and runs tasks)
 * → {@link #GRACEFUL} (a subscribed {@code disposeGracefully}: rejects new tasks, runs the queued
 * ones) → {@link #TERMINATED} (rejects, and queued tasks skip); {@code dispose()} goes to {@code
 * TERMINATED} from either. Direct tasks handed to the loop are not tracked: they read the state
 * when they come up. Direct timed tasks are tracked in {@link #timers} and live workers in {@link
 * #workers}, so that disposal cancels their timers at once.
 */
public final class LoopSchedulerImpl implements LoopScheduler, TaskHost, Scannable {

  private static final int ACTIVE = 0;
  private static final int GRACEFUL = 1;
  private static final int TERMINATED = 2;
  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(LoopSchedulerImpl.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** The only loop, or null for a group. */
  private final @Nullable EventLoop single;
  /** The group whose {@code next()} picks loops, or null for a single loop. */
  private final @Nullable EventLoopGroup group;
  /** The group to shut down on disposal, if this scheduler made it. */
  private final @Nullable EventLoopGroup owned;
  private final List<EventLoop> loops;
  private final String name;
  private final DisposableSet<Disposable> timers = new DisposableSet<>();
  private final DisposableSet<LoopWorker> workers = new DisposableSet<>();
  /** Completes when the scheduler is terminated (and an owned group has terminated). */
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();
  @SuppressWarnings("unused") // through STATE
  private volatile int state;

  /**
   * Registered on every loop: a graceful {@code loop.shutdown(...)} disposes the scheduler (the
   * contract's "bridge schedulers dispose"), as the loop cancels its own timers and tasks. Removed
   * again when the scheduler is disposed. A scheduler already disposing gracefully (its own group
   * is shutting down because of it) is left to finish that.
   */
  private final java.util.function.Supplier<java.util.concurrent.CompletionStage<?>> disposeOnShutdown =
      () -> {
        if (state == ACTIVE) {
          dispose();
        }
        return CompletableFuture.completedFuture(null);
      };

  private LoopSchedulerImpl(
      @Nullable EventLoop single, @Nullable EventLoopGroup group, @Nullable EventLoopGroup owned, String name) {
    this.single = single;
    this.group = group;
    this.owned = owned;
    this.loops = single != null ? List.of(single) : Objects.requireNonNull(group).loops();
    this.name = name;
    KnownLoops.register(loops);
    // Last: the hook may run on a loop thread as soon as it is added (the add synchronises with it).
    for (EventLoop loop : loops) {
      loop.addShutdownHook(disposeOnShutdown);
    }
  }

  private void forgetShutdownHooks() {
    for (EventLoop loop : loops) {
      loop.removeShutdownHook(disposeOnShutdown);
    }
  }

  /**
   * A scheduler over {@code loop}, which it never closes.
   *
   * @param loop the loop
   * @return the scheduler
   * @throws IllegalArgumentException if the loop is closed
   */
  public static LoopSchedulerImpl over(EventLoop loop) {
    return over(loop, "loop");
  }

  static LoopSchedulerImpl over(EventLoop loop, String kind) {
    if (loop.isClosed()) {
      throw new IllegalArgumentException("the event loop is closed: " + loop);
    }
    return new LoopSchedulerImpl(loop, null, null, "LoopScheduler." + kind + "(" + loop + ")");
  }

  /**
   * A scheduler over {@code group}, which it never shuts down.
   *
   * @param group the group
   * @return the scheduler
   * @throws IllegalArgumentException if the group is shutting down
   */
  public static LoopSchedulerImpl over(EventLoopGroup group) {
    return over(group, "group");
  }

  static LoopSchedulerImpl over(EventLoopGroup group, String kind) {
    if (group.isShuttingDown()) {
      throw new IllegalArgumentException("the event loop group is shutting down: " + group);
    }
    return new LoopSchedulerImpl(
        null, group, null, "LoopScheduler." + kind + "(" + group.loops().size() + " loops)");
  }

  /**
   * A scheduler over a group it made, which it shuts down when disposed.
   *
   * @param group the new group
   * @param prefix the group's thread name prefix, for the scheduler's name
   * @return the scheduler
   */
  public static LoopSchedulerImpl owning(EventLoopGroup group, String prefix) {
    return new LoopSchedulerImpl(
        null, group, group, "LoopScheduler.newGroup(" + group.loops().size() + ", \"" + prefix + "\")");
  }

  /** The loop for the next task or worker. */
  private EventLoop pick() {
    EventLoop loop = single;
    return loop != null ? loop : Objects.requireNonNull(group).next();
  }

  @Override
  public List<EventLoop> loops() {
    return loops;
  }

  // ---------------------------------------------------------------- scheduling

  @Override
  public Disposable schedule(Runnable task) {
    Objects.requireNonNull(task, "task");
    checkAccepting();
    EventLoop loop = pick();
    OneShotTask t = new OneShotTask(Schedulers.onSchedule(task), this, loop, false);
    // Race: dispose() between the check and the hand-off: the task skips when it comes up.
    loop.execute(t); // RejectedExecutionException if the loop is closed
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
    EventLoop loop = pick();
    OneShotTask t = new OneShotTask(Schedulers.onSchedule(task), this, loop, true);
    if (!timers.add(t)) {
      t.dispose();
      throw rejected();
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
    EventLoop loop = pick();
    PeriodicTask t = periodic(Schedulers.onSchedule(task), this, loop, initialDelay, period, unit);
    if (!timers.add(t)) {
      t.dispose();
      throw rejected();
    }
    try {
      t.start();
    } catch (IllegalStateException loopClosed) {
      t.dispose();
      throw Exceptions.failWithRejected(loopClosed);
    }
    return t;
  }

  /** A periodic task whose first run is {@code initialDelay} from the loop's now. */
  static PeriodicTask periodic(
      Runnable task, TaskHost host, EventLoop loop, long initialDelay, long period, TimeUnit unit) {
    long now = loop.time();
    long first = initialDelay <= 0 ? now : saturatedAdd(now, unit.toNanos(initialDelay));
    long periodNanos = period <= 0 ? 0 : unit.toNanos(period);
    return new PeriodicTask(task, host, loop, first, periodNanos);
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    // Overflow iff both operands have the sign opposite to the sum's; b > 0 here.
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }

  @Override
  public long now(TimeUnit unit) {
    Objects.requireNonNull(unit, "unit");
    return unit.convert(loops.get(0).time(), TimeUnit.NANOSECONDS);
  }

  @Override
  public Worker createWorker() {
    LoopWorker worker = new LoopWorker(this, pick());
    if (!workers.add(worker)) {
      worker.dispose(); // the scheduler is terminated: hand out a disposed worker
    }
    return worker;
  }

  private void checkAccepting() {
    if (state != ACTIVE) {
      throw rejected();
    }
  }

  private RejectedExecutionException rejected() {
    return Exceptions.failWithRejected(this + " is disposed");
  }

  /** Whether new tasks are accepted, by this scheduler and its workers. */
  boolean acceptsTasks() {
    return state == ACTIVE;
  }

  @Override
  public boolean runsTasks() {
    return state != TERMINATED;
  }

  @Override
  public void timerDone(Disposable task) {
    timers.remove(task);
  }

  void workerDone(LoopWorker worker) {
    workers.remove(worker);
  }

  // ---------------------------------------------------------------- life cycle

  @Override
  public void init() {
    if (state != ACTIVE) {
      throw new IllegalStateException("Initializing a disposed scheduler is not permitted");
    }
  }

  @Override
  public boolean isDisposed() {
    return state != ACTIVE;
  }

  @Override
  public void dispose() {
    int s;
    do {
      s = state;
      if (s == TERMINATED) {
        return;
      }
    } while (!STATE.compareAndSet(this, s, TERMINATED));
    forgetShutdownHooks();
    timers.disposeAll();
    workers.disposeAll();
    EventLoopGroup g = owned;
    if (g == null) {
      terminated.complete(null);
    } else {
      // Asynchronous: never blocks, even when called on one of the group's own threads.
      g.shutdownGracefully().whenComplete((ignored, error) -> terminated.complete(null));
    }
  }

  @Override
  public Mono<Void> disposeGracefully() {
    return Mono.defer(() -> {
      startGracefulDisposal();
      // suppressCancel: a subscriber that gives up (a timeout) must not cancel the shared future.
      return Mono.fromFuture(terminated, true);
    });
  }

  private void startGracefulDisposal() {
    if (!STATE.compareAndSet(this, ACTIVE, GRACEFUL)) {
      return; // already disposing or disposed: the future tells when it is over
    }
    timers.disposeAll();
    workers.forEach(LoopWorker::cancelTimers);
    EventLoopGroup g = owned;
    if (g != null) {
      // The group's shutdown lets the callbacks already queued run, then closes the loops.
      g.shutdownGracefully().whenComplete((ignored, error) -> finishGracefulDisposal());
      return;
    }
    // A marker behind the tasks already queued on each loop: when every marker has run, so have
    // they. A task that passed the ACTIVE check just before the CAS above may be queued behind its
    // loop's marker; it finds the state TERMINATED when it comes up and skips, as after dispose().
    AtomicInteger pending = new AtomicInteger(loops.size());
    Runnable marker = () -> {
      if (pending.decrementAndGet() == 0) {
        finishGracefulDisposal();
      }
    };
    for (EventLoop loop : loops) {
      try {
        loop.execute(marker);
      } catch (RejectedExecutionException closed) {
        marker.run(); // a closed loop has nothing left to run
      }
    }
  }

  private void finishGracefulDisposal() {
    STATE.compareAndSet(this, GRACEFUL, TERMINATED);
    forgetShutdownHooks();
    workers.disposeAll();
    terminated.complete(null);
  }

  // ---------------------------------------------------------------- introspection

  @Override
  @SuppressWarnings("rawtypes") // Scannable declares the raw type
  public @Nullable Object scanUnsafe(Attr key) {
    if (key == Attr.NAME) {
      return name;
    }
    if (key == Attr.CAPACITY) {
      return loops.size();
    }
    if (key == Attr.TERMINATED) {
      return terminated.isDone();
    }
    if (key == Attr.CANCELLED) {
      return isDisposed();
    }
    return null;
  }

  @Override
  public String toString() {
    return name;
  }
}
