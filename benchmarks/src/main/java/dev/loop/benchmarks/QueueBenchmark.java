package dev.loop.benchmarks;

import static dev.loop.benchmarks.Bench.BATCH;
import static dev.loop.benchmarks.Bench.NOOP;

import dev.loop.EventLoop;
import dev.loop.Handle;
import dev.loop.Loops;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import org.jctools.queues.MpscUnboundedArrayQueue;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The ready queue: Loop against Netty's NIO event loop and, across threads, a bare JCTools MPSC
 * queue, all in one run with one methodology. Scores are callbacks per microsecond (higher is
 * better).
 *
 * <p><b>{@code loopThread_*}</b>: callbacks scheduled on the loop thread itself. One operation is
 * one callback; an invocation hands the loop a batch task (cross-thread, once per {@value
 * Bench#BATCH} callbacks) that schedules {@value Bench#BATCH} no-op callbacks from inside the loop
 * ({@code callSoon} / Netty {@code execute}) plus a last one that signals the benchmark thread,
 * which waits for it. {@code loopThread_loopCallSoonRunForever} does the same with the benchmark
 * thread itself running the loop ({@code callSoon(batch); runForever()}, the batch ends with a
 * {@code callSoon(stop)}). {@code loopThread_loopExecute} is {@code loopThread_loopCallSoon} with
 * {@code execute} in the batch: no handle, so nothing allocated.
 *
 * <p><b>{@code cross1_*}, {@code cross2_*}</b>: 1 or 2 producer threads (the JMH threads) hand
 * callbacks to one consumer thread (the loop's own thread; for JCTools a thread that polls the
 * queue and runs what it takes). Each operation enqueues one callback that bumps the producer's own
 * counter (written by the consumer only, with a release store); every {@value Bench#BATCH}
 * operations the producer waits until the consumer is at most {@value Bench#BATCH} behind it, so
 * the backlog stays bounded (at most 2×{@value Bench#BATCH} per producer) and the score is the
 * sustained rate, not the speed of filling memory. The callback object is reused, so what {@code
 * -prof gc} reports per operation is what the queue itself allocates (plus Loop's handle for
 * {@code callSoonThreadsafe}).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class QueueBenchmark {

  // ------------------------------------------------------------------ on the loop thread

  /** Loop on its own thread; the batch is handed over with {@code execute}. */
  @State(Scope.Benchmark)
  public static class LoopOnThread {
    Bench.LoopThread lt;
    EventLoop loop;
    final Bench.Signal done = new Bench.Signal();
    final Runnable batch = new Runnable() {
      @Override
      public void run() {
        for (int i = 0; i < BATCH; i++) {
          schedule(NOOP);
        }
        schedule(done);
      }
    };

    /** How the batch schedules from the loop thread: {@code callSoon}. */
    void schedule(Runnable callback) {
      loop.callSoon(callback);
    }

    @Setup(Level.Trial)
    public void setUp() throws InterruptedException {
      lt = new Bench.LoopThread("loop-bench");
      loop = lt.loop;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
      lt.close();
    }
  }

  /**
   * As {@link LoopOnThread}, but the batch uses {@code execute} from the loop thread: the same
   * operation as {@code callSoon} without the handle, so it allocates nothing.
   */
  @State(Scope.Benchmark)
  public static class LoopExecuteOnThread extends LoopOnThread {
    @Override
    void schedule(Runnable callback) {
      loop.execute(callback);
    }
  }

  /** Loop run by the benchmark thread itself. */
  @State(Scope.Benchmark)
  public static class LoopOnCaller {
    EventLoop loop;
    Runnable stop;
    final Runnable batch = new Runnable() {
      @Override
      public void run() {
        EventLoop l = loop;
        for (int i = 0; i < BATCH; i++) {
          l.callSoon(NOOP);
        }
        l.callSoon(stop);
      }
    };

    @Setup(Level.Trial)
    public void setUp() {
      loop = Loops.newEventLoop();
      EventLoop l = loop;
      stop = l::stop;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      loop.close();
    }
  }

  /** A Netty NIO event loop; the batch is handed over with {@code execute}. */
  @State(Scope.Benchmark)
  public static class NettyOnThread {
    Bench.NettyThread nt;
    io.netty.channel.EventLoop loop;
    final Bench.Signal done = new Bench.Signal();
    final Runnable batch = new Runnable() {
      @Override
      public void run() {
        io.netty.channel.EventLoop l = loop;
        for (int i = 0; i < BATCH; i++) {
          l.execute(NOOP);
        }
        l.execute(done);
      }
    };

    @Setup(Level.Trial)
    public void setUp() {
      nt = new Bench.NettyThread();
      loop = nt.loop;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      nt.close();
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void loopThread_loopCallSoon(LoopOnThread s) {
    long target = s.done.get() + 1;
    s.loop.execute(s.batch);
    s.done.awaitAtLeast(target);
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void loopThread_loopExecute(LoopExecuteOnThread s) {
    long target = s.done.get() + 1;
    s.loop.execute(s.batch);
    s.done.awaitAtLeast(target);
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void loopThread_loopCallSoonRunForever(LoopOnCaller s) {
    s.loop.callSoon(s.batch);
    s.loop.runForever();
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void loopThread_nettyExecute(NettyOnThread s) {
    long target = s.done.get() + 1;
    s.loop.execute(s.batch);
    s.done.awaitAtLeast(target);
  }

  /**
   * The hand-off alone: one callback to an idle loop and back (the benchmark thread waits for it to
   * run), i.e. the wake-up latency that the {@code loopThread_*} pair pays once per batch. Reported
   * in the same unit (ops/µs), so 0.05 means 20 µs per round trip.
   */
  @Benchmark
  public void handoff_loopExecute(LoopOnThread s) {
    long target = s.done.get() + 1;
    s.loop.execute(s.done);
    s.done.awaitAtLeast(target);
  }

  @Benchmark
  public void handoff_nettyExecute(NettyOnThread s) {
    long target = s.done.get() + 1;
    s.loop.execute(s.done);
    s.done.awaitAtLeast(target);
  }

  // ------------------------------------------------------------------ across threads

  /**
   * One producer thread: its callback (reused for every operation) and its bounded backlog. The
   * consumer runs the {@link Counter}, which counts what it has run on a cache line of its own.
   */
  @State(Scope.Thread)
  public static class Producer {
    final Counter task = new Counter();
    private long sent;

    /** After each enqueue: every BATCH operations, wait until the consumer is at most BATCH behind. */
    void sent() {
      long s = ++sent;
      if (s % BATCH == 0) {
        long min = s - BATCH;
        Counter t = task;
        int spins = 0;
        while (t.get() < min) {
          Bench.backOff(++spins);
        }
      }
    }
  }

  /** Padding before {@link CounterField#done}, so the consumer's writes share no line. */
  abstract static class CounterLhs {
    long p01, p02, p03, p04, p05, p06, p07, p08;
  }

  abstract static class CounterField extends CounterLhs {
    volatile long done;
  }

  /** The producer's callback: bumps {@code done}; run by the consumer thread only. */
  static final class Counter extends CounterField implements Runnable {
    private static final VarHandle DONE;

    static {
      try {
        DONE = MethodHandles.lookup().findVarHandle(CounterField.class, "done", long.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    long p11, p12, p13, p14, p15, p16, p17, p18;

    @Override
    public void run() {
      DONE.setRelease(this, (long) DONE.getOpaque(this) + 1);
    }

    long get() {
      return (long) DONE.getAcquire(this);
    }
  }

  /** Loop on its own thread, the consumer. */
  @State(Scope.Benchmark)
  public static class LoopConsumer {
    Bench.LoopThread lt;
    EventLoop loop;

    @Setup(Level.Trial)
    public void setUp() throws InterruptedException {
      lt = new Bench.LoopThread("loop-consumer");
      loop = lt.loop;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
      lt.close();
    }
  }

  /** A Netty NIO event loop, the consumer. */
  @State(Scope.Benchmark)
  public static class NettyConsumer {
    Bench.NettyThread nt;
    io.netty.channel.EventLoop loop;

    @Setup(Level.Trial)
    public void setUp() {
      nt = new Bench.NettyThread();
      loop = nt.loop;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      nt.close();
    }
  }

  /**
   * The limit: a bare JCTools {@code MpscUnboundedArrayQueue} (Netty's own task queue, chunk 1024)
   * and a thread that polls it and runs what it takes, spinning (then yielding) when it is empty
   * instead of blocking in a selector.
   */
  @State(Scope.Benchmark)
  public static class JctoolsConsumer {
    final MpscUnboundedArrayQueue<Runnable> queue = new MpscUnboundedArrayQueue<>(1024);
    volatile boolean running = true;
    Thread thread;

    @Setup(Level.Trial)
    public void setUp() {
      thread = new Thread(() -> {
        MpscUnboundedArrayQueue<Runnable> q = queue;
        int idle = 0;
        while (running) {
          Runnable r = q.relaxedPoll();
          if (r != null) {
            r.run();
            idle = 0;
          } else {
            Bench.backOff(++idle);
          }
        }
      }, "jctools-consumer");
      thread.setDaemon(true);
      thread.start();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
      running = false;
      thread.join(TimeUnit.SECONDS.toMillis(10));
    }
  }

  @Benchmark
  @Threads(1)
  public Handle cross1_loopCallSoonThreadsafe(LoopConsumer c, Producer p) {
    Handle h = c.loop.callSoonThreadsafe(p.task);
    p.sent();
    return h;
  }

  @Benchmark
  @Threads(1)
  public void cross1_loopExecute(LoopConsumer c, Producer p) {
    c.loop.execute(p.task);
    p.sent();
  }

  @Benchmark
  @Threads(1)
  public void cross1_nettyExecute(NettyConsumer c, Producer p) {
    c.loop.execute(p.task);
    p.sent();
  }

  /**
   * Netty's peer of {@code callSoonThreadsafe}: a cross-thread callback that returns something
   * to cancel it with ({@code submit}, a {@code Future}).
   */
  @Benchmark
  @Threads(1)
  public io.netty.util.concurrent.Future<?> cross1_nettySubmit(NettyConsumer c, Producer p) {
    io.netty.util.concurrent.Future<?> f = c.loop.submit(p.task);
    p.sent();
    return f;
  }

  @Benchmark
  @Threads(1)
  public void cross1_jctoolsOffer(JctoolsConsumer c, Producer p) {
    c.queue.offer(p.task);
    p.sent();
  }

  @Benchmark
  @Threads(2)
  public Handle cross2_loopCallSoonThreadsafe(LoopConsumer c, Producer p) {
    Handle h = c.loop.callSoonThreadsafe(p.task);
    p.sent();
    return h;
  }

  @Benchmark
  @Threads(2)
  public void cross2_loopExecute(LoopConsumer c, Producer p) {
    c.loop.execute(p.task);
    p.sent();
  }

  @Benchmark
  @Threads(2)
  public void cross2_nettyExecute(NettyConsumer c, Producer p) {
    c.loop.execute(p.task);
    p.sent();
  }

  /**
   * Netty's peer of {@code callSoonThreadsafe}: a cross-thread callback that returns something
   * to cancel it with ({@code submit}, a {@code Future}).
   */
  @Benchmark
  @Threads(2)
  public io.netty.util.concurrent.Future<?> cross2_nettySubmit(NettyConsumer c, Producer p) {
    io.netty.util.concurrent.Future<?> f = c.loop.submit(p.task);
    p.sent();
    return f;
  }

  @Benchmark
  @Threads(2)
  public void cross2_jctoolsOffer(JctoolsConsumer c, Producer p) {
    c.queue.offer(p.task);
    p.sent();
  }
}
