package dev.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link LoopFuture} as a {@link CompletionStage}: dependent stages run on the loop thread, one
 * scheduling step after completion, never inline in the completing thread, and are {@code
 * LoopFuture}s of the same loop.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LoopFutureStageTest {

  private final List<EventLoop> loops = new ArrayList<>();
  private final List<ExecutorService> executors = new ArrayList<>();

  private EventLoop newLoop() {
    EventLoop loop = Loops.newEventLoop();
    loops.add(loop);
    return loop;
  }

  private ExecutorService namedExecutor(String name) {
    ExecutorService ex = Executors.newSingleThreadExecutor(r -> new Thread(r, name));
    executors.add(ex);
    return ex;
  }

  @AfterEach
  void cleanUp() throws InterruptedException {
    for (EventLoop loop : loops) {
      if (loop.isRunning()) {
        loop.stop();
      } else {
        loop.close();
      }
    }
    for (ExecutorService ex : executors) {
      ex.shutdownNow();
      ex.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  private static Throwable unwrap(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }

  /** Records the thread a stage function runs on, and whether it was the loop's thread. */
  private static final class Probe {
    final AtomicReference<Thread> thread = new AtomicReference<>();
    final AtomicReference<Boolean> inLoop = new AtomicReference<>();
    final AtomicInteger calls = new AtomicInteger();

    void record(EventLoop loop) {
      thread.set(Thread.currentThread());
      inLoop.set(loop.inEventLoop());
      calls.incrementAndGet();
    }
  }

  /** Completes {@code f} with {@code value} from a fresh thread once the loop runs. */
  private static <T> void completeFromAnotherThread(EventLoop loop, LoopFuture<T> f, T value) {
    loop.callSoon(() -> new Thread(() -> f.setResult(value), "completer").start());
  }

  private static <T> void failFromAnotherThread(EventLoop loop, LoopFuture<T> f, Throwable e) {
    loop.callSoon(() -> new Thread(() -> f.setException(e), "completer").start());
  }

  private static void assertRanOnLoopThread(Probe probe) {
    assertThat(probe.calls).hasValue(1);
    assertThat(probe.thread.get()).isSameAs(Thread.currentThread());
    assertThat(probe.inLoop.get()).isTrue();
  }

  private static void assertIsLoopFutureOf(EventLoop loop, CompletionStage<?> stage) {
    assertThat(stage).isInstanceOf(LoopFuture.class);
    assertThat(((LoopFuture<?>) stage).getLoop()).isSameAs(loop);
  }

  // ---------------------------------------------------------------- loop thread, not inline

  @Test
  void thenApplyRunsOnTheLoopThreadWhenTheFutureCompletesFromAnotherThread() {
    EventLoop loop = newLoop();
    LoopFuture<Integer> f = loop.createFuture();
    Probe probe = new Probe();
    CompletionStage<Integer> next =
        f.thenApply(
            x -> {
              probe.record(loop);
              return x + 1;
            });
    completeFromAnotherThread(loop, f, 1);

    assertThat(loop.runUntilComplete(next)).isEqualTo(2);
    assertRanOnLoopThread(probe);
    assertIsLoopFutureOf(loop, next);
  }

  @Test
  void thenApplyIsNotRunInlineBySetResult() {
    EventLoop loop = newLoop();
    LoopFuture<Integer> f = loop.createFuture();
    Probe probe = new Probe();
    CompletionStage<Integer> next =
        f.thenApply(
            x -> {
              probe.record(loop);
              return x * 10;
            });

    f.setResult(4);
    assertThat(probe.calls).hasValue(0);

    assertThat(loop.runUntilComplete(next)).isEqualTo(40);
    assertRanOnLoopThread(probe);
  }

  @Test
  void thenApplyOnAnAlreadyDoneFutureIsNotRunInline() {
    EventLoop loop = newLoop();
    LoopFuture<Integer> f = loop.createFuture();
    f.setResult(4);
    Probe probe = new Probe();

    CompletionStage<Integer> next =
        f.thenApply(
            x -> {
              probe.record(loop);
              return x * 10;
            });
    assertThat(probe.calls).hasValue(0);

    assertThat(loop.runUntilComplete(next)).isEqualTo(40);
    assertRanOnLoopThread(probe);
  }

  @Test
  void thenApplyOnTheLoopThreadIsNotRunInlineBySetResultThere() {
    EventLoop loop = newLoop();
    LoopFuture<Integer> f = loop.createFuture();
    Probe probe = new Probe();
    CompletionStage<Integer> next =
        f.thenApply(
            x -> {
              probe.record(loop);
              return x;
            });
    LoopFuture<Integer> callsRightAfterSetResult = loop.createFuture();
    loop.callSoon(
        () -> {
          f.setResult(8);
          callsRightAfterSetResult.setResult(probe.calls.get());
        });

    assertThat(loop.runUntilComplete(next)).isEqualTo(8);
    assertThat(callsRightAfterSetResult.result()).isZero();
  }

  @Test
  void thenComposeRunsOnTheLoopThreadAndFlattensTheInnerStage() {
    EventLoop loop = newLoop();
    LoopFuture<Integer> f = loop.createFuture();
    Probe probe = new Probe();
    CompletionStage<String> next =
        f.thenCompose(
            x -> {
              probe.record(loop);
              LoopFuture<String> inner = loop.createFuture();
              loop.callSoon(() -> inner.setResult("v" + x));
              return inner;
            });
    completeFromAnotherThread(loop, f, 3);

    assertThat(loop.runUntilComplete(next)).isEqualTo("v3");
    assertRanOnLoopThread(probe);
    assertIsLoopFutureOf(loop, next);
  }

  @Test
  void thenComposeWithAStageCompletedOnAnotherThreadDeliversTheNextStageOnTheLoop() {
    EventLoop loop = newLoop();
    ExecutorService ex = namedExecutor("inner-stage");
    LoopFuture<Integer> f = loop.createFuture();
    Probe probe = new Probe();
    CompletionStage<Integer> next =
        f.thenCompose(x -> CompletableFuture.supplyAsync(() -> x * 3, ex))
            .thenApply(
                y -> {
                  probe.record(loop);
                  return y + 1;
                });
    loop.callSoon(() -> f.setResult(4));

    assertThat(loop.runUntilComplete(next)).isEqualTo(13);
    assertRanOnLoopThread(probe);
  }

  @Test
  void whenCompleteRunsOnTheLoopThreadWithResultAndPassesItOn() {
    EventLoop loop = newLoop();
    LoopFuture<Integer> f = loop.createFuture();
    Probe probe = new Probe();
    AtomicReference<Integer> seenResult = new AtomicReference<>();
    AtomicReference<Throwable> seenFailure = new AtomicReference<>();
    CompletionStage<Integer> next =
        f.whenComplete(
            (r, e) -> {
              probe.record(loop);
              seenResult.set(r);
              seenFailure.set(e);
            });
    completeFromAnotherThread(loop, f, 11);

    assertThat(loop.runUntilComplete(next)).isEqualTo(11);
    assertRanOnLoopThread(probe);
    assertThat(seenResult.get()).isEqualTo(11);
    assertThat(seenFailure.get()).isNull();
    assertIsLoopFutureOf(loop, next);
  }

  @Test
  void whenCompleteSeesTheFailureAndTheStageFailsWithIt() {
    EventLoop loop = newLoop();
    LoopFuture<Integer> f = loop.createFuture();
    Probe probe = new Probe();
    AtomicReference<Throwable> seenFailure = new AtomicReference<>();
    CompletionStage<Integer> next =
        f.whenComplete(
            (r, e) -> {
              probe.record(loop);
              seenFailure.set(e);
            });
    IllegalStateException boom = new IllegalStateException("boom");
    failFromAnotherThread(loop, f, boom);

    assertThatThrownBy(() -> loop.runUntilComplete(next)).isSameAs(boom);
    assertRanOnLoopThread(probe);
    assertThat(unwrap(seenFailure.get())).isSameAs(boom);
  }

  @Test
  void exceptionallyRunsOnTheLoopThreadAndRecovers() {
    EventLoop loop = newLoop();
    LoopFuture<Integer> f = loop.createFuture();
    Probe probe = new Probe();
    AtomicReference<Throwable> seen = new AtomicReference<>();
    CompletionStage<Integer> next =
        f.exceptionally(
            e -> {
              probe.record(loop);
              seen.set(e);
              return -1;
            });
    IllegalArgumentException boom = new IllegalArgumentException("boom");
    failFromAnotherThread(loop, f, boom);

    assertThat(loop.runUntilComplete(next)).isEqualTo(-1);
    assertRanOnLoopThread(probe);
    assertThat(unwrap(seen.get())).isSameAs(boom);
    assertIsLoopFutureOf(loop, next);
  }

  @Test
  void exceptionallyIsSkippedWhenTheFutureSucceeds() {
    EventLoop loop = newLoop();
    LoopFuture<Integer> f = loop.createFuture();
    AtomicInteger calls = new AtomicInteger();
    CompletionStage<Integer> next =
        f.exceptionally(
            e -> {
              calls.incrementAndGet();
              return -1;
            });
    loop.callSoon(() -> f.setResult(5));

    assertThat(loop.runUntilComplete(next)).isEqualTo(5);
    assertThat(calls).hasValue(0);
  }

  @Test
  void handleRunsOnTheLoopThreadWithEitherOutcome() {
    EventLoop loop = newLoop();
    LoopFuture<Integer> ok = loop.createFuture();
    LoopFuture<Integer> bad = loop.createFuture();
    Probe okProbe = new Probe();
    Probe badProbe = new Probe();
    CompletionStage<String> okNext =
        ok.handle(
            (r, e) -> {
              okProbe.record(loop);
              return "r=" + r + " e=" + e;
            });
    CompletionStage<String> badNext =
        bad.handle(
            (r, e) -> {
              badProbe.record(loop);
              return "r=" + r + " e=" + unwrap(e).getMessage();
            });
    completeFromAnotherThread(loop, ok, 1);
    failFromAnotherThread(loop, bad, new IllegalStateException("nope"));

    assertThat(loop.runUntilComplete(okNext)).isEqualTo("r=1 e=null");
    assertThat(loop.runUntilComplete(badNext)).isEqualTo("r=null e=nope");
    assertRanOnLoopThread(okProbe);
    assertRanOnLoopThread(badProbe);
    assertIsLoopFutureOf(loop, okNext);
    assertIsLoopFutureOf(loop, badNext);
  }

  @Test
  void thenAcceptThenRunAndThenCombineRunOnTheLoopThreadAndReturnLoopFutures() {
    EventLoop loop = newLoop();
    LoopFuture<Integer> a = loop.createFuture();
    LoopFuture<Integer> b = loop.createFuture();
    Probe accept = new Probe();
    Probe run = new Probe();
    Probe combine = new Probe();
    AtomicReference<Integer> accepted = new AtomicReference<>();
    CompletionStage<Void> acceptStage =
        a.thenAccept(
            x -> {
              accept.record(loop);
              accepted.set(x);
            });
    CompletionStage<Void> runStage = a.thenRun(() -> run.record(loop));
    CompletionStage<Integer> combined =
        a.thenCombine(
            b,
            (x, y) -> {
              combine.record(loop);
              return x * y;
            });
    completeFromAnotherThread(loop, a, 6);
    completeFromAnotherThread(loop, b, 7);

    assertThat(loop.runUntilComplete(combined)).isEqualTo(42);
    loop.runUntilComplete(acceptStage);
    loop.runUntilComplete(runStage);
    assertThat(accepted.get()).isEqualTo(6);
    assertRanOnLoopThread(accept);
    assertRanOnLoopThread(run);
    assertRanOnLoopThread(combine);
    assertIsLoopFutureOf(loop, acceptStage);
    assertIsLoopFutureOf(loop, runStage);
    assertIsLoopFutureOf(loop, combined);
  }

  @Test
  void aStageAddedFromAnotherThreadToADoneFutureRunsOnTheLoopThread() {
    EventLoop loop = newLoop();
    LoopFuture<Integer> f = loop.createFuture();
    f.setResult(9);
    Probe probe = new Probe();
    LoopFuture<CompletionStage<Integer>> added = loop.createFuture();
    loop.callSoon(
        () ->
            new Thread(
                    () -> {
                      CompletionStage<Integer> next =
                          f.thenApply(
                              x -> {
                                probe.record(loop);
                                return x + 1;
                              });
                      loop.callSoonThreadsafe(() -> added.setResult(next));
                    })
                .start());

    CompletionStage<Integer> next = loop.runUntilComplete(added);
    assertThat(loop.runUntilComplete(next)).isEqualTo(10);
    assertRanOnLoopThread(probe);
  }

  @Test
  void aStageDependingOnACancelledFutureFailsWithCancellationException() {
    EventLoop loop = newLoop();
    LoopFuture<Integer> f = loop.createFuture();
    AtomicInteger applied = new AtomicInteger();
    CompletionStage<Integer> next = f.thenApply(x -> applied.incrementAndGet());
    loop.callSoon(f::cancel);

    assertThatThrownBy(() -> loop.runUntilComplete(next))
        .isInstanceOf(java.util.concurrent.CancellationException.class);
    assertThat(applied).hasValue(0);
  }

  @Test
  void aDependentStageRunsInTheContextItWasAddedIn() {
    EventLoop loop = newLoop();
    ContextVar<String> var = ContextVar.named("stageContext");
    LoopFuture<Integer> f = loop.createFuture();
    AtomicReference<CompletionStage<String>> next = new AtomicReference<>();
    LoopContext.empty()
        .run(
            () -> {
              var.set("where the stage was added");
              next.set(f.thenApply(x -> var.get("unset")));
            });
    LoopContext.empty()
        .run(
            () -> {
              var.set("where the future was completed");
              f.setResult(1);
            });

    assertThat(loop.runUntilComplete(next.get())).isEqualTo("where the stage was added");
  }

  @Test
  void asyncVariantsWithoutExecutorRunOnTheLoopThread() {
    EventLoop loop = newLoop();
    LoopFuture<Integer> f = loop.createFuture();
    Probe probe = new Probe();
    CompletionStage<Integer> next =
        f.thenApplyAsync(
            x -> {
              probe.record(loop);
              return x + 100;
            });
    completeFromAnotherThread(loop, f, 1);

    assertThat(loop.runUntilComplete(next)).isEqualTo(101);
    assertRanOnLoopThread(probe);
    assertIsLoopFutureOf(loop, next);
  }

  @Test
  void asyncVariantsWithAnExplicitExecutorRunOnThatExecutor() {
    EventLoop loop = newLoop();
    ExecutorService ex = namedExecutor("stage-executor");
    LoopFuture<Integer> f = loop.createFuture();
    AtomicReference<String> applyThread = new AtomicReference<>();
    AtomicReference<String> whenThread = new AtomicReference<>();
    CompletionStage<Integer> next =
        f.thenApplyAsync(
                x -> {
                  applyThread.set(Thread.currentThread().getName());
                  return x * 2;
                },
                ex)
            .whenCompleteAsync((r, e) -> whenThread.set(Thread.currentThread().getName()), ex);
    completeFromAnotherThread(loop, f, 21);

    assertThat(loop.runUntilComplete(next)).isEqualTo(42);
    assertThat(applyThread.get()).isEqualTo("stage-executor");
    assertThat(whenThread.get()).isEqualTo("stage-executor");
  }

  @Test
  void toCompletableFutureCompletesWithTheResult() throws Exception {
    EventLoop loop = newLoop();
    LoopFuture<String> f = loop.createFuture();
    CompletableFuture<String> cf = f.toCompletableFuture();
    loop.callSoon(() -> f.setResult("done"));

    assertThat(loop.runUntilComplete(cf)).isEqualTo("done");
    assertThat(cf.get(5, TimeUnit.SECONDS)).isEqualTo("done");
  }

  @Test
  void toCompletableFutureCompletesExceptionallyWithTheFailure() {
    EventLoop loop = newLoop();
    LoopFuture<String> f = loop.createFuture();
    CompletableFuture<String> cf = f.toCompletableFuture();
    IOException boom = new IOException("boom");
    loop.callSoon(() -> f.setException(boom));

    assertThatThrownBy(() -> loop.runUntilComplete(cf))
        .isInstanceOf(CompletionException.class)
        .hasCause(boom);
    assertThat(cf.isCompletedExceptionally()).isTrue();
    assertThatThrownBy(() -> cf.get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCause(boom);
  }

  @Test
  void aChainOfThreeStagesGivesTheRightResultWithRunUntilComplete() {
    EventLoop loop = newLoop();
    LoopFuture<Integer> f = loop.createFuture();
    List<String> steps = new ArrayList<>();
    Function<Integer, CompletionStage<Integer>> later =
        x -> {
          steps.add("compose");
          LoopFuture<Integer> inner = loop.createFuture();
          loop.callSoon(() -> inner.setResult(x + 3));
          return inner;
        };
    CompletionStage<String> chain =
        f.thenApply(
                x -> {
                  steps.add("apply");
                  return x * 2;
                })
            .thenCompose(later)
            .thenApply(
                x -> {
                  steps.add("format");
                  return "result=" + x;
                });
    loop.callSoon(() -> f.setResult(5));

    assertThat(loop.runUntilComplete(chain)).isEqualTo("result=13");
    assertThat(steps).containsExactly("apply", "compose", "format");
  }

  @Test
  void aFailureSkipsThenApplyAndReachesTheEndOfTheChain() {
    EventLoop loop = newLoop();
    LoopFuture<Integer> f = loop.createFuture();
    AtomicInteger applied = new AtomicInteger();
    CompletionStage<Integer> chain =
        f.thenApply(x -> applied.incrementAndGet()).thenApply(x -> applied.incrementAndGet());
    IllegalStateException boom = new IllegalStateException("boom");
    loop.callSoon(() -> f.setException(boom));

    assertThatThrownBy(() -> loop.runUntilComplete(chain)).isSameAs(boom);
    assertThat(applied).hasValue(0);
  }

  @Test
  void aThrowingStageFunctionFailsTheDependentStage() {
    EventLoop loop = newLoop();
    LoopFuture<Integer> f = loop.createFuture();
    IllegalArgumentException boom = new IllegalArgumentException("bad");
    CompletionStage<Integer> next =
        f.thenApply(
            x -> {
              throw boom;
            });
    loop.callSoon(() -> f.setResult(1));

    assertThatThrownBy(() -> loop.runUntilComplete(next)).isSameAs(boom);
  }
}
