package dev.loop.benchmarks;

import dev.loop.reactor.LoopScheduler;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Reactor's {@code publishOn} hop onto a scheduler: {@link LoopScheduler} over a Loop on its own
 * thread, against a fresh {@code Schedulers.newSingle} (Reactor's own single-thread scheduler, a
 * {@code ScheduledThreadPoolExecutor}) and {@code Schedulers.fromExecutor} over a Netty NIO event
 * loop, all in one run with one methodology. Scores are elements per microsecond (higher is
 * better); one operation is one element.
 *
 * <p>One invocation is {@code Flux.range(0, 1_000_000).publishOn(scheduler)} subscribed by a
 * subscriber that requests everything, counts nothing but its completion, and bumps a {@link
 * Bench.Signal} in {@code onComplete} (on the scheduler's thread); the benchmark thread, which is
 * not a loop thread (so it may wait), spins on that signal. {@code publishOn} with its default
 * prefetch (256) drains up to 256 elements per task and schedules a new task on its worker each
 * time its queue goes from empty to non-empty, so the score includes the worker's hand-off of those
 * tasks (the producer is the benchmark thread, the consumer the scheduler's thread) as well as
 * Reactor's queue and request accounting, which are the same for all three.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ReactorSchedulerBenchmark {

  static final int ELEMENTS = 1_000_000;

  /**
   * Bumps a {@link Bench.Signal} when the flux terminates; allocates nothing per element. An error
   * (there should be none) is kept for the benchmark thread to throw.
   */
  static final class CompletionSignal implements CoreSubscriber<Integer> {
    final Bench.Signal done = new Bench.Signal();
    volatile Throwable error;

    @Override
    public void onSubscribe(Subscription s) {
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(Integer value) {}

    @Override
    public void onError(Throwable t) {
      error = t;
      done.run();
    }

    @Override
    public void onComplete() {
      done.run();
    }
  }

  /** One invocation: the whole flux through {@code scheduler}, waited for by the caller. */
  static void publishOnRange(Scheduler scheduler, CompletionSignal subscriber) {
    long target = subscriber.done.get() + 1;
    Flux.range(0, ELEMENTS).publishOn(scheduler).subscribe(subscriber);
    subscriber.done.awaitAtLeast(target);
    Throwable error = subscriber.error;
    if (error != null) {
      throw new IllegalStateException("the benchmark flux failed", error);
    }
  }

  /** {@link LoopScheduler#of(dev.loop.EventLoop)} over a Loop running on a thread of its own. */
  @State(Scope.Benchmark)
  public static class LoopState {
    Bench.LoopThread lt;
    Scheduler scheduler;
    final CompletionSignal subscriber = new CompletionSignal();

    @Setup(Level.Trial)
    public void setUp() throws InterruptedException {
      lt = new Bench.LoopThread("loop-reactor-bench");
      scheduler = LoopScheduler.of(lt.loop);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
      scheduler.dispose();
      lt.close();
    }
  }

  /** A fresh {@code Schedulers.newSingle}: Reactor's single scheduler, not the shared one. */
  @State(Scope.Benchmark)
  public static class SingleState {
    Scheduler scheduler;
    final CompletionSignal subscriber = new CompletionSignal();

    @Setup(Level.Trial)
    public void setUp() {
      scheduler = Schedulers.newSingle("reactor-single-bench");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      scheduler.dispose();
    }
  }

  /** {@code Schedulers.fromExecutor} over one Netty NIO event loop. */
  @State(Scope.Benchmark)
  public static class NettyState {
    Bench.NettyThread nt;
    Scheduler scheduler;
    final CompletionSignal subscriber = new CompletionSignal();

    @Setup(Level.Trial)
    public void setUp() {
      nt = new Bench.NettyThread();
      scheduler = Schedulers.fromExecutor(nt.loop);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      scheduler.dispose();
      nt.close();
    }
  }

  @Benchmark
  @OperationsPerInvocation(ELEMENTS)
  public void publishOn_loopScheduler(LoopState s) {
    publishOnRange(s.scheduler, s.subscriber);
  }

  @Benchmark
  @OperationsPerInvocation(ELEMENTS)
  public void publishOn_reactorNewSingle(SingleState s) {
    publishOnRange(s.scheduler, s.subscriber);
  }

  @Benchmark
  @OperationsPerInvocation(ELEMENTS)
  public void publishOn_nettyFromExecutor(NettyState s) {
    publishOnRange(s.scheduler, s.subscriber);
  }
}
