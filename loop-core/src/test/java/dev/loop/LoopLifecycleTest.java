package dev.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Running, stopping and closing: asyncio's {@code run_forever}, {@code run_until_complete},
 * {@code stop}, {@code close}, {@code is_running}, {@code is_closed}.
 */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LoopLifecycleTest {

  private EventLoop loop;

  @BeforeEach
  void newLoop() {
    loop = Loops.newEventLoop();
  }

  @AfterEach
  void closeLoop() {
    if (!loop.isRunning()) {
      loop.close();
    }
  }

  // ------------------------------------------------------------------ stop and run again

  @Test
  void stopBeforeRunForeverRunsOneIterationAndReturns() {
    List<String> ran = new ArrayList<>();
    loop.callSoon(
        () -> {
          ran.add("A");
          loop.callSoon(() -> ran.add("B"));
        });
    loop.stop();

    loop.runForever();

    assertThat(ran).containsExactly("A");
    assertThat(loop.isRunning()).isFalse();
  }

  @Test
  void stopBeforeRunForeverOnAnIdleLoopReturns() {
    loop.stop();

    loop.runForever();

    assertThat(loop.isRunning()).isFalse();
  }

  @Test
  void stopLetsTheRestOfTheCurrentIterationRun() {
    List<String> ran = new ArrayList<>();
    loop.callSoon(loop::stop);
    loop.callSoon(() -> ran.add("after stop, same iteration"));

    loop.runForever();

    assertThat(ran).containsExactly("after stop, same iteration");
  }

  @Test
  void loopCanBeStoppedAndRunAgain() {
    List<Integer> ran = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      int n = i;
      loop.callSoon(() -> ran.add(n));
      loop.callSoon(loop::stop);
      loop.runForever();
      assertThat(loop.isRunning()).isFalse();
    }

    assertThat(ran).containsExactly(0, 1, 2);
  }

  @Test
  void stopFromAnotherThreadStopsTheRunningLoop() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    loop.callSoon(running::countDown);
    CompletableFuture<Void> stopper =
        CompletableFuture.runAsync(
            () -> {
              try {
                running.await();
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
              loop.stop();
            });

    loop.runForever();

    stopper.get(5, TimeUnit.SECONDS);
    assertThat(loop.isRunning()).isFalse();
  }

  @Test
  void callSoonFromAnotherThreadBetweenRunsIsAllowedAndRunsOnTheNextRun() throws Exception {
    loop.callSoon(loop::stop);
    loop.runForever();
    List<String> ran = new ArrayList<>();

    CompletableFuture.runAsync(
            () -> {
              loop.callSoon(() -> ran.add("scheduled while stopped"));
              loop.callSoon(loop::stop);
            })
        .get(5, TimeUnit.SECONDS);
    loop.runForever();

    assertThat(ran).containsExactly("scheduled while stopped");
  }

  @Test
  void loopCanBeRunByAnotherThreadAfterStopping() throws Exception {
    loop.callSoon(loop::stop);
    loop.runForever();

    CompletableFuture<Boolean> inLoopThere =
        CompletableFuture.supplyAsync(
            () -> {
              boolean[] inLoop = new boolean[1];
              loop.callSoon(
                  () -> {
                    inLoop[0] = loop.inEventLoop();
                    loop.stop();
                  });
              loop.runForever();
              return inLoop[0];
            });

    assertThat(inLoopThere.get(5, TimeUnit.SECONDS)).isTrue();
    assertThat(loop.inEventLoop()).isFalse();
  }

  // ------------------------------------------------------------------ re-entrance

  @Test
  void runForeverCalledFromACallbackThrowsAlreadyRunning() {
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    loop.callSoon(() -> thrown.set(catchThrowable(loop::runForever)));
    loop.callSoon(loop::stop);

    loop.runForever();

    assertThat(thrown.get())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already running");
  }

  @Test
  void runUntilCompleteCalledFromACallbackThrowsAlreadyRunning() {
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    LoopFuture<String> future = loop.createFuture();
    loop.callSoon(() -> thrown.set(catchThrowable(() -> loop.runUntilComplete(future))));
    loop.callSoon(loop::stop);

    loop.runForever();

    assertThat(thrown.get())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already running");
    assertThat(future.isDone()).isFalse();
  }

  @Test
  void runningASecondLoopOnAThreadThatRunsOneThrows() {
    try (EventLoop second = Loops.newEventLoop()) {
      AtomicReference<Throwable> thrown = new AtomicReference<>();
      AtomicBoolean secondRan = new AtomicBoolean();
      second.callSoon(() -> secondRan.set(true));
      second.callSoon(second::stop);
      loop.callSoon(() -> thrown.set(catchThrowable(second::runForever)));
      loop.callSoon(loop::stop);

      loop.runForever();

      assertThat(thrown.get())
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("Cannot run the event loop while another loop is running");
      assertThat(secondRan).isFalse();
      assertThat(second.isRunning()).isFalse();

      // the refused loop is still usable once the thread is free
      second.runForever();
      assertThat(secondRan).isTrue();
    }
  }

  @Test
  void runUntilCompleteOfASecondLoopOnAThreadThatRunsOneThrows() {
    try (EventLoop second = Loops.newEventLoop()) {
      AtomicReference<Throwable> thrown = new AtomicReference<>();
      LoopFuture<String> future = second.createFuture();
      loop.callSoon(() -> thrown.set(catchThrowable(() -> second.runUntilComplete(future))));
      loop.callSoon(loop::stop);

      loop.runForever();

      assertThat(thrown.get())
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("Cannot run the event loop while another loop is running");
    }
  }

  @Test
  void aThreadMayRunAnotherLoopAfterTheFirstReturned() {
    try (EventLoop second = Loops.newEventLoop()) {
      loop.stop();
      loop.runForever();

      AtomicBoolean ran = new AtomicBoolean();
      second.callSoon(() -> ran.set(true));
      second.callSoon(second::stop);
      second.runForever();

      assertThat(ran).isTrue();
    }
  }

  // ------------------------------------------------------------------ close

  @Test
  void closeWhileRunningThrowsAndLeavesTheLoopOpen() {
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicBoolean laterRan = new AtomicBoolean();
    loop.callSoon(() -> thrown.set(catchThrowable(loop::close)));
    loop.callSoon(() -> loop.callSoon(() -> laterRan.set(true)));
    loop.callSoon(() -> loop.callSoon(loop::stop));

    loop.runForever();

    assertThat(thrown.get()).isInstanceOf(IllegalStateException.class);
    assertThat(loop.isClosed()).isFalse();
    assertThat(laterRan).isTrue();
  }

  @Test
  void closeFromAnotherThreadWhileRunningThrows() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    loop.callSoon(running::countDown);
    CompletableFuture<Throwable> closer =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                running.await();
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
              Throwable t = catchThrowable(loop::close);
              loop.callSoonThreadsafe(loop::stop);
              return t;
            });

    loop.runForever();

    assertThat(closer.get(5, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class);
    assertThat(loop.isClosed()).isFalse();
  }

  @Test
  void closingTwiceDoesNothing() {
    loop.close();
    loop.close();

    assertThat(loop.isClosed()).isTrue();
  }

  @Test
  void callSoonOnAClosedLoopThrowsMentioningClosed() {
    loop.close();

    assertThatThrownBy(() -> loop.callSoon(() -> {}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void callSoonThreadsafeOnAClosedLoopThrowsMentioningClosed() {
    loop.close();

    assertThatThrownBy(() -> loop.callSoonThreadsafe(() -> {}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void callLaterOnAClosedLoopThrowsMentioningClosed() {
    loop.close();

    assertThatThrownBy(() -> loop.callLater(Duration.ofMillis(1), () -> {}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThatThrownBy(() -> loop.callLater(1, TimeUnit.MILLISECONDS, () -> {}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void callAtOnAClosedLoopThrowsMentioningClosed() {
    long when = loop.time();
    loop.close();

    assertThatThrownBy(() -> loop.callAt(when, () -> {}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void runForeverOnAClosedLoopThrowsMentioningClosed() {
    loop.close();

    assertThatThrownBy(loop::runForever)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThat(loop.isRunning()).isFalse();
  }

  @Test
  void runUntilCompleteOnAClosedLoopThrowsMentioningClosed() {
    LoopFuture<String> future = loop.createFuture();
    loop.close();

    assertThatThrownBy(() -> loop.runUntilComplete(future))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void executeOnAClosedLoopThrowsRejectedExecutionException() {
    loop.close();

    assertThatThrownBy(() -> loop.execute(() -> {}))
        .isInstanceOf(RejectedExecutionException.class);
  }

  @Test
  void closeDropsPendingCallbacksAndTimers() {
    AtomicBoolean ran = new AtomicBoolean();
    loop.callSoon(() -> ran.set(true));
    loop.callLater(Duration.ZERO, () -> ran.set(true));

    loop.close();

    assertThat(loop.isClosed()).isTrue();
    assertThat(ran).isFalse();
  }

  // ------------------------------------------------------------------ state queries

  @Test
  void newLoopIsNeitherRunningNorClosed() {
    assertThat(loop.isRunning()).isFalse();
    assertThat(loop.isClosed()).isFalse();
    assertThat(loop.inEventLoop()).isFalse();
  }

  @Test
  void insideACallbackTheLoopIsRunningOnTheCallingThread() {
    AtomicBoolean running = new AtomicBoolean();
    AtomicBoolean inLoop = new AtomicBoolean();
    loop.callSoon(
        () -> {
          running.set(loop.isRunning());
          inLoop.set(loop.inEventLoop());
          loop.stop();
        });

    loop.runForever();

    assertThat(running).isTrue();
    assertThat(inLoop).isTrue();
    assertThat(loop.isRunning()).isFalse();
    assertThat(loop.inEventLoop()).isFalse();
  }

  @Test
  void fromAnotherThreadTheRunningLoopIsRunningButNotInEventLoop() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    loop.callSoon(running::countDown);
    CompletableFuture<boolean[]> seen =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                running.await();
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
              boolean[] states = {loop.isRunning(), loop.inEventLoop()};
              loop.stop();
              return states;
            });

    loop.runForever();

    boolean[] states = seen.get(5, TimeUnit.SECONDS);
    assertThat(states[0]).as("isRunning from another thread").isTrue();
    assertThat(states[1]).as("inEventLoop from another thread").isFalse();
  }

  @Test
  void closedLoopReportsClosedAndNotRunning() {
    loop.close();

    assertThat(loop.isClosed()).isTrue();
    assertThat(loop.isRunning()).isFalse();
    assertThat(loop.inEventLoop()).isFalse();
  }

  // ------------------------------------------------------------------ runUntilComplete

  @Test
  void runUntilCompleteReturnsTheResult() {
    LoopFuture<String> future = loop.createFuture();
    loop.callSoon(() -> future.setResult("result"));

    assertThat(loop.runUntilComplete(future)).isEqualTo("result");
    assertThat(loop.isRunning()).isFalse();
  }

  @Test
  void runUntilCompleteWaitsForAFutureCompletedByATimer() {
    LoopFuture<Integer> future = loop.createFuture();
    loop.callLater(Duration.ofMillis(5), () -> future.setResult(42));

    assertThat(loop.runUntilComplete(future)).isEqualTo(42);
  }

  @Test
  void runUntilCompleteOfAnAlreadyCompletedFutureReturnsItsResult() {
    LoopFuture<String> future = loop.createFuture();
    future.setResult("done");

    assertThat(loop.runUntilComplete(future)).isEqualTo("done");
  }

  @Test
  void runUntilCompleteReturnsANullResult() {
    LoopFuture<String> future = loop.createFuture();
    loop.callSoon(() -> future.setResult(null));

    assertThat(loop.runUntilComplete(future)).isNull();
  }

  @Test
  void runUntilCompleteRethrowsAnUncheckedFailureUnwrapped() {
    LoopFuture<String> future = loop.createFuture();
    IllegalArgumentException failure = new IllegalArgumentException("boom");
    loop.callSoon(() -> future.setException(failure));

    assertThatThrownBy(() -> loop.runUntilComplete(future)).isSameAs(failure);
  }

  @Test
  void runUntilCompleteRethrowsAnErrorUnwrapped() {
    LoopFuture<String> future = loop.createFuture();
    Error failure = new OutOfMemoryErrorLike("boom");
    loop.callSoon(() -> future.setException(failure));

    assertThatThrownBy(() -> loop.runUntilComplete(future)).isSameAs(failure);
  }

  @Test
  void runUntilCompleteWrapsACheckedFailureInCompletionException() {
    LoopFuture<String> future = loop.createFuture();
    IOException failure = new IOException("disk");
    loop.callSoon(() -> future.setException(failure));

    assertThatThrownBy(() -> loop.runUntilComplete(future))
        .isExactlyInstanceOf(CompletionException.class)
        .cause()
        .isSameAs(failure);
  }

  @Test
  void runUntilCompleteOfACancelledFutureThrowsCancellationException() {
    LoopFuture<String> future = loop.createFuture();
    loop.callSoon(future::cancel);

    assertThatThrownBy(() -> loop.runUntilComplete(future))
        .isInstanceOf(CancellationException.class);
  }

  @Test
  void runUntilCompleteOfAFutureOfAnotherLoopThrowsIllegalArgumentException() {
    try (EventLoop other = Loops.newEventLoop()) {
      LoopFuture<String> foreign = other.createFuture();

      assertThatThrownBy(() -> loop.runUntilComplete(foreign))
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(loop.isRunning()).isFalse();
    }
  }

  @Test
  void runUntilCompleteThrowsWhenTheLoopIsStoppedBeforeTheFutureIsDone() {
    LoopFuture<String> future = loop.createFuture();
    loop.callSoon(loop::stop);

    assertThatThrownBy(() -> loop.runUntilComplete(future))
        .isInstanceOf(IllegalStateException.class);
    assertThat(loop.isRunning()).isFalse();
    assertThat(future.isDone()).isFalse();

    // the loop and the future are still usable
    loop.callSoon(() -> future.setResult("later"));
    assertThat(loop.runUntilComplete(future)).isEqualTo("later");
  }

  @Test
  void futureCompletingAfterItsRunUntilCompleteWasStoppedDoesNotStopALaterRun() {
    LoopFuture<String> future = loop.createFuture();
    loop.callSoon(loop::stop);
    assertThatThrownBy(() -> loop.runUntilComplete(future))
        .isInstanceOf(IllegalStateException.class);

    List<Integer> ran = new ArrayList<>();
    Runnable[] step = new Runnable[1];
    step[0] =
        () -> {
          ran.add(ran.size());
          if (ran.size() < 5) {
            loop.callSoon(step[0]);
          } else {
            loop.stop();
          }
        };
    loop.callSoon(() -> future.setResult("late"));
    loop.callSoon(step[0]);
    loop.runForever();

    assertThat(ran).containsExactly(0, 1, 2, 3, 4);
  }

  @Test
  void runUntilCompleteDoesNotLeaveAStopBehindForTheNextRun() {
    LoopFuture<String> future = loop.createFuture();
    loop.callSoon(() -> future.setResult("x"));
    loop.runUntilComplete(future);

    // the next runForever must run until an explicit stop, across several iterations
    List<Integer> ran = new ArrayList<>();
    Runnable[] step = new Runnable[1];
    step[0] =
        () -> {
          ran.add(ran.size());
          if (ran.size() < 5) {
            loop.callSoon(step[0]);
          } else {
            loop.stop();
          }
        };
    loop.callSoon(step[0]);
    loop.runForever();

    assertThat(ran).containsExactly(0, 1, 2, 3, 4);
  }

  @Test
  void runUntilCompleteWaitsForAPlainCompletableFutureCompletedFromAnotherThread()
      throws Exception {
    CompletableFuture<String> plain = new CompletableFuture<>();
    CountDownLatch running = new CountDownLatch(1);
    loop.callSoon(running::countDown);
    Thread completer =
        new Thread(
            () -> {
              try {
                running.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
              }
              plain.complete("from another thread");
            },
            "completer");
    completer.start();

    String result = loop.runUntilComplete(plain);
    completer.join();

    assertThat(result).isEqualTo("from another thread");
    assertThat(loop.isRunning()).isFalse();
  }

  @Test
  void runUntilCompleteOfAPlainCompletableFutureFailedFromAnotherThreadRethrowsTheFailure()
      throws Exception {
    CompletableFuture<String> plain = new CompletableFuture<>();
    IllegalStateException failure = new IllegalStateException("remote failure");
    CountDownLatch running = new CountDownLatch(1);
    loop.callSoon(running::countDown);
    Thread completer =
        new Thread(
            () -> {
              try {
                running.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
              }
              plain.completeExceptionally(failure);
            },
            "completer");
    completer.start();

    Throwable thrown = catchThrowable(() -> loop.runUntilComplete(plain));
    completer.join();

    assertThat(thrown).isSameAs(failure);
  }

  @Test
  void runUntilCompleteWaitsForALoopFutureCompletedFromAnotherThread() throws Exception {
    LoopFuture<String> future = loop.createFuture();
    CountDownLatch running = new CountDownLatch(1);
    loop.callSoon(running::countDown);
    Thread completer =
        new Thread(
            () -> {
              try {
                running.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
              }
              future.setResult("set elsewhere");
            },
            "completer");
    completer.start();

    String result = loop.runUntilComplete(future);
    completer.join();

    assertThat(result).isEqualTo("set elsewhere");
  }

  @Test
  void runUntilCompleteOnAPreStoppedLoopThrowsIfTheFutureIsNotDoneAfterOneIteration() {
    LoopFuture<String> future = loop.createFuture();
    loop.stop();

    assertThatThrownBy(() -> loop.runUntilComplete(future))
        .isInstanceOf(IllegalStateException.class);
    assertThat(future.isDone()).isFalse();
    assertThat(loop.isRunning()).isFalse();
  }

  @Test
  void runUntilCompleteOnAPreStoppedLoopReturnsTheResultIfTheFutureCompletedInThatIteration() {
    LoopFuture<String> future = loop.createFuture();
    loop.callSoon(() -> future.setResult("in time"));
    loop.stop();

    assertThat(loop.runUntilComplete(future)).isEqualTo("in time");
  }

  @Test
  void callbackThrowingAnErrorDoesNotStopTheLoop() {
    List<Throwable> handled = new ArrayList<>();
    loop.setExceptionHandler((l, ctx) -> handled.add(ctx.exception()));
    AtomicBoolean after = new AtomicBoolean();
    OutOfMemoryErrorLike error = new OutOfMemoryErrorLike("expected by the test");
    loop.callSoon(
        () -> {
          throw error;
        });
    loop.callSoon(() -> loop.callSoon(() -> after.set(true)));
    loop.callSoon(() -> loop.callSoon(loop::stop));

    loop.runForever();

    assertThat(after).isTrue();
    assertThat(handled).containsExactly(error);
  }

  @Test
  void runUntilCompleteOfACompletedPlainCompletableFutureReturnsItsResult() {
    assertThat(loop.runUntilComplete(CompletableFuture.completedFuture(7))).isEqualTo(7);
  }

  /** An {@link Error} of the test's own, so that nothing else throws it by accident. */
  private static final class OutOfMemoryErrorLike extends Error {
    OutOfMemoryErrorLike(String message) {
      super(message);
    }
  }
}
