package dev.loop.benchmarks;

import static dev.loop.benchmarks.Bench.NOOP;

import dev.loop.EventLoop;
import dev.loop.TimerHandle;
import java.util.SplittableRandom;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
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

/**
 * Timers: Loop {@code callLater}+{@code cancel} on the loop thread against Netty {@code
 * schedule}+{@code cancel} from inside its event loop and a {@code ScheduledThreadPoolExecutor} with
 * {@code setRemoveOnCancelPolicy(true)}. Scores are nanoseconds per timer (lower is better).
 *
 * <p>One invocation schedules {@value #TIMERS} timers with delays of 1..1000 ms (a pre-generated
 * array, fixed seed; far enough out that none fires during the invocation) and then cancels:
 *
 * <ul>
 *   <li>{@code cancelHalf_*}: every other one. What is left (the other half) is cancelled after the
 *       invocation, outside the measurement, and the loops are given an iteration to drop the
 *       cancelled timers (Loop cancels lazily and purges its heap in the next iteration), so every
 *       invocation starts from an empty timer queue.
 *   <li>{@code cancelAll_*}: all of them, and the measurement also includes the loop iteration
 *       that follows (so Loop's lazy purge of the heap is paid inside the score, not hidden in the
 *       clean-up); the executor's removal is eager, so it has nothing more to do.
 * </ul>
 *
 * <p>Loop and Netty run on their own threads; the benchmark thread hands each the whole invocation
 * as one task and waits for it (one cross-thread hand-off per {@value #TIMERS} timers). The
 * executor is called from the benchmark thread, which is how it is used.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TimerBenchmark {

  static final int TIMERS = 100_000;

  /** Delays in ms, 1..1000, fixed seed; shared by all three. */
  static final long[] DELAYS_MS = new long[TIMERS];

  static {
    SplittableRandom random = new SplittableRandom(20240601L);
    for (int i = 0; i < TIMERS; i++) {
      DELAYS_MS[i] = 1 + random.nextInt(1000);
    }
  }

  @State(Scope.Benchmark)
  public static class LoopTimers {
    Bench.LoopThread lt;
    EventLoop loop;
    final TimerHandle[] handles = new TimerHandle[TIMERS];
    final Bench.Signal done = new Bench.Signal();

    final Runnable scheduleCancelHalf = new Runnable() {
      @Override
      public void run() {
        schedule();
        for (int i = 0; i < TIMERS; i += 2) {
          handles[i].cancel();
        }
        done.run();
      }
    };

    final Runnable scheduleCancelAll = new Runnable() {
      @Override
      public void run() {
        schedule();
        for (int i = 0; i < TIMERS; i++) {
          handles[i].cancel();
        }
        loop.callSoon(done); // runs after the next iteration's timer processing (the purge)
      }
    };

    final Runnable cancelRest = new Runnable() {
      @Override
      public void run() {
        for (int i = 1; i < TIMERS; i += 2) {
          TimerHandle h = handles[i];
          if (h != null) {
            h.cancel();
          }
        }
        loop.callSoon(done);
      }
    };

    void schedule() {
      EventLoop l = loop;
      TimerHandle[] hs = handles;
      long[] delays = DELAYS_MS;
      for (int i = 0; i < TIMERS; i++) {
        hs[i] = l.callLater(delays[i], TimeUnit.MILLISECONDS, NOOP);
      }
    }

    void runOnLoop(Runnable r) {
      long target = done.get() + 1;
      loop.execute(r);
      done.awaitAtLeast(target);
    }

    @Setup(Level.Trial)
    public void setUp() throws InterruptedException {
      lt = new Bench.LoopThread("loop-timers");
      loop = lt.loop;
    }

    /** Cancels what is left and lets the loop run an iteration, so the heap is purged. */
    @TearDown(Level.Invocation)
    public void cleanUp() {
      runOnLoop(cancelRest);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
      lt.close();
    }
  }

  @State(Scope.Benchmark)
  public static class NettyTimers {
    Bench.NettyThread nt;
    io.netty.channel.EventLoop loop;
    final ScheduledFuture<?>[] handles = new ScheduledFuture<?>[TIMERS];
    final Bench.Signal done = new Bench.Signal();

    final Runnable scheduleCancelHalf = new Runnable() {
      @Override
      public void run() {
        schedule();
        for (int i = 0; i < TIMERS; i += 2) {
          handles[i].cancel(false);
        }
        done.run();
      }
    };

    final Runnable scheduleCancelAll = new Runnable() {
      @Override
      public void run() {
        schedule();
        for (int i = 0; i < TIMERS; i++) {
          handles[i].cancel(false);
        }
        loop.execute(done); // as for Loop: signal from the next round of the loop
      }
    };

    final Runnable cancelRest = new Runnable() {
      @Override
      public void run() {
        for (int i = 1; i < TIMERS; i += 2) {
          ScheduledFuture<?> h = handles[i];
          if (h != null) {
            h.cancel(false);
          }
        }
        loop.execute(done);
      }
    };

    void schedule() {
      io.netty.channel.EventLoop l = loop;
      ScheduledFuture<?>[] hs = handles;
      long[] delays = DELAYS_MS;
      for (int i = 0; i < TIMERS; i++) {
        hs[i] = l.schedule(NOOP, delays[i], TimeUnit.MILLISECONDS);
      }
    }

    void runOnLoop(Runnable r) {
      long target = done.get() + 1;
      loop.execute(r);
      done.awaitAtLeast(target);
    }

    @Setup(Level.Trial)
    public void setUp() {
      nt = new Bench.NettyThread();
      loop = nt.loop;
    }

    @TearDown(Level.Invocation)
    public void cleanUp() {
      runOnLoop(cancelRest);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      nt.close();
    }
  }

  @State(Scope.Benchmark)
  public static class ExecutorTimers {
    ScheduledThreadPoolExecutor executor;
    final ScheduledFuture<?>[] handles = new ScheduledFuture<?>[TIMERS];

    void schedule() {
      ScheduledThreadPoolExecutor ex = executor;
      ScheduledFuture<?>[] hs = handles;
      long[] delays = DELAYS_MS;
      for (int i = 0; i < TIMERS; i++) {
        hs[i] = ex.schedule(NOOP, delays[i], TimeUnit.MILLISECONDS);
      }
    }

    @Setup(Level.Trial)
    public void setUp() {
      executor = new ScheduledThreadPoolExecutor(1);
      executor.setRemoveOnCancelPolicy(true);
    }

    @TearDown(Level.Invocation)
    public void cleanUp() {
      for (int i = 1; i < TIMERS; i += 2) {
        ScheduledFuture<?> h = handles[i];
        if (h != null) {
          h.cancel(false);
        }
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
      executor.shutdownNow();
      executor.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  @Benchmark
  @OperationsPerInvocation(TIMERS)
  public void cancelHalf_loop(LoopTimers s) {
    s.runOnLoop(s.scheduleCancelHalf);
  }

  @Benchmark
  @OperationsPerInvocation(TIMERS)
  public void cancelHalf_netty(NettyTimers s) {
    s.runOnLoop(s.scheduleCancelHalf);
  }

  @Benchmark
  @OperationsPerInvocation(TIMERS)
  public void cancelHalf_executor(ExecutorTimers s) {
    s.schedule();
    ScheduledFuture<?>[] hs = s.handles;
    for (int i = 0; i < TIMERS; i += 2) {
      hs[i].cancel(false);
    }
  }

  @Benchmark
  @OperationsPerInvocation(TIMERS)
  public void cancelAll_loop(LoopTimers s) {
    s.runOnLoop(s.scheduleCancelAll);
  }

  @Benchmark
  @OperationsPerInvocation(TIMERS)
  public void cancelAll_netty(NettyTimers s) {
    s.runOnLoop(s.scheduleCancelAll);
  }

  @Benchmark
  @OperationsPerInvocation(TIMERS)
  public void cancelAll_executor(ExecutorTimers s) {
    s.schedule();
    ScheduledFuture<?>[] hs = s.handles;
    for (int i = 0; i < TIMERS; i++) {
      hs[i].cancel(false);
    }
  }
}
