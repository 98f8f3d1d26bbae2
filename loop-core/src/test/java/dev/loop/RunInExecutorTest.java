package dev.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link EventLoop#runInExecutor}, {@link EventLoop#setDefaultExecutor} and {@link
 * EventLoop#shutdownDefaultExecutor}: the executor cases of CPython's {@code
 * test_asyncio/test_base_events.py}.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RunInExecutorTest {

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

  @Test
  void runInExecutorReturnsAFutureOfTheLoopCompletedWithTheResult() {
    EventLoop loop = newLoop();

    LoopFuture<Integer> f = loop.runInExecutor(null, () -> 6 * 7);

    assertThat(f.getLoop()).isSameAs(loop);
    assertThat(loop.runUntilComplete(f)).isEqualTo(42);
    assertThat(f.result()).isEqualTo(42);
  }

  @Test
  void theResultIsDeliveredOnTheLoopThread() {
    EventLoop loop = newLoop();
    LoopFuture<String> f = loop.runInExecutor(null, () -> "x");
    AtomicReference<Thread> callbackThread = new AtomicReference<>();
    LoopFuture<Void> seen = loop.createFuture();
    f.addDoneCallback(
        fut -> {
          callbackThread.set(Thread.currentThread());
          seen.setResult(null);
        });

    loop.runUntilComplete(seen);

    assertThat(callbackThread.get()).isSameAs(Thread.currentThread());
  }

  @Test
  void anUncheckedExceptionOfTheCallPropagatesUnwrapped() {
    EventLoop loop = newLoop();
    IllegalStateException boom = new IllegalStateException("boom");

    LoopFuture<Integer> f =
        loop.runInExecutor(
            null,
            () -> {
              throw boom;
            });

    assertThatThrownBy(() -> loop.runUntilComplete(f)).isSameAs(boom);
    assertThat(f.exception()).isSameAs(boom);
  }

  @Test
  void aCheckedExceptionOfTheCallPropagatesWrappedInCompletionException() {
    EventLoop loop = newLoop();
    IOException boom = new IOException("io");

    LoopFuture<Integer> f =
        loop.runInExecutor(
            null,
            () -> {
              throw boom;
            });

    assertThatThrownBy(() -> loop.runUntilComplete(f))
        .isInstanceOf(CompletionException.class)
        .hasCause(boom);
    assertThat(f.exception()).isSameAs(boom);
  }

  @Test
  void theDefaultExecutorRunsTheCallOffTheLoopThread() {
    EventLoop loop = newLoop();
    AtomicReference<Boolean> inLoop = new AtomicReference<>();

    LoopFuture<Thread> f =
        loop.runInExecutor(
            null,
            () -> {
              inLoop.set(loop.inEventLoop());
              return Thread.currentThread();
            });

    Thread callThread = loop.runUntilComplete(f);
    assertThat(callThread).isNotSameAs(Thread.currentThread());
    assertThat(inLoop.get()).isFalse();
  }

  @Test
  void anExplicitExecutorIsUsed() {
    EventLoop loop = newLoop();
    ExecutorService ex = namedExecutor("explicit-executor");

    LoopFuture<String> f = loop.runInExecutor(ex, () -> Thread.currentThread().getName());

    assertThat(loop.runUntilComplete(f)).isEqualTo("explicit-executor");
  }

  @Test
  void runInExecutorMayBeCalledFromAnotherThreadWhileTheLoopRuns() {
    EventLoop loop = newLoop();
    LoopFuture<Integer> result = loop.createFuture();
    loop.callSoon(
        () ->
            new Thread(
                    () -> {
                      LoopFuture<Integer> f = loop.runInExecutor(null, () -> 5);
                      f.addDoneCallback(
                          done -> result.setResult(done.result() + 1));
                    })
                .start());

    assertThat(loop.runUntilComplete(result)).isEqualTo(6);
  }

  @Test
  void runInExecutorRejectsANullCallable() {
    EventLoop loop = newLoop();

    assertThatThrownBy(() -> loop.runInExecutor(null, null))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void runInExecutorOnAClosedLoopThrowsIllegalState() {
    EventLoop loop = newLoop();
    loop.close();

    assertThatThrownBy(() -> loop.runInExecutor(null, () -> 1))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void anExecutorThatRejectsTheCallMakesRunInExecutorThrowRejectedExecution() {
    EventLoop loop = newLoop();
    Executor rejecting =
        command -> {
          throw new RejectedExecutionException("full");
        };

    assertThatThrownBy(() -> loop.runInExecutor(rejecting, () -> 1))
        .isInstanceOf(RejectedExecutionException.class);
  }

  // ---------------------------------------------------------------- cancellation

  @Test
  void cancellingTheFutureInterruptsTheRunningCall() throws Exception {
    EventLoop loop = newLoop();
    BlockingQueue<String> neverFed = new ArrayBlockingQueue<>(1);
    CountDownLatch started = new CountDownLatch(1);
    CompletableFuture<Boolean> interrupted = new CompletableFuture<>();

    LoopFuture<String> f =
        loop.runInExecutor(
            null,
            () -> {
              started.countDown();
              try {
                String item = neverFed.poll(20, TimeUnit.SECONDS);
                interrupted.complete(false);
                return item;
              } catch (InterruptedException e) {
                interrupted.complete(true);
                throw e;
              }
            });
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

    assertThat(f.cancel()).isTrue();

    assertThat(interrupted.get(10, TimeUnit.SECONDS)).isTrue();
    assertThat(f.isCancelled()).isTrue();
    assertThatThrownBy(() -> loop.runUntilComplete(f))
        .isInstanceOf(java.util.concurrent.CancellationException.class);
  }

  @Test
  void cancellingBeforeTheCallStartsMeansItNeverRuns() throws Exception {
    EventLoop loop = newLoop();
    ExecutorService ex = namedExecutor("busy");
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch blockerStarted = new CountDownLatch(1);
    ex.execute(
        () -> {
          blockerStarted.countDown();
          try {
            release.await(20, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    assertThat(blockerStarted.await(10, TimeUnit.SECONDS)).isTrue();
    AtomicInteger calls = new AtomicInteger();
    LoopFuture<Integer> f = loop.runInExecutor(ex, calls::incrementAndGet);

    f.cancel();
    release.countDown();
    // A marker queued after the cancelled call: once it ran, the cancelled call had its turn.
    CompletableFuture<Void> marker = CompletableFuture.runAsync(() -> {}, ex);
    marker.get(10, TimeUnit.SECONDS);

    assertThat(calls).hasValue(0);
  }

  // ---------------------------------------------------------------- default executor

  @Test
  void shutdownDefaultExecutorCompletesAndLaterDefaultCallsFail() {
    EventLoop loop = newLoop();
    loop.runUntilComplete(loop.runInExecutor(null, () -> 1));

    LoopFuture<Void> done = loop.shutdownDefaultExecutor();
    loop.runUntilComplete(done);

    assertThat(done.isDone()).isTrue();
    assertThat(done.exception()).isNull();
    assertThatThrownBy(() -> loop.runInExecutor(null, () -> 2))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void shutdownDefaultExecutorWaitsForRunningCallsToFinish() throws Exception {
    EventLoop loop = newLoop();
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicReference<Boolean> finished = new AtomicReference<>(false);
    LoopFuture<String> call =
        loop.runInExecutor(
            null,
            () -> {
              started.countDown();
              release.await(20, TimeUnit.SECONDS);
              finished.set(true);
              return "finished";
            });
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

    LoopFuture<Void> done = loop.shutdownDefaultExecutor();
    assertThat(done.isDone()).isFalse();
    loop.callSoon(release::countDown);
    loop.runUntilComplete(done);

    assertThat(finished.get()).isTrue();
    assertThat(loop.runUntilComplete(call)).isEqualTo("finished");
  }

  @Test
  void shutdownDefaultExecutorCalledTwiceCompletesBothTimes() {
    EventLoop loop = newLoop();
    loop.runUntilComplete(loop.runInExecutor(null, () -> 1));

    LoopFuture<Void> first = loop.shutdownDefaultExecutor();
    LoopFuture<Void> second = loop.shutdownDefaultExecutor();
    loop.runUntilComplete(first);
    loop.runUntilComplete(second);

    assertThat(first.exception()).isNull();
    assertThat(second.exception()).isNull();
  }

  @Test
  void shutdownDefaultExecutorWithoutADefaultExecutorCompletes() {
    EventLoop loop = newLoop();

    loop.runUntilComplete(loop.shutdownDefaultExecutor());

    assertThatThrownBy(() -> loop.runInExecutor(null, () -> 2))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void anExplicitExecutorStillWorksAfterShutdownDefaultExecutor() {
    EventLoop loop = newLoop();
    ExecutorService ex = namedExecutor("still-there");
    loop.runUntilComplete(loop.shutdownDefaultExecutor());

    LoopFuture<String> f = loop.runInExecutor(ex, () -> Thread.currentThread().getName());

    assertThat(loop.runUntilComplete(f)).isEqualTo("still-there");
  }

  @Test
  void aCustomDefaultExecutorIsUsedForNullExecutor() {
    EventLoop loop = newLoop();
    ExecutorService custom = namedExecutor("custom-default");
    AtomicInteger submissions = new AtomicInteger();
    Executor counting =
        command -> {
          submissions.incrementAndGet();
          custom.execute(command);
        };

    loop.setDefaultExecutor(counting);
    LoopFuture<String> f = loop.runInExecutor(null, () -> Thread.currentThread().getName());

    assertThat(loop.runUntilComplete(f)).isEqualTo("custom-default");
    assertThat(submissions).hasValue(1);
  }

  @Test
  void aCustomDefaultExecutorIsNotShutDownByClose() {
    EventLoop loop = newLoop();
    ExecutorService custom = namedExecutor("custom-default");
    loop.setDefaultExecutor(custom);
    loop.runUntilComplete(loop.runInExecutor(null, () -> 1));

    loop.close();

    assertThat(custom.isShutdown()).isFalse();
    assertThat(CompletableFuture.supplyAsync(() -> "alive", custom).join()).isEqualTo("alive");
  }

  @Test
  void aCustomDefaultExecutorIsNotShutDownByShutdownDefaultExecutor() {
    EventLoop loop = newLoop();
    ExecutorService custom = namedExecutor("custom-default");
    loop.setDefaultExecutor(custom);
    loop.runUntilComplete(loop.runInExecutor(null, () -> 1));

    loop.runUntilComplete(loop.shutdownDefaultExecutor());

    assertThat(custom.isShutdown()).isFalse();
  }

  @Test
  void setDefaultExecutorRejectsNull() {
    EventLoop loop = newLoop();

    assertThatThrownBy(() -> loop.setDefaultExecutor(null))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void closeShutsDownTheDefaultExecutorTheLoopMade() throws Exception {
    EventLoop loop = newLoop();
    Thread worker = loop.runUntilComplete(loop.runInExecutor(null, Thread::currentThread));

    loop.close();

    worker.join(10_000);
    assertThat(worker.isAlive()).isFalse();
  }
}
