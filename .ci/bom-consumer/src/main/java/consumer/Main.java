package consumer;

import dev.loop.EventLoop;
import dev.loop.EventLoopGroup;
import dev.loop.LoopFuture;
import dev.loop.Loops;
import dev.loop.test.TestLoop;
import io.reactivex.rxjava3.core.Single;
import java.time.Duration;
import reactor.core.publisher.Mono;

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
    try (EventLoopGroup group = EventLoopGroup.create(1)) {
      dev.loop.reactor.LoopScheduler reactor = dev.loop.reactor.LoopScheduler.of(group);
      String thread = Mono.fromCallable(() -> Thread.currentThread().getName())
          .subscribeOn(reactor).block(Duration.ofSeconds(10));
      System.out.println("reactor scheduler ok on " + thread);
      reactor.dispose();
      dev.loop.rxjava.LoopScheduler rx = dev.loop.rxjava.LoopScheduler.of(group);
      String rxThread = Single.fromCallable(() -> Thread.currentThread().getName())
          .subscribeOn(rx).blockingGet();
      System.out.println("rxjava scheduler ok on " + rxThread);
    }
    check(EventLoop.class.getModule(), "dev.loop.net", true);
    check(EventLoop.class.getModule(), "dev.loop.process", true);
    // The implementation packages must not be readable from a named module.
    check(EventLoop.class.getModule(), "dev.loop.internal", false);
    check(dev.loop.reactor.LoopScheduler.class.getModule(), "dev.loop.reactor.internal", false);
    check(dev.loop.rxjava.LoopScheduler.class.getModule(), "dev.loop.rxjava.internal", false);
  }

  private static void check(Module module, String pkg, boolean exported) {
    if (module.isExported(pkg) != exported) {
      throw new AssertionError(pkg + (exported ? " is not exported" : " is exported") + " by " + module);
    }
    System.out.println(pkg + (exported ? " exported" : " not exported") + ": ok");
  }
}
