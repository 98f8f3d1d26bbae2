package dev.loop.benchmarks;

import static dev.loop.benchmarks.Bench.BATCH;
import static dev.loop.benchmarks.Bench.NOOP;

import dev.loop.EventLoop;
import dev.loop.Loops;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
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
 * Timer churn: schedule a timer an hour out and cancel it, again and again, for the whole run, on
 * one loop, with a 64 MiB heap. Cancelled timers must not pile up in the heap (the loop purges them
 * when they are over half of a heap of over 100): if they did, tens of millions of dead timers would
 * end the run with an {@code OutOfMemoryError}. After each iteration the fork prints the live heap
 * after a full GC and the number of timers churned so far, so growth would show. Scores are
 * nanoseconds per timer (schedule + cancel + its share of the loop iteration); with {@code -prof gc}
 * the B/op is what one timer allocates, which must all be garbage.
 *
 * <p>One invocation is one loop iteration on the loop thread: a callback schedules and cancels
 * {@value Bench#BATCH} timers and stops the loop; the benchmark thread runs the loop itself ({@code
 * runForever()}). Netty does the same from inside its event loop, for comparison.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx64m")
public class TimerChurnBenchmark {

  @State(Scope.Benchmark)
  public static class LoopChurn {
    EventLoop loop;
    long churned;

    final Runnable batch = new Runnable() {
      @Override
      public void run() {
        EventLoop l = loop;
        for (int i = 0; i < BATCH; i++) {
          l.callLater(1, TimeUnit.HOURS, NOOP).cancel();
        }
        churned += BATCH;
        l.stop();
      }
    };

    @Setup(Level.Trial)
    public void setUp() {
      loop = Loops.newEventLoop();
    }

    @TearDown(Level.Iteration)
    public void report() {
      HeapReport.print("loop", churned);
      HeapReport.printTimerHeap(loop);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      loop.close();
    }
  }

  @State(Scope.Benchmark)
  public static class NettyChurn {
    Bench.NettyThread nt;
    io.netty.channel.EventLoop loop;
    long churned;
    final Bench.Signal done = new Bench.Signal();

    final Runnable batch = new Runnable() {
      @Override
      public void run() {
        io.netty.channel.EventLoop l = loop;
        for (int i = 0; i < BATCH; i++) {
          l.schedule(NOOP, 1, TimeUnit.HOURS).cancel(false);
        }
        churned += BATCH;
        l.execute(done);
      }
    };

    @Setup(Level.Trial)
    public void setUp() {
      nt = new Bench.NettyThread();
      loop = nt.loop;
    }

    @TearDown(Level.Iteration)
    public void report() {
      HeapReport.print("netty", churned);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      nt.close();
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void loopChurn(LoopChurn s) {
    s.loop.callSoon(s.batch);
    s.loop.runForever();
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void nettyChurn(NettyChurn s) {
    long target = s.done.get() + 1;
    s.loop.execute(s.batch);
    s.done.awaitAtLeast(target);
  }

  static final class HeapReport {
    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    private HeapReport() {}

    static void print(String who, long churned) {
      System.gc();
      long used = MEMORY.getHeapMemoryUsage().getUsed();
      long max = Runtime.getRuntime().maxMemory();
      System.out.printf("%n[churn] %s: %,d timers scheduled and cancelled so far; live heap after GC"
          + " %.1f MiB of %.0f MiB%n", who, churned, used / 1048576.0, max / 1048576.0);
    }

    /**
     * The size of Loop's timer heap (cancelled timers not yet dropped included), read through the
     * implementation's public {@code timerHeapSize()} if it has one; the loop is not running here.
     */
    static void printTimerHeap(EventLoop loop) {
      try {
        Object size = loop.getClass().getMethod("timerHeapSize").invoke(loop);
        System.out.printf("[churn] loop: timer heap holds %s entries%n", size);
      } catch (ReflectiveOperationException | RuntimeException e) {
        System.out.printf("[churn] loop: timer heap size not available (%s)%n", e);
      }
    }
  }
}
