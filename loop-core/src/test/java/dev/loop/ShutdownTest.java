package dev.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link EventLoop#shutdown(Duration)} and {@link EventLoop#shutdown(Duration, Duration)}. */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ShutdownTest {

  private static final Duration EXECUTOR_TIMEOUT = Duration.ofSeconds(20);

  private final List<EventLoop> loops = new ArrayList<>();
  private final List<LoopThread> loopThreads = new ArrayList<>();

  private EventLoop newLoop() {
    EventLoop loop = Loops.newEventLoop();
    loops.add(loop);
    return loop;
  }

  /** A loop running {@code runForever} on a plain thread of its own. */
  private static final class LoopThread {
    final Thread thread;
    final CompletableFuture<Void> runForeverReturned = new CompletableFuture<>();

    LoopThread(EventLoop loop) throws InterruptedException {
      CountDownLatch running = new CountDownLatch(1);
      loop.callSoon(running::countDown);
      thread =
          new Thread(
              () -> {
                try {
                  loop.runForever();
                  runForeverReturned.complete(null);
                } catch (Throwable e) {
                  runForeverReturned.completeExceptionally(e);
                }
              },
              "shutdown-test-loop");
      thread.start();
      assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  private LoopThread startOnItsOwnThread(EventLoop loop) throws InterruptedException {
    LoopThread lt = new LoopThread(loop);
    loopThreads.add(lt);
    return lt;
  }

  @AfterEach
  void cleanUp() throws InterruptedException {
    for (EventLoop loop : loops) {
      if (loop.isRunning()) {
        loop.stop();
      }
    }
    for (LoopThread lt : loopThreads) {
      lt.thread.join(10_000);
    }
    for (EventLoop loop : loops) {
      if (!loop.isRunning()) {
        loop.close();
      }
    }
  }

  private static void await(CompletionStage<Void> stage) throws Exception {
    stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  // ---------------------------------------------------------------- loop on another thread

  @Test
  void shutdownFromAnotherThreadClosesTheLoopAndRunForeverReturns() throws Exception {
    EventLoop loop = newLoop();
    LoopThread lt = startOnItsOwnThread(loop);

    CompletionStage<Void> stage = loop.shutdown(EXECUTOR_TIMEOUT);
    await(stage);

    lt.runForeverReturned.get(10, TimeUnit.SECONDS);
    lt.thread.join(10_000);
    assertThat(lt.thread.isAlive()).isFalse();
    assertThat(loop.isClosed()).isTrue();
    assertThat(loop.isRunning()).isFalse();
    assertThatThrownBy(() -> loop.callSoonThreadsafe(() -> {}))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void shutdownCancelsPendingTimersWhichNeverRun() throws Exception {
    EventLoop loop = newLoop();
    startOnItsOwnThread(loop);
    AtomicBoolean ran = new AtomicBoolean();
    TimerHandle inAnHour = loop.callLater(Duration.ofHours(1), () -> ran.set(true));
    TimerHandle atFarDeadline =
        loop.callAt(loop.time() + TimeUnit.HOURS.toNanos(2), () -> ran.set(true));

    await(loop.shutdown(EXECUTOR_TIMEOUT));

    assertThat(inAnHour.isCancelled()).isTrue();
    assertThat(atFarDeadline.isCancelled()).isTrue();
    assertThat(ran).isFalse();
    assertThat(loop.isClosed()).isTrue();
  }

  @Test
  void shutdownCancelsPendingTasks() throws Exception {
    EventLoop loop = newLoop();
    startOnItsOwnThread(loop);
    CompletableFuture<LoopTask<String>> taskRef = new CompletableFuture<>();
    CompletableFuture<LoopFuture<String>> awaited = new CompletableFuture<>();
    loop.callSoonThreadsafe(
        () ->
            taskRef.complete(
                loop.createTask(
                    () -> {
                      LoopFuture<String> never = loop.createFuture();
                      awaited.complete(never);
                      return never;
                    })));
    LoopTask<String> task = taskRef.get(10, TimeUnit.SECONDS);
    LoopFuture<String> never = awaited.get(10, TimeUnit.SECONDS);

    await(loop.shutdown(EXECUTOR_TIMEOUT));

    assertThat(task.isCancelled()).isTrue();
    assertThat(never.isCancelled()).isTrue();
    assertThat(Loops.allTasks(loop)).isEmpty();
  }

  @Test
  void shutdownCalledTwiceReturnsTheSameStage() throws Exception {
    EventLoop loop = newLoop();
    startOnItsOwnThread(loop);

    CompletionStage<Void> first = loop.shutdown(EXECUTOR_TIMEOUT);
    CompletionStage<Void> second = loop.shutdown(EXECUTOR_TIMEOUT);
    await(first);
    CompletionStage<Void> third = loop.shutdown(EXECUTOR_TIMEOUT);

    assertThat(second).isSameAs(first);
    assertThat(third).isSameAs(first);
    assertThat(loop.isClosed()).isTrue();
  }

  @Test
  void shutdownWaitsForTheDefaultExecutorToFinishItsWork() throws Exception {
    EventLoop loop = newLoop();
    startOnItsOwnThread(loop);
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean finished = new AtomicBoolean();
    loop.runInExecutor(
        null,
        () -> {
          started.countDown();
          release.await(20, TimeUnit.SECONDS);
          finished.set(true);
          return null;
        });
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

    CompletionStage<Void> stage = loop.shutdown(EXECUTOR_TIMEOUT);
    assertThat(stage.toCompletableFuture().isDone()).isFalse();
    release.countDown();
    await(stage);

    assertThat(finished).isTrue();
    assertThat(loop.isClosed()).isTrue();
  }

  @Test
  void shutdownStopsWaitingForTheDefaultExecutorWhenTheTimeoutPasses() throws Exception {
    EventLoop loop = newLoop();
    LoopThread lt = startOnItsOwnThread(loop);
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    loop.runInExecutor(
        null,
        () -> {
          started.countDown();
          release.await(30, TimeUnit.SECONDS);
          return null;
        });
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

    try {
      await(loop.shutdown(Duration.ofMillis(100)));

      lt.runForeverReturned.get(10, TimeUnit.SECONDS);
      assertThat(loop.isClosed()).isTrue();
      // The call was still blocked when the loop closed: the timeout, not the call, ended the wait.
      assertThat(release.getCount()).isEqualTo(1);
    } finally {
      release.countDown();
    }
  }

  @Test
  void shutdownCalledFromACallbackClosesTheLoopOnceRunForeverReturns() throws Exception {
    EventLoop loop = newLoop();
    AtomicReference<CompletionStage<Void>> stage = new AtomicReference<>();
    loop.callSoon(() -> stage.set(loop.shutdown(EXECUTOR_TIMEOUT)));

    loop.runForever();

    await(stage.get());
    assertThat(loop.isClosed()).isTrue();
    assertThat(loop.isRunning()).isFalse();
  }

  // ---------------------------------------------------------------- loop not running

  @Test
  void shutdownOfANonRunningLoopRunsItThroughAndClosesIt() throws Exception {
    EventLoop loop = newLoop();
    AtomicBoolean readyRan = new AtomicBoolean();
    AtomicBoolean timerRan = new AtomicBoolean();
    loop.callSoon(() -> readyRan.set(true));
    TimerHandle timer = loop.callLater(Duration.ofHours(1), () -> timerRan.set(true));

    CompletionStage<Void> stage = loop.shutdown(EXECUTOR_TIMEOUT);
    await(stage);

    assertThat(loop.isClosed()).isTrue();
    assertThat(loop.isRunning()).isFalse();
    assertThat(readyRan).isTrue();
    assertThat(timer.isCancelled()).isTrue();
    assertThat(timerRan).isFalse();
    assertThat(loop.shutdown(EXECUTOR_TIMEOUT)).isSameAs(stage);
  }

  @Test
  void shutdownOfANonRunningLoopCancelsItsPendingTasks() throws Exception {
    EventLoop loop = newLoop();
    LoopFuture<String> never = loop.createFuture();
    LoopTask<String> task = loop.createTask(() -> never);

    await(loop.shutdown(EXECUTOR_TIMEOUT));

    assertThat(task.isCancelled()).isTrue();
    assertThat(loop.isClosed()).isTrue();
  }

  @Test
  void shutdownOfANonRunningLoopShutsDownTheDefaultExecutorItMade() throws Exception {
    EventLoop loop = newLoop();
    Thread worker = loop.runUntilComplete(loop.runInExecutor(null, Thread::currentThread));

    await(loop.shutdown(EXECUTOR_TIMEOUT));

    worker.join(10_000);
    assertThat(worker.isAlive()).isFalse();
    assertThat(loop.isClosed()).isTrue();
  }

  // ---------------------------------------------------------------- quiet period

  @Test
  void shutdownWithAQuietPeriodClosesOnlyAfterTheActivityStopped() throws Exception {
    EventLoop loop = newLoop();
    startOnItsOwnThread(loop);
    int stepsAfterRequest = 20;
    AtomicBoolean requested = new AtomicBoolean();
    AtomicInteger counted = new AtomicInteger();
    AtomicReference<CompletionStage<Void>> stageRef = new AtomicReference<>();
    AtomicReference<Boolean> stageDoneAtLastStep = new AtomicReference<>();
    AtomicReference<Boolean> closedAtLastStep = new AtomicReference<>();
    CountDownLatch spinning = new CountDownLatch(1);
    Runnable[] step = new Runnable[1];
    step[0] =
        () -> {
          spinning.countDown();
          if (requested.get() && counted.incrementAndGet() == stepsAfterRequest) {
            stageDoneAtLastStep.set(stageRef.get().toCompletableFuture().isDone());
            closedAtLastStep.set(loop.isClosed());
            return;
          }
          loop.callSoon(step[0]);
        };
    loop.callSoonThreadsafe(step[0]);
    assertThat(spinning.await(10, TimeUnit.SECONDS)).isTrue();

    // The chain keeps a callback running in every iteration until 20 more steps after this call.
    CompletionStage<Void> stage = loop.shutdown(Duration.ofMillis(200), EXECUTOR_TIMEOUT);
    stageRef.set(stage);
    requested.set(true);
    await(stage);

    assertThat(counted).hasValue(stepsAfterRequest);
    assertThat(stageDoneAtLastStep.get()).isFalse();
    assertThat(closedAtLastStep.get()).isFalse();
    assertThat(loop.isClosed()).isTrue();
  }

  @Test
  void theTimeoutBoundsTheQuietPeriod() throws Exception {
    EventLoop loop = newLoop();
    LoopThread lt = startOnItsOwnThread(loop);

    await(loop.shutdown(Duration.ofHours(1), Duration.ofMillis(100)));

    lt.runForeverReturned.get(10, TimeUnit.SECONDS);
    assertThat(loop.isClosed()).isTrue();
  }

  @Test
  void shutdownWithAZeroQuietPeriodClosesTheLoop() throws Exception {
    EventLoop loop = newLoop();
    LoopThread lt = startOnItsOwnThread(loop);

    await(loop.shutdown(Duration.ZERO, EXECUTOR_TIMEOUT));

    lt.runForeverReturned.get(10, TimeUnit.SECONDS);
    assertThat(loop.isClosed()).isTrue();
  }

  @Test
  void shutdownWithAQuietPeriodStillCancelsPendingTimers() throws Exception {
    EventLoop loop = newLoop();
    startOnItsOwnThread(loop);
    AtomicBoolean ran = new AtomicBoolean();
    TimerHandle inAnHour = loop.callLater(Duration.ofHours(1), () -> ran.set(true));

    await(loop.shutdown(Duration.ofMillis(50), EXECUTOR_TIMEOUT));

    assertThat(inAnHour.isCancelled()).isTrue();
    assertThat(ran).isFalse();
    assertThat(loop.isClosed()).isTrue();
  }

  // ---------------------------------------------------------------- bad arguments

  @Test
  void negativeDurationsAreRejectedAndLeaveTheLoopUsable() {
    EventLoop loop = newLoop();

    assertThatThrownBy(() -> loop.shutdown(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> loop.shutdown(Duration.ofMillis(-1), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> loop.shutdown(Duration.ofSeconds(1), Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class);

    assertThat(loop.isClosed()).isFalse();
    LoopFuture<String> f = loop.createFuture();
    loop.callSoon(() -> f.setResult("still usable"));
    assertThat(loop.runUntilComplete(f)).isEqualTo("still usable");
  }

  @Test
  void nullDurationsAreRejected() {
    EventLoop loop = newLoop();

    assertThatThrownBy(() -> loop.shutdown(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> loop.shutdown(null, Duration.ofSeconds(1)))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> loop.shutdown(Duration.ofSeconds(1), null))
        .isInstanceOf(NullPointerException.class);
    assertThat(loop.isClosed()).isFalse();
  }

  @Test
  void shutdownRunsEveryHookOnTheLoopThreadAndClosesOnlyAfterTheirStagesComplete() throws Exception {
    EventLoop loop = newLoop();
    LoopThread lt = startOnItsOwnThread(loop);
    CompletableFuture<Void> hookDone = new CompletableFuture<>();
    AtomicReference<Thread> ranOn = new AtomicReference<>();
    loop.addShutdownHook(
        () -> {
          ranOn.set(Thread.currentThread());
          return hookDone;
        });

    CompletableFuture<Void> closed = loop.shutdown(EXECUTOR_TIMEOUT).toCompletableFuture();

    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ranOn.get() != null);
    assertThat(ranOn.get()).isSameAs(lt.thread);
    assertThat(closed).isNotDone();
    hookDone.complete(null);
    closed.get(20, TimeUnit.SECONDS);
    assertThat(loop.isClosed()).isTrue();
  }

  @Test
  void aRemovedShutdownHookIsNotCalled() throws Exception {
    EventLoop loop = newLoop();
    AtomicBoolean called = new AtomicBoolean();
    java.util.function.Supplier<CompletionStage<?>> hook =
        () -> {
          called.set(true);
          return CompletableFuture.completedFuture(null);
        };
    loop.addShutdownHook(hook);

    assertThat(loop.removeShutdownHook(hook)).isTrue();
    assertThat(loop.removeShutdownHook(hook)).isFalse();
    loop.shutdown(EXECUTOR_TIMEOUT).toCompletableFuture().get(20, TimeUnit.SECONDS);

    assertThat(called).isFalse();
    assertThatThrownBy(() -> loop.addShutdownHook(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void aShutdownHookThatThrowsGoesToTheHandlerAndTheShutdownFinishes() throws Exception {
    EventLoop loop = newLoop();
    List<Throwable> reported = new ArrayList<>();
    loop.setExceptionHandler((l, context) -> reported.add(context.exception()));
    RuntimeException failure = new RuntimeException("expected by the test: hook fails");
    loop.addShutdownHook(
        () -> {
          throw failure;
        });

    loop.shutdown(EXECUTOR_TIMEOUT).toCompletableFuture().get(20, TimeUnit.SECONDS);

    assertThat(reported).containsExactly(failure);
    assertThat(loop.isClosed()).isTrue();
  }

  @Test
  void shutdownFromAnotherThreadNeverRestartsALoopThatIsClosingItself() throws Exception {
    // The loop thread finishes a quick shutdown while the caller checks whether anybody runs the
    // loop: the loop must go straight from running to closed, or the caller would start running it.
    for (int round = 0; round < 200; round++) {
      EventLoop loop = Loops.newEventLoop();
      LoopThread lt = new LoopThread(loop);

      loop.shutdown(Duration.ZERO).toCompletableFuture().get(20, TimeUnit.SECONDS);

      lt.runForeverReturned.get(20, TimeUnit.SECONDS);
      assertThat(loop.isClosed()).as("round %d", round).isTrue();
      assertThat(loop.isRunning()).as("round %d", round).isFalse();
    }
  }
}
