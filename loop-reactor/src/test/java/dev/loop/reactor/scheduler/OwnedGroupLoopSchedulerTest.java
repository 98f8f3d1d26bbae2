package dev.loop.reactor.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import dev.loop.EventLoop;
import dev.loop.ExceptionContext;
import dev.loop.reactor.LoopScheduler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.scheduler.NonBlocking;

/** {@link LoopScheduler#newGroup(int, String)}: a group of two loops that the scheduler owns. */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class OwnedGroupLoopSchedulerTest extends AbstractLoopSchedulerTest {

  @Override
  protected LoopScheduler newScheduler() {
    return LoopScheduler.newGroup(2, "owned-test");
  }

  @Override
  protected boolean ownsLoops() {
    return true;
  }

  @Override
  protected boolean threadsAreNonBlockingMarked() {
    return true;
  }

  @Override
  protected int loopCount() {
    return 2;
  }

  @Test
  void loopThreadsAreNonBlockingDaemonsNamedAfterThePrefix() throws Exception {
    LoopScheduler s = scheduler();
    CompletableFuture<Thread> thread = new CompletableFuture<>();

    s.schedule(() -> thread.complete(Thread.currentThread()));

    assertThat(thread.get(10, TimeUnit.SECONDS))
        .isInstanceOf(NonBlocking.class)
        .matches(Thread::isDaemon, "daemon")
        .extracting(Thread::getName)
        .asString()
        .matches("owned-test-\\d+");
  }

  @Test
  void disposeShutsTheGroupDownWithoutBlockingTheCaller() {
    LoopScheduler s = scheduler();

    s.dispose();

    assertThat(s.isDisposed()).isTrue();
    s.disposeGracefully().block(Duration.ofSeconds(10));
    assertThat(s.loops()).allMatch(EventLoop::isClosed);
  }

  @Test
  void taskErrorAlsoReachesTheLoopsExceptionHandler() throws Exception {
    LoopScheduler s = scheduler();
    CompletableFuture<ExceptionContext> handled = new CompletableFuture<>();
    for (EventLoop loop : s.loops()) {
      loop.setExceptionHandler((l, context) -> handled.complete(context));
    }
    IllegalStateException boom = new IllegalStateException("boom");

    s.schedule(() -> {
      throw boom;
    });

    ExceptionContext context = handled.get(10, TimeUnit.SECONDS);
    assertThat(context.exception()).isSameAs(boom);
    assertThat(context.message()).contains("Reactor task").contains("owned-test-");
  }

  @Test
  void badArgumentsAreRefusedByName() {
    assertThatIllegalArgumentException().isThrownBy(() -> LoopScheduler.newGroup(0, "x")).withMessageContaining("nThreads");
    assertThatIllegalArgumentException().isThrownBy(() -> LoopScheduler.newGroup(1, "")).withMessageContaining("prefix");
    assertThatNullPointerException().isThrownBy(() -> LoopScheduler.newGroup(1, null)).withMessage("threadNamePrefix");
    assertThatNullPointerException().isThrownBy(() -> LoopScheduler.of((EventLoop) null)).withMessage("loop");
    assertThatNullPointerException()
        .isThrownBy(() -> LoopScheduler.of((dev.loop.EventLoopGroup) null))
        .withMessage("group");
  }
}
