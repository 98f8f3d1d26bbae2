package dev.loop.benchmarks;

import dev.loop.rxjava.LoopScheduler;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.FlowableSubscriber;
import io.reactivex.rxjava3.core.Observable;
import io.reactivex.rxjava3.core.Observer;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.disposables.Disposable;
import io.reactivex.rxjava3.schedulers.Schedulers;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.reactivestreams.Subscription;

/**
 * RxJava's {@code observeOn} hand-off onto a single thread, with loop-rxjava's {@link
 * LoopScheduler} against RxJava's own schedulers, all in one run with one methodology. Scores are
 * items per microsecond (higher is better).
 *
 * <p>One invocation subscribes {@code Flowable.range(0, 1_000_000).observeOn(scheduler)} (or the
 * {@code Observable} equivalent, which has no backpressure) on the benchmark thread and waits on a
 * latch until the consumer, on the scheduler's thread, has counted every item and seen {@code
 * onComplete}; one operation is one item ({@code @OperationsPerInvocation(1_000_000)}). The
 * {@code scheduler} parameter picks the single thread the items are observed on:
 *
 * <ul>
 *   <li>{@code loop}: {@code LoopScheduler.of(loop)} over a Loop running {@code runForever()} on a
 *       thread of its own ({@link Bench.LoopThread}); an {@code observeOn} worker drains on the loop
 *       thread.
 *   <li>{@code rxSingle}: RxJava's {@code Schedulers.single()} (a one-thread
 *       {@code ScheduledThreadPoolExecutor}).
 *   <li>{@code nettyFrom}: {@code Schedulers.from(eventLoop)} over one Netty 4.2 NIO event loop
 *       ({@link Bench.NettyThread}): RxJava's {@code ExecutorScheduler}.
 * </ul>
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar RxSchedulerBenchmark} (after {@code mvn
 * -pl benchmarks -am package -Dmaven.test.skip=true}); {@code -p scheduler=loop} picks one.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class RxSchedulerBenchmark {

  /** Items per invocation. */
  static final int COUNT = 1_000_000;

  /** Which scheduler observes the items: {@code loop}, {@code rxSingle} or {@code nettyFrom}. */
  @Param({"loop", "rxSingle", "nettyFrom"})
  public String scheduler;

  private Scheduler target;
  private Bench.LoopThread loopThread;
  private Bench.NettyThread nettyThread;
  private Flowable<Integer> flowable;
  private Observable<Integer> observable;

  @Setup(Level.Trial)
  public void setUp() throws InterruptedException {
    switch (scheduler) {
      case "loop" -> {
        loopThread = new Bench.LoopThread("loop-rx-bench");
        target = LoopScheduler.of(loopThread.loop);
      }
      case "rxSingle" -> target = Schedulers.single();
      case "nettyFrom" -> {
        nettyThread = new Bench.NettyThread();
        target = Schedulers.from(nettyThread.loop);
      }
      default -> throw new IllegalArgumentException("unknown scheduler: " + scheduler);
    }
    flowable = Flowable.range(0, COUNT).observeOn(target);
    observable = Observable.range(0, COUNT).observeOn(target);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws InterruptedException {
    if (loopThread != null) {
      loopThread.close();
    }
    if (nettyThread != null) {
      nettyThread.close();
    }
    // Schedulers.single() is RxJava's shared scheduler: left running, as RxJava leaves it.
  }

  @Benchmark
  @OperationsPerInvocation(COUNT)
  public long flowableObserveOn() throws InterruptedException {
    Counter counter = new Counter();
    flowable.subscribe(counter);
    return counter.await();
  }

  @Benchmark
  @OperationsPerInvocation(COUNT)
  public long observableObserveOn() throws InterruptedException {
    Counter counter = new Counter();
    observable.subscribe(counter);
    return counter.await();
  }

  /**
   * Counts the items on the scheduler's thread and opens a latch at the end; checks that every item
   * came, so that a broken hand-off cannot pass for a fast one.
   */
  static final class Counter implements FlowableSubscriber<Integer>, Observer<Integer> {
    private final CountDownLatch done = new CountDownLatch(1);
    private long count; // written by the consumer thread, read after the latch
    private Throwable error;

    @Override
    public void onSubscribe(Subscription s) {
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onSubscribe(Disposable d) {
      // nothing to request
    }

    @Override
    public void onNext(Integer item) {
      count++;
    }

    @Override
    public void onError(Throwable t) {
      error = t;
      done.countDown();
    }

    @Override
    public void onComplete() {
      done.countDown();
    }

    long await() throws InterruptedException {
      if (!done.await(1, TimeUnit.MINUTES)) {
        throw new IllegalStateException("observeOn did not complete in a minute: " + count + " items");
      }
      if (error != null) {
        throw new IllegalStateException("observeOn failed", error);
      }
      if (count != COUNT) {
        throw new IllegalStateException("expected " + COUNT + " items, got " + count);
      }
      return count;
    }
  }
}
