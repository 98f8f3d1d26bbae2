package consumer;

import dev.loop.EventLoop;
import dev.loop.LoopFuture;
import dev.loop.Loops;
import dev.loop.test.TestLoop;
import java.time.Duration;

/** Uses the exported API from a named module; prints one line per check. */
public final class Main {
  public static void main(String[] args) {
    try (EventLoop loop = Loops.newEventLoop()) {
      LoopFuture<String> f = loop.createFuture();
      loop.callLater(Duration.ofMillis(10), () -> f.setResult("selector loop ok"));
      System.out.println(loop.runUntilComplete(f));
    }
    try (TestLoop loop = TestLoop.create()) {
      LoopFuture<String> f = loop.createFuture();
      loop.callLater(Duration.ofDays(1), () -> f.setResult("virtual-time loop ok"));
      System.out.println(loop.runUntilComplete(f));
    }
    if (!EventLoop.class.getModule().isExported("dev.loop.net")) {
      throw new AssertionError("dev.loop.net is not exported");
    }
    // The implementation package must not be readable from a named module.
    boolean exported = EventLoop.class.getModule().isExported("dev.loop.internal");
    if (exported) {
      throw new AssertionError("dev.loop.internal is exported");
    }
    System.out.println("dev.loop.internal not exported: ok");
  }
}
