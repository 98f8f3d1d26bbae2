package dev.loop.samples;

import dev.loop.EventLoop;
import dev.loop.LoopFuture;
import dev.loop.Loops;
import java.time.Duration;
import java.util.stream.LongStream;

/** The README's quick start, compiled and tested so that it stays true. */
public final class QuickStart {

  private QuickStart() {}

  /**
   * Runs the quick start.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    try (EventLoop loop = Loops.newEventLoop()) {
      LoopFuture<String> answer = loop.createFuture();
      loop.callLater(Duration.ofMillis(100), () -> answer.setResult("ready"));   // a timer
      LoopFuture<Integer> length = answer.thenApply(String::length);             // runs on the loop
      LoopFuture<Long> sum = loop.runInExecutor(null,                            // off the loop
          () -> LongStream.rangeClosed(1, 1_000).sum());
      System.out.println(loop.runUntilComplete(length) + " " + loop.runUntilComplete(sum));
    }
    String result = Loops.run(loop -> loop.createTask(() -> loop.runInExecutor(null, () -> "hi")));
    System.out.println(result);
  }
}
