package dev.loop.samples.rxjava;

import dev.loop.EventLoop;
import dev.loop.Loops;
import dev.loop.rxjava.RxLoop;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Ticks on loop timers: {@code RxLoop.interval} every 100 ms, five of them, the whole stream
 * turned into a {@code LoopFuture} ({@code RxLoop.toFuture}) that the loop runs to completion;
 * then the program exits. The times printed are loop time since the subscription: the interval
 * runs at a fixed rate, so tick {@code n} is due at {@code (n + 1) * 100} ms and never fires
 * before.
 *
 * <pre>{@code
 * java dev.loop.samples.rxjava.RxInterval
 * tick 0 at 100 ms
 * ...
 * tick 4 at 500 ms
 * done after 5 ticks
 * }</pre>
 */
public final class RxInterval {

  private RxInterval() {}

  /**
   * Runs the ticks on {@code loop}, on the calling thread, and returns when they are done.
   *
   * @param loop a loop that is not running
   * @param out receives one line per tick and a last {@code done} line
   */
  public static void run(EventLoop loop, Consumer<String> out) {
    long[] start = new long[1];
    Long ticks = loop.runUntilComplete(RxLoop.toFuture(loop,
        RxLoop.interval(loop, Duration.ofMillis(100))
            .doOnSubscribe(subscription -> start[0] = loop.time())
            .take(5)
            .doOnNext(tick -> out.accept("tick " + tick + " at " + (loop.time() - start[0]) / 1_000_000 + " ms"))
            .count()));
    out.accept("done after " + ticks + " ticks");
  }

  /**
   * Prints the ticks and exits.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    try (EventLoop loop = Loops.newEventLoop()) {
      run(loop, System.out::println);
    }
  }
}
