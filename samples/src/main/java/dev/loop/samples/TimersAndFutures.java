package dev.loop.samples;

import dev.loop.ContextVar;
import dev.loop.EventLoop;
import dev.loop.LoopFuture;
import dev.loop.Loops;
import dev.loop.TimerHandle;
import java.math.BigInteger;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * The loop end to end: timers ticking, a computation off the loop with {@code runInExecutor}, a
 * future chain, a context variable that follows its callbacks, and a graceful exit.
 *
 * <p>Run with {@code mvn -q -pl samples -am install -DskipTests && mvn -q -pl samples exec:java}
 * (the README's first command). Everything printed comes from the loop thread unless it says so.
 */
public final class TimersAndFutures {

  private static final ContextVar<String> REQUEST = ContextVar.named("request", "-");

  private TimersAndFutures() {}

  /**
   * Runs the sample.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    long started = System.nanoTime();
    String summary = Loops.run(loop -> program(loop, started));
    System.out.println(summary);
  }

  private static CompletionStage<String> program(EventLoop loop, long started) {
    say(started, "loop running on thread '" + Thread.currentThread().getName() + "'");

    // 1. Timers: a tick every 100 ms, five times; ties and ordering are the loop's business.
    LoopFuture<Integer> ticks = loop.createFuture();
    tick(loop, started, 1, 5, ticks);

    // 2. A blocking computation off the loop thread; its result comes back to the loop.
    LoopFuture<BigInteger> factorial = loop.runInExecutor(null, () -> {
      say(started, "computing 2000! on '" + Thread.currentThread().getName() + "'");
      BigInteger f = BigInteger.ONE;
      for (int i = 2; i <= 2000; i++) {
        f = f.multiply(BigInteger.valueOf(i));
      }
      return f;
    });

    // 3. A context variable set before scheduling is seen by the callback, and stays there.
    REQUEST.set("req-42");
    loop.callLater(Duration.ofMillis(250), () ->
        say(started, "timer sees request=" + REQUEST.get() + " (set before it was scheduled)"));
    REQUEST.set("req-43");

    // 4. A timer that is cancelled never runs.
    TimerHandle never = loop.callLater(Duration.ofMillis(300), () -> say(started, "never printed"));
    never.cancel();

    // 5. A future chain: every stage runs on the loop thread.
    LoopFuture<String> chain = factorial
        .thenApply(f -> f.toString().length())
        .thenCombine(ticks, (digits, tickCount) -> {
          say(started, "2000! has " + digits + " digits; " + tickCount + " ticks done; cancelled timer: "
              + never.isCancelled());
          return digits;
        })
        .thenCompose(digits -> {
          LoopFuture<String> later = loop.createFuture();
          loop.callLater(Duration.ofMillis(50), () -> later.setResult("done: " + digits + " digits"));
          return later;
        });
    return chain.thenApply(result -> {
      say(started, result);
      return String.format("finished in %d ms of loop time, on a loop that is now closing",
          Duration.ofNanos(System.nanoTime() - started).toMillis());
    });
  }

  private static void tick(EventLoop loop, long started, int n, int last, LoopFuture<Integer> done) {
    loop.callLater(Duration.ofMillis(100), () -> {
      say(started, "tick " + n + " at loop time +" + Duration.ofNanos(loop.time() - started).toMillis() + " ms");
      if (n == last) {
        done.setResult(n);
      } else {
        tick(loop, started, n + 1, last, done);
      }
    });
  }

  private static void say(long started, String what) {
    long ms = Duration.ofNanos(System.nanoTime() - started).toMillis();
    System.out.printf("[%4d ms] %s%n", ms, what);
  }
}
