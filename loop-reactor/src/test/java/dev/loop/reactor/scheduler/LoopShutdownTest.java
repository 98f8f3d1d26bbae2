package dev.loop.reactor.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loop.EventLoop;
import dev.loop.Loops;
import dev.loop.reactor.LoopScheduler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A loop's graceful shutdown disposes the schedulers made over it (the contract's shutdown list). */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LoopShutdownTest {

  @Test
  void loopShutdownDisposesItsSchedulerAndItsPendingDelayedTaskNeverRuns() throws Exception {
    EventLoop loop = Loops.newEventLoop();
    java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(1);
    loop.callSoon(running::countDown);
    CompletableFuture<Void> loopDone = CompletableFuture.runAsync(loop::runForever);
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
    LoopScheduler scheduler = LoopScheduler.of(loop);
    AtomicBoolean ran = new AtomicBoolean();
    scheduler.schedule(() -> ran.set(true), 1, TimeUnit.HOURS);

    loop.shutdown(Duration.ofSeconds(5)).toCompletableFuture().get(20, TimeUnit.SECONDS);
    loopDone.get(20, TimeUnit.SECONDS);

    assertThat(scheduler.isDisposed()).isTrue();
    assertThat(ran).isFalse();
    assertThatThrownBy(() -> scheduler.schedule(() -> {}))
        .isInstanceOf(RejectedExecutionException.class);
  }
}
