package dev.loop.reactor.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loop.EventLoop;
import dev.loop.EventLoopGroup;
import dev.loop.ExceptionContext;
import dev.loop.reactor.LoopScheduler;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingOperationError;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * BlockHound with Loop's integration ({@code LoopBlockHoundIntegration}, found through {@code
 * ServiceLoader}): a blocking call on a loop thread is reported, the loop's own machinery is not.
 *
 * <p>BlockHound instruments the JVM for good, so this class runs in a Surefire execution of its own
 * ({@code blockhound-test} in the pom: one fork, not reused, with {@code
 * -XX:+AllowRedefinitionToAddDeleteMethods}).
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LoopBlockHoundTest {

  private final List<LoopScheduler> schedulers = new ArrayList<>();

  @BeforeAll
  static void installBlockHound() {
    BlockHound.install();
  }

  @AfterEach
  void dispose() {
    schedulers.forEach(LoopScheduler::dispose);
    Schedulers.resetOnHandleError();
  }

  /** Runs {@code blocking} on {@code scheduler} and returns what it threw, or null. */
  private static Throwable thrownOnLoop(Scheduler scheduler, Runnable blocking) throws Exception {
    CompletableFuture<Throwable> thrown = new CompletableFuture<>();
    scheduler.schedule(() -> {
      try {
        blocking.run();
        thrown.complete(null);
      } catch (Throwable t) {
        thrown.complete(t);
      }
    });
    return thrown.get(20, TimeUnit.SECONDS);
  }

  @Test
  void threadSleepInATaskOnALoopThreadIsReported() throws Exception {
    LoopScheduler scheduler = LoopScheduler.newGroup(1, "blockhound");
    schedulers.add(scheduler);

    Throwable thrown = thrownOnLoop(scheduler, () -> {
      try {
        Thread.sleep(1); // the blocking call under test
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });

    assertThat(thrown).isInstanceOf(BlockingOperationError.class).hasMessageContaining("sleep");
  }

  @Test
  void parkingOnALoopMadeElsewhereIsReportedOnceASchedulerKnowsIt() throws Exception {
    try (EventLoopGroup group = EventLoopGroup.create(1)) {
      LoopScheduler scheduler = LoopScheduler.of(group);
      schedulers.add(scheduler);

      Throwable thrown = thrownOnLoop(scheduler, () -> LockSupport.parkNanos(1));

      assertThat(thrown).isInstanceOf(BlockingOperationError.class);
    }
  }

  @Test
  void parkingOffTheLoopsIsNotReported() {
    LockSupport.parkNanos(1);
  }

  @Test
  void theLoopsOwnWaitingAndSpinningIsNotReported() throws Exception {
    LoopScheduler scheduler = LoopScheduler.newGroup(2, "blockhound-busy");
    schedulers.add(scheduler);
    Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
    for (EventLoop loop : scheduler.loops()) {
      loop.setExceptionHandler((l, context) -> errors.add(errorOf(context)));
    }
    Schedulers.onHandleError((thread, error) -> errors.add(error));
    Scheduler.Worker first = scheduler.createWorker();
    Scheduler.Worker second = scheduler.createWorker();
    int tasks = 20_000;
    CountDownLatch done = new CountDownLatch(tasks);

    // Other threads feed the loops (each iteration then spins briefly before it polls), the loops
    // feed each other (their inboxes see producers that are loop threads), timers come and go, and
    // the loops go idle in between.
    Thread producer = new Thread(() -> {
      for (int i = 0; i < tasks; i++) {
        Scheduler.Worker from = (i & 1) == 0 ? first : second;
        Scheduler.Worker to = (i & 1) == 0 ? second : first;
        from.schedule(() -> to.schedule(done::countDown));
        if (i % 1000 == 0) {
          from.schedule(() -> { }, 1, TimeUnit.MILLISECONDS);
        }
      }
    }, "blockhound-producer");
    producer.start();
    producer.join(TimeUnit.SECONDS.toMillis(30));

    assertThat(done.await(30, TimeUnit.SECONDS)).as("every task ran").isTrue();
    CountDownLatch stillRunning = new CountDownLatch(2);
    first.schedule(stillRunning::countDown, 5, TimeUnit.MILLISECONDS);
    second.schedule(stillRunning::countDown, 5, TimeUnit.MILLISECONDS);
    assertThat(stillRunning.await(20, TimeUnit.SECONDS)).as("both loops still run").isTrue();
    assertThat(errors).isEmpty();
  }

  @Test
  void aTaskErrorStillReachesTheLoopsHandlerAndTheHookAndTheLoopRunsOn() throws Exception {
    LoopScheduler scheduler = LoopScheduler.newGroup(1, "blockhound-error");
    schedulers.add(scheduler);
    CompletableFuture<Throwable> handled = new CompletableFuture<>();
    CompletableFuture<Throwable> hooked = new CompletableFuture<>();
    scheduler.loops().get(0).setExceptionHandler((l, context) -> handled.complete(context.exception()));
    Schedulers.onHandleError((thread, error) -> hooked.complete(error));
    IllegalStateException boom = new IllegalStateException("boom");

    scheduler.schedule(() -> {
      throw boom;
    });

    assertThat(handled.get(20, TimeUnit.SECONDS)).isSameAs(boom);
    assertThat(hooked.get(20, TimeUnit.SECONDS)).isSameAs(boom);
    assertThat(thrownOnLoop(scheduler, () -> { })).as("the loop runs the next task").isNull();
  }

  private static Throwable errorOf(ExceptionContext context) {
    return context.exception() != null ? context.exception() : new AssertionError(context.message());
  }
}
