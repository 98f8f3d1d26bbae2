package dev.loop.samples.reactor;

import dev.loop.EventLoop;
import dev.loop.Loops;
import dev.loop.reactor.ReactorLoop;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;

/**
 * Loop timers as Reactor streams, on one loop thread, ending by itself in about half a second:
 *
 * <ul>
 *   <li>{@code ReactorLoop.interval} ticks five times, every 100 ms, at a fixed rate on the loop's
 *       clock; each tick reads the subscriber's Reactor context through {@code ReactorLoop.CONTEXT};
 *   <li>a ten-second {@code ReactorLoop.delay} loses a race against a 250 ms one used as its
 *       timeout, and its loop timer is cancelled on the spot;
 *   <li>{@code ReactorLoop.toFuture} turns the whole pipeline into a loop future that {@code
 *       runUntilComplete} runs.
 * </ul>
 *
 * <pre>{@code
 * java dev.loop.samples.reactor.ReactorTimers
 * }</pre>
 */
public final class ReactorTimers {

  private ReactorTimers() {}

  /**
   * Runs the sample on {@code loop}, printing each line to {@code out}.
   *
   * @param loop a loop that is not running
   * @param out receives the lines
   * @return the number of ticks seen
   */
  public static long run(EventLoop loop, Consumer<String> out) {
    long start = loop.time();
    Mono<Long> ticks = ReactorLoop.interval(loop, Duration.ofMillis(100))
        .take(5)
        .doOnNext(tick -> out.accept("tick " + (tick + 1) + " at " + sinceStart(loop, start) + " ms for "
            + ReactorLoop.CONTEXT.get().getOrDefault("job", "nobody")))
        .count()
        .contextWrite(Context.of("job", "nightly-report"));

    Mono<String> slow = ReactorLoop.delay(loop, Duration.ofSeconds(10))
        .map(zero -> "never printed: the slow answer")
        .timeout(ReactorLoop.delay(loop, Duration.ofMillis(250)))
        .onErrorResume(TimeoutException.class, e -> Mono.just(
            "gave up on the 10 s timer after " + sinceStart(loop, start) + " ms; it was cancelled"))
        .doOnNext(out);

    Long count = loop.runUntilComplete(ReactorLoop.toFuture(loop, ticks.zipWith(slow, (n, s) -> n)));
    out.accept("done: " + count + " ticks in " + sinceStart(loop, start) + " ms");
    return count == null ? 0 : count;
  }

  private static long sinceStart(EventLoop loop, long start) {
    return Duration.ofNanos(loop.time() - start).toMillis();
  }

  /**
   * Runs the sample on a new loop and prints to standard output.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    try (EventLoop loop = Loops.newEventLoop()) {
      run(loop, System.out::println);
    }
  }
}
