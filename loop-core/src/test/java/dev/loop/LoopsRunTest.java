package dev.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Loops#run}: asyncio's {@code asyncio.run()} (CPython's {@code test_asyncio/test_runners.py}).
 * Every loop here is made and closed by {@code Loops.run} itself; {@link #closeCapturedLoop()} only
 * closes one that a failing test left open.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LoopsRunTest {

  private final AtomicReference<EventLoop> captured = new AtomicReference<>();

  @AfterEach
  void closeCapturedLoop() {
    EventLoop loop = captured.get();
    if (loop != null && !loop.isClosed() && !loop.isRunning()) {
      loop.close();
    }
  }

  @Test
  void runReturnsTheResultOfMainsStage() {
    Integer result = Loops.run(loop -> CompletableFuture.completedFuture(42));

    assertThat(result).isEqualTo(42);
  }

  @Test
  void runWaitsForAStageThatCompletesLaterOnTheLoop() {
    String result =
        Loops.run(
            loop -> {
              LoopFuture<String> f = loop.createFuture();
              loop.callSoon(() -> loop.callSoon(() -> f.setResult("later")));
              return f;
            });

    assertThat(result).isEqualTo("later");
  }

  @Test
  void mainRunsOnTheCallingThreadAsATaskOfTheRunningLoop() {
    Thread caller = Thread.currentThread();
    AtomicReference<Thread> mainThread = new AtomicReference<>();
    AtomicReference<EventLoop> running = new AtomicReference<>();
    AtomicReference<Boolean> inLoop = new AtomicReference<>();
    AtomicReference<Set<LoopTask<?>>> tasks = new AtomicReference<>();

    Loops.run(
        loop -> {
          captured.set(loop);
          mainThread.set(Thread.currentThread());
          running.set(Loops.getRunningLoop());
          inLoop.set(loop.inEventLoop());
          tasks.set(Loops.allTasks(loop));
          return CompletableFuture.completedFuture(null);
        });

    assertThat(mainThread.get()).isSameAs(caller);
    assertThat(running.get()).isSameAs(captured.get());
    assertThat(inLoop.get()).isTrue();
    assertThat(tasks.get()).hasSize(1);
  }

  @Test
  void mainIsNotCalledBeforeTheLoopRuns() {
    AtomicReference<Boolean> runningWhenCalled = new AtomicReference<>();

    Loops.run(
        loop -> {
          captured.set(loop);
          runningWhenCalled.set(loop.isRunning());
          return CompletableFuture.completedFuture(1);
        });

    assertThat(runningWhenCalled.get()).isTrue();
  }

  @Test
  void runClosesTheLoopAfterwardsAndLeavesNoRunningLoop() {
    Loops.run(
        loop -> {
          captured.set(loop);
          return CompletableFuture.completedFuture(1);
        });

    assertThat(captured.get().isClosed()).isTrue();
    assertThat(captured.get().isRunning()).isFalse();
    assertThatThrownBy(Loops::getRunningLoop)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no running event loop");
  }

  @Test
  void runMakesANewLoopEachTime() {
    AtomicReference<EventLoop> first = new AtomicReference<>();
    Loops.run(
        loop -> {
          first.set(loop);
          return CompletableFuture.completedFuture(1);
        });
    Loops.run(
        loop -> {
          captured.set(loop);
          return CompletableFuture.completedFuture(2);
        });

    assertThat(captured.get()).isNotSameAs(first.get());
    assertThat(captured.get().isClosed()).isTrue();
  }

  @Test
  void runPropagatesAnUncheckedFailureOfMainsStageAndStillClosesTheLoop() {
    IllegalStateException boom = new IllegalStateException("boom");

    assertThatThrownBy(
            () ->
                Loops.run(
                    loop -> {
                      captured.set(loop);
                      return CompletableFuture.failedFuture(boom);
                    }))
        .isSameAs(boom);
    assertThat(captured.get().isClosed()).isTrue();
  }

  @Test
  void runPropagatesACheckedFailureWrappedInCompletionException() {
    IOException boom = new IOException("io");

    assertThatThrownBy(
            () ->
                Loops.run(
                    loop -> {
                      captured.set(loop);
                      return CompletableFuture.<String>failedFuture(boom);
                    }))
        .isInstanceOf(CompletionException.class)
        .hasCause(boom);
    assertThat(captured.get().isClosed()).isTrue();
  }

  @Test
  void runPropagatesAnExceptionThrownByMainItself() {
    IllegalArgumentException boom = new IllegalArgumentException("thrown by main");

    assertThatThrownBy(
            () ->
                Loops.<String>run(
                    loop -> {
                      captured.set(loop);
                      throw boom;
                    }))
        .isSameAs(boom);
    assertThat(captured.get().isClosed()).isTrue();
  }

  @Test
  void runCancelsTasksStillPendingAtTheEnd() {
    AtomicReference<LoopTask<String>> leftOver = new AtomicReference<>();
    AtomicReference<LoopFuture<String>> awaited = new AtomicReference<>();

    Loops.run(
        loop -> {
          captured.set(loop);
          LoopFuture<String> never = loop.createFuture();
          awaited.set(never);
          leftOver.set(loop.createTask(() -> never));
          LoopFuture<String> mainDone = loop.createFuture();
          // Let the left-over task start waiting before main finishes.
          loop.callSoon(() -> loop.callSoon(() -> mainDone.setResult("main")));
          return mainDone;
        });

    assertThat(leftOver.get().isCancelled()).isTrue();
    assertThat(awaited.get().isCancelled()).isTrue();
    assertThat(captured.get().isClosed()).isTrue();
  }

  @Test
  void runShutsDownTheDefaultExecutorAndWaitsForItsThreads() throws Exception {
    Thread worker =
        Loops.run(
            loop -> {
              captured.set(loop);
              return loop.runInExecutor(null, Thread::currentThread);
            });

    assertThat(worker).isNotSameAs(Thread.currentThread());
    worker.join(10_000);
    assertThat(worker.isAlive()).isFalse();
  }

  @Test
  void runCalledFromInsideARunningLoopThrowsIllegalState() {
    AtomicReference<Throwable> inner = new AtomicReference<>();
    AtomicInteger innerMainCalls = new AtomicInteger();

    Loops.run(
        loop -> {
          captured.set(loop);
          try {
            Loops.run(
                l -> {
                  innerMainCalls.incrementAndGet();
                  return CompletableFuture.completedFuture(1);
                });
          } catch (Throwable e) {
            inner.set(e);
          }
          return CompletableFuture.completedFuture(null);
        });

    assertThat(inner.get()).isInstanceOf(IllegalStateException.class);
    assertThat(innerMainCalls).hasValue(0);
    assertThat(captured.get().isClosed()).isTrue();
  }

  @Test
  void mainReturningNullMakesRunThrowNullPointerExceptionAndClosesTheLoop() {
    assertThatThrownBy(
            () ->
                Loops.<String>run(
                    loop -> {
                      captured.set(loop);
                      return null;
                    }))
        .isInstanceOf(NullPointerException.class);
    assertThat(captured.get().isClosed()).isTrue();
  }

  @Test
  void runWithNullMainThrowsNullPointerException() {
    assertThatThrownBy(() -> Loops.run(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void aCancelledMainStageMakesRunThrowCancellationException() {
    assertThatThrownBy(
            () ->
                Loops.run(
                    loop -> {
                      captured.set(loop);
                      LoopFuture<String> f = loop.createFuture();
                      loop.callSoon(f::cancel);
                      return f;
                    }))
        .isInstanceOf(CancellationException.class);
    assertThat(captured.get().isClosed()).isTrue();
  }

  @Test
  void mainsStageMayBeAChainOfLoopStages() {
    String result =
        Loops.run(
            loop -> {
              captured.set(loop);
              LoopFuture<Integer> f = loop.createFuture();
              loop.callSoon(() -> f.setResult(20));
              CompletionStage<String> chain =
                  f.thenApply(x -> x + 1).thenApply(x -> x * 2).thenApply(x -> "=" + x);
              return chain;
            });

    assertThat(result).isEqualTo("=42");
  }
}
