package dev.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link LoopFuture} as asyncio's {@code Future}: the cases of CPython's
 * {@code test_asyncio/test_futures.py} ({@code BaseFutureTests}, {@code BaseFutureDoneCallbackTests}),
 * in Java idiom.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LoopFutureTest {

  private final List<EventLoop> loops = new ArrayList<>();

  private EventLoop newLoop() {
    EventLoop loop = Loops.newEventLoop();
    loops.add(loop);
    return loop;
  }

  @AfterEach
  void closeLoops() {
    for (EventLoop loop : loops) {
      if (loop.isRunning()) {
        loop.stop();
      } else {
        loop.close();
      }
    }
  }

  /** Runs the loop through the callbacks that are ready now (asyncio's test_utils.run_briefly). */
  private static void runBriefly(EventLoop loop) {
    LoopFuture<Void> marker = loop.createFuture();
    loop.callSoon(() -> marker.setResult(null));
    loop.runUntilComplete(marker);
  }

  private static <T> Consumer<LoopFuture<T>> appender(List<Object> bag, Object thing) {
    return f -> bag.add(thing);
  }

  // ---------------------------------------------------------------- state

  @Test
  void newFutureIsPendingNotCancelledAndBelongsToItsLoop() {
    EventLoop loop = newLoop();
    LoopFuture<String> f = loop.createFuture();

    assertThat(f.isDone()).isFalse();
    assertThat(f.isCancelled()).isFalse();
    assertThat(f.getLoop()).isSameAs(loop);
  }

  @Test
  void resultOfPendingFutureThrowsIllegalState() {
    LoopFuture<String> f = newLoop().createFuture();

    assertThatThrownBy(f::result).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void exceptionOfPendingFutureThrowsIllegalState() {
    LoopFuture<String> f = newLoop().createFuture();

    assertThatThrownBy(f::exception).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void setResultMakesTheFutureDoneWithThatResult() throws Exception {
    LoopFuture<Integer> f = newLoop().createFuture();

    f.setResult(42);

    assertThat(f.isDone()).isTrue();
    assertThat(f.isCancelled()).isFalse();
    assertThat(f.result()).isEqualTo(42);
    assertThat(f.exception()).isNull();
    assertThat(f.get()).isEqualTo(42);
    assertThat(f.get(1, TimeUnit.SECONDS)).isEqualTo(42);
  }

  @Test
  void nullIsAValidResult() {
    LoopFuture<String> f = newLoop().createFuture();

    f.setResult(null);

    assertThat(f.isDone()).isTrue();
    assertThat(f.result()).isNull();
    assertThat(f.exception()).isNull();
  }

  @Test
  void setExceptionWithUncheckedExceptionMakesResultRethrowItUnwrapped() {
    LoopFuture<Integer> f = newLoop().createFuture();
    IllegalArgumentException boom = new IllegalArgumentException("boom");

    f.setException(boom);

    assertThat(f.isDone()).isTrue();
    assertThat(f.isCancelled()).isFalse();
    assertThat(f.exception()).isSameAs(boom);
    assertThatThrownBy(f::result).isSameAs(boom);
  }

  @Test
  void setExceptionWithCheckedExceptionMakesResultThrowCompletionExceptionWrappingIt() {
    LoopFuture<Integer> f = newLoop().createFuture();
    IOException boom = new IOException("boom");

    f.setException(boom);

    assertThat(f.exception()).isSameAs(boom);
    assertThatThrownBy(f::result).isInstanceOf(CompletionException.class).hasCause(boom);
  }

  @Test
  void setExceptionWithErrorMakesResultRethrowTheErrorItself() {
    LoopFuture<Integer> f = newLoop().createFuture();
    AssertionError boom = new AssertionError("boom");

    f.setException(boom);

    assertThat(f.exception()).isSameAs(boom);
    assertThatThrownBy(f::result).isSameAs(boom);
  }

  @Test
  void getOfFailedFutureThrowsExecutionExceptionWithTheFailureAsCause() {
    LoopFuture<Integer> f = newLoop().createFuture();
    IllegalStateException boom = new IllegalStateException("boom");

    f.setException(boom);

    assertThatThrownBy(f::get).isInstanceOf(ExecutionException.class).hasCause(boom);
  }

  @Test
  void aCompletionExceptionThatWasSetIsTheFuturesExceptionAsIs() {
    LoopFuture<Integer> f = newLoop().createFuture();
    CompletionException wrapper = new CompletionException("set as is", new IOException("inner"));

    f.setException(wrapper);

    assertThat(f.exception()).isSameAs(wrapper);
    assertThatThrownBy(f::result).isSameAs(wrapper);
  }

  @Test
  void setExceptionWithCancellationExceptionIsRejectedAndLeavesTheFuturePending() {
    LoopFuture<Integer> f = newLoop().createFuture();

    assertThatThrownBy(() -> f.setException(new CancellationException()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(f.isDone()).isFalse();
  }

  @Test
  void setExceptionWithNullThrowsNullPointerException() {
    LoopFuture<Integer> f = newLoop().createFuture();

    assertThatThrownBy(() -> f.setException(null)).isInstanceOf(NullPointerException.class);
    assertThat(f.isDone()).isFalse();
  }

  @Test
  void setResultTwiceThrowsIllegalStateAndKeepsTheFirstResult() {
    LoopFuture<Integer> f = newLoop().createFuture();
    f.setResult(1);

    assertThatThrownBy(() -> f.setResult(2)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> f.setException(new RuntimeException()))
        .isInstanceOf(IllegalStateException.class);
    assertThat(f.result()).isEqualTo(1);
    assertThat(f.cancel()).isFalse();
    assertThat(f.isCancelled()).isFalse();
  }

  @Test
  void setExceptionTwiceThrowsIllegalStateAndKeepsTheFirstFailure() {
    LoopFuture<Integer> f = newLoop().createFuture();
    RuntimeException first = new RuntimeException("first");
    f.setException(first);

    assertThatThrownBy(() -> f.setException(new RuntimeException("second")))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> f.setResult(3)).isInstanceOf(IllegalStateException.class);
    assertThat(f.exception()).isSameAs(first);
    assertThat(f.cancel()).isFalse();
  }

  @Test
  void cancelMakesTheFutureCancelledAndResultAndExceptionThrowCancellationException() {
    LoopFuture<Integer> f = newLoop().createFuture();

    assertThat(f.cancel()).isTrue();

    assertThat(f.isCancelled()).isTrue();
    assertThat(f.isDone()).isTrue();
    assertThatThrownBy(f::result).isInstanceOf(CancellationException.class);
    assertThatThrownBy(f::exception).isInstanceOf(CancellationException.class);
    assertThatThrownBy(f::get).isInstanceOf(CancellationException.class);
    assertThatThrownBy(() -> f.setResult(1)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> f.setException(new RuntimeException()))
        .isInstanceOf(IllegalStateException.class);
    assertThat(f.cancel()).isFalse();
  }

  @Test
  void futureCancelWithInterruptFlagCancelsLikeCancel() {
    LoopFuture<Integer> f = newLoop().createFuture();

    assertThat(f.cancel(true)).isTrue();

    assertThat(f.isCancelled()).isTrue();
    assertThat(f.cancel(false)).isFalse();
  }

  @Test
  void runUntilCompleteOfCancelledFutureThrowsCancellationException() {
    EventLoop loop = newLoop();
    LoopFuture<Integer> f = loop.createFuture();
    loop.callSoon(f::cancel);

    assertThatThrownBy(() -> loop.runUntilComplete(f)).isInstanceOf(CancellationException.class);
  }

  // ---------------------------------------------------------------- done callbacks

  @Test
  void doneCallbacksAreNotRunInlineBySetResultButWhenTheLoopIterates() {
    EventLoop loop = newLoop();
    LoopFuture<String> f = loop.createFuture();
    List<Object> bag = new CopyOnWriteArrayList<>();
    f.addDoneCallback(appender(bag, 42));
    f.addDoneCallback(appender(bag, 17));

    f.setResult("foo");
    assertThat(bag).isEmpty();

    runBriefly(loop);
    assertThat(bag).containsExactly(42, 17);
    assertThat(f.result()).isEqualTo("foo");
  }

  @Test
  void doneCallbacksRunAfterSetException() {
    EventLoop loop = newLoop();
    LoopFuture<String> f = loop.createFuture();
    List<Object> bag = new CopyOnWriteArrayList<>();
    f.addDoneCallback(appender(bag, 100));
    RuntimeException boom = new RuntimeException("boom");

    f.setException(boom);
    assertThat(bag).isEmpty();

    runBriefly(loop);
    assertThat(bag).containsExactly(100);
    assertThat(f.exception()).isSameAs(boom);
  }

  @Test
  void doneCallbacksRunAfterCancel() {
    EventLoop loop = newLoop();
    LoopFuture<String> f = loop.createFuture();
    List<Object> bag = new CopyOnWriteArrayList<>();
    f.addDoneCallback(appender(bag, "cancelled"));

    f.cancel();
    assertThat(bag).isEmpty();

    runBriefly(loop);
    assertThat(bag).containsExactly("cancelled");
  }

  @Test
  void doneCallbacksRunOnTheLoopThreadInRegistrationOrderWithTheFuture() {
    EventLoop loop = newLoop();
    LoopFuture<Integer> f = loop.createFuture();
    List<String> order = new CopyOnWriteArrayList<>();
    List<Thread> threads = new CopyOnWriteArrayList<>();
    List<Boolean> inLoop = new CopyOnWriteArrayList<>();
    List<Object> seen = new CopyOnWriteArrayList<>();
    for (int i = 0; i < 5; i++) {
      String name = "cb" + i;
      f.addDoneCallback(
          fut -> {
            order.add(name);
            threads.add(Thread.currentThread());
            inLoop.add(loop.inEventLoop());
            seen.add(fut);
          });
    }
    loop.callSoon(() -> f.setResult(7));

    loop.runUntilComplete(f);
    runBriefly(loop);

    assertThat(order).containsExactly("cb0", "cb1", "cb2", "cb3", "cb4");
    assertThat(threads).hasSize(5).containsOnly(Thread.currentThread());
    assertThat(inLoop).containsOnly(true);
    assertThat(seen).hasSize(5).allSatisfy(o -> assertThat(o).isSameAs(f));
  }

  @Test
  void addDoneCallbackOnDoneFutureSchedulesTheCallbackInsteadOfRunningItInline() {
    EventLoop loop = newLoop();
    LoopFuture<Integer> f = loop.createFuture();
    f.setResult(1);
    AtomicInteger calls = new AtomicInteger();

    f.addDoneCallback(fut -> calls.incrementAndGet());
    assertThat(calls).hasValue(0);

    runBriefly(loop);
    assertThat(calls).hasValue(1);
  }

  @Test
  void addDoneCallbackWithNullThrowsNullPointerException() {
    LoopFuture<Integer> f = newLoop().createFuture();

    assertThatThrownBy(() -> f.addDoneCallback(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> f.removeDoneCallback(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void removeDoneCallbackReturnsHowManyRegistrationsItRemovedAndThoseNeverRun() {
    EventLoop loop = newLoop();
    LoopFuture<String> f = loop.createFuture();
    List<Object> bag = new CopyOnWriteArrayList<>();
    Consumer<LoopFuture<String>> cb1 = appender(bag, 1);
    Consumer<LoopFuture<String>> cb2 = appender(bag, 2);
    Consumer<LoopFuture<String>> cb3 = appender(bag, 3);

    f.addDoneCallback(cb1);
    f.addDoneCallback(cb2);
    assertThat(f.removeDoneCallback(cb2)).isEqualTo(1);
    assertThat(f.removeDoneCallback(cb3)).isZero();

    f.addDoneCallback(cb2);
    for (int i = 0; i < 5; i++) {
      f.addDoneCallback(cb1);
    }
    assertThat(f.removeDoneCallback(cb1)).isEqualTo(6);

    f.setResult("foo");
    runBriefly(loop);

    assertThat(bag).containsExactly(2);
    assertThat(f.result()).isEqualTo("foo");
  }

  @Test
  void removingTheFirstCallbackTwiceKeepsTheOthersInOrder() {
    EventLoop loop = newLoop();
    LoopFuture<String> f = loop.createFuture();
    List<Object> bag = new CopyOnWriteArrayList<>();
    Consumer<LoopFuture<String>> cb1 = appender(bag, 42);
    Consumer<LoopFuture<String>> cb2 = appender(bag, 17);
    Consumer<LoopFuture<String>> cb3 = appender(bag, 100);
    f.addDoneCallback(cb1);
    f.addDoneCallback(cb2);
    f.addDoneCallback(cb3);

    assertThat(f.removeDoneCallback(cb1)).isEqualTo(1);
    assertThat(f.removeDoneCallback(cb1)).isZero();
    f.setResult("foo");
    runBriefly(loop);

    assertThat(bag).containsExactly(17, 100);
  }

  @Test
  void removingTheLastCallbackKeepsTheOthersInOrder() {
    EventLoop loop = newLoop();
    LoopFuture<String> f = loop.createFuture();
    List<Object> bag = new CopyOnWriteArrayList<>();
    Consumer<LoopFuture<String>> cb1 = appender(bag, 42);
    Consumer<LoopFuture<String>> cb2 = appender(bag, 17);
    Consumer<LoopFuture<String>> cb3 = appender(bag, 100);
    f.addDoneCallback(cb1);
    f.addDoneCallback(cb2);
    f.addDoneCallback(cb3);

    f.removeDoneCallback(cb3);
    f.removeDoneCallback(cb3);
    f.setResult("foo");
    runBriefly(loop);

    assertThat(bag).containsExactly(42, 17);
  }

  @Test
  void removeDoneCallbackAfterCompletionRemovesNothingAndTheCallbackStillRuns() {
    EventLoop loop = newLoop();
    LoopFuture<String> f = loop.createFuture();
    List<Object> bag = new CopyOnWriteArrayList<>();
    Consumer<LoopFuture<String>> cb = appender(bag, "ran");
    f.addDoneCallback(cb);
    f.setResult("x");

    assertThat(f.removeDoneCallback(cb)).isZero();
    runBriefly(loop);

    assertThat(bag).containsExactly("ran");
  }

  @Test
  void aDoneCallbackRemovingAnotherDuringSchedulingDoesNotBreakTheFuture() {
    EventLoop loop = newLoop();
    LoopFuture<Integer> f = loop.createFuture();
    List<Object> bag = new CopyOnWriteArrayList<>();
    Consumer<LoopFuture<Integer>> other = appender(bag, "other");
    f.addDoneCallback(fut -> bag.add("removed " + fut.removeDoneCallback(other)));
    f.addDoneCallback(other);
    f.addDoneCallback(other);

    f.setResult(1);
    runBriefly(loop);

    // All three were scheduled when the future completed, so nothing was left to remove.
    assertThat(bag).containsExactly("removed 0", "other", "other");
  }

  @Test
  void aDoneCallbackThatThrowsIsReportedToTheExceptionHandlerAndTheOthersStillRun() {
    EventLoop loop = newLoop();
    List<ExceptionContext> reported = new CopyOnWriteArrayList<>();
    loop.setExceptionHandler((l, ctx) -> reported.add(ctx));
    LoopFuture<Integer> f = loop.createFuture();
    IllegalStateException boom = new IllegalStateException("boom");
    List<Object> bag = new CopyOnWriteArrayList<>();
    f.addDoneCallback(
        fut -> {
          throw boom;
        });
    f.addDoneCallback(appender(bag, "after"));

    f.setResult(1);
    runBriefly(loop);

    assertThat(bag).containsExactly("after");
    assertThat(reported).hasSize(1);
    assertThat(reported.get(0).exception()).isSameAs(boom);
  }

  // ---------------------------------------------------------------- threads

  @Test
  void completingFromAnotherThreadWhileTheLoopRunsSchedulesCallbacksOnTheLoop() throws Exception {
    EventLoop loop = newLoop();
    LoopFuture<Integer> f = loop.createFuture();
    AtomicReference<Thread> callbackThread = new AtomicReference<>();
    AtomicReference<Boolean> callbackInLoop = new AtomicReference<>();
    LoopFuture<Integer> seen = loop.createFuture();
    f.addDoneCallback(
        fut -> {
          callbackThread.set(Thread.currentThread());
          callbackInLoop.set(loop.inEventLoop());
          seen.setResult(fut.result());
        });
    AtomicReference<Thread> completer = new AtomicReference<>();
    loop.callSoon(
        () -> {
          Thread t = new Thread(() -> f.setResult(5), "completer");
          completer.set(t);
          t.start();
        });

    assertThat(loop.runUntilComplete(seen)).isEqualTo(5);

    completer.get().join(10_000);
    assertThat(callbackThread.get()).isSameAs(Thread.currentThread());
    assertThat(callbackInLoop.get()).isTrue();
  }

  @Test
  void cancellingFromAnotherThreadWhileTheLoopRunsSchedulesCallbacksOnTheLoop() {
    EventLoop loop = newLoop();
    LoopFuture<Integer> f = loop.createFuture();
    AtomicReference<Thread> callbackThread = new AtomicReference<>();
    LoopFuture<Boolean> seen = loop.createFuture();
    f.addDoneCallback(
        fut -> {
          callbackThread.set(Thread.currentThread());
          seen.setResult(fut.isCancelled());
        });
    loop.callSoon(() -> new Thread(f::cancel, "canceller").start());

    assertThat(loop.runUntilComplete(seen)).isTrue();
    assertThat(callbackThread.get()).isSameAs(Thread.currentThread());
  }

  @Test
  void runUntilCompleteReturnsWhenAnotherThreadCompletesTheFuture() {
    EventLoop loop = newLoop();
    LoopFuture<String> f = loop.createFuture();
    loop.callSoon(() -> CompletableFuture.runAsync(() -> f.setResult("from elsewhere")));

    assertThat(loop.runUntilComplete(f)).isEqualTo("from elsewhere");
  }

  @Test
  void getWithTimeoutFromAnotherThreadReturnsTheResultTheLoopSets() {
    EventLoop loop = newLoop();
    LoopFuture<Integer> f = loop.createFuture();
    CompletableFuture<Integer> got = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              try {
                got.complete(f.get(20, TimeUnit.SECONDS));
              } catch (Throwable e) {
                got.completeExceptionally(e);
              }
            },
            "reader");
    // The loop sets the result only once the reader has started; the reader blocks or not,
    // either way it must see 99.
    loop.callSoon(
        () -> {
          reader.start();
          loop.callSoon(() -> f.setResult(99));
        });

    assertThat(loop.runUntilComplete(got)).isEqualTo(99);
  }

  @Test
  void getWithTimeoutFromAnotherThreadOnAPendingFutureTimesOut() {
    LoopFuture<Integer> f = newLoop().createFuture();

    CompletableFuture<Throwable> outcome =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                f.get(50, TimeUnit.MILLISECONDS);
                return null;
              } catch (Throwable e) {
                return e;
              }
            });

    assertThat(outcome.join()).isInstanceOf(TimeoutException.class);
    assertThat(f.isDone()).isFalse();
  }

  @Test
  void getOnTheLoopThreadOfAPendingFutureThrowsIllegalStateInsteadOfDeadlocking() {
    EventLoop loop = newLoop();
    LoopFuture<Integer> f = loop.createFuture();
    LoopFuture<Throwable> outcome = loop.createFuture();
    loop.callSoon(
        () -> {
          try {
            f.get();
            outcome.setResult(null);
          } catch (Throwable e) {
            outcome.setResult(e);
          }
        });

    assertThat(loop.runUntilComplete(outcome)).isInstanceOf(IllegalStateException.class);
    assertThat(f.isDone()).isFalse();
  }

  @Test
  void joinOnTheLoopThreadOfAPendingFutureThrowsIllegalStateInsteadOfDeadlocking() {
    EventLoop loop = newLoop();
    LoopFuture<Integer> f = loop.createFuture();
    LoopFuture<Throwable> outcome = loop.createFuture();
    loop.callSoon(
        () -> {
          try {
            f.toCompletableFuture().join();
            outcome.setResult(null);
          } catch (Throwable e) {
            outcome.setResult(e);
          }
        });

    assertThat(loop.runUntilComplete(outcome)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void getOnTheLoopThreadOfADoneFutureReturnsItsResult() {
    EventLoop loop = newLoop();
    LoopFuture<Integer> f = loop.createFuture();
    f.setResult(3);
    LoopFuture<Integer> outcome = loop.createFuture();
    loop.callSoon(
        () -> {
          try {
            outcome.setResult(f.get());
          } catch (Throwable e) {
            outcome.setException(e);
          }
        });

    assertThat(loop.runUntilComplete(outcome)).isEqualTo(3);
  }

  @Test
  void doneCallbacksAddedFromManyThreadsAllRunOnce() throws Exception {
    EventLoop loop = newLoop();
    LoopFuture<Integer> f = loop.createFuture();
    List<Integer> ran = Collections.synchronizedList(new ArrayList<>());
    List<Thread> adders = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int base = t * 100;
      Thread adder =
          new Thread(
              () -> {
                for (int i = 0; i < 25; i++) {
                  int id = base + i;
                  f.addDoneCallback(fut -> ran.add(id));
                }
              });
      adders.add(adder);
      adder.start();
    }
    for (Thread adder : adders) {
      adder.join(10_000);
      assertThat(adder.isAlive()).isFalse();
    }

    f.setResult(0);
    runBriefly(loop);

    assertThat(ran).hasSize(100).doesNotHaveDuplicates();
  }
}
