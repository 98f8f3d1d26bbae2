package dev.loop;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Order of ready callbacks: asyncio's {@code call_soon}, {@code call_soon_threadsafe} and the
 * "one iteration runs what was ready when it began" rule of {@code _run_once}.
 */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class EventLoopOrderingTest {

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

  @Test
  void callSoonRunsCallbacksInTheOrderTheyWereScheduled() {
    List<Integer> ran = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      int n = i;
      loop.callSoon(() -> ran.add(n));
    }
    loop.callSoon(loop::stop);

    loop.runForever();

    assertThat(ran).containsExactlyElementsOf(range(100));
  }

  @Test
  void callbacksScheduledDuringAnIterationRunInTheNext() {
    List<String> ran = new ArrayList<>();
    loop.callSoon(
        () -> {
          ran.add("A");
          loop.callSoon(() -> ran.add("B"));
        });
    // scheduled before B exists: it stops the loop at the end of the iteration that runs A
    loop.callSoon(loop::stop);

    loop.runForever();

    assertThat(ran).containsExactly("A");

    loop.callSoon(loop::stop);
    loop.runForever();

    assertThat(ran).containsExactly("A", "B");
  }

  @Test
  void callbackScheduledByACallbackThatStopsTheLoopWaitsForTheNextRun() {
    List<String> ran = new ArrayList<>();
    loop.callSoon(
        () -> {
          ran.add("A");
          loop.callSoon(() -> ran.add("B"));
          loop.stop();
        });

    loop.runForever();
    assertThat(ran).containsExactly("A");

    loop.stop();
    loop.runForever();
    assertThat(ran).containsExactly("A", "B");
  }

  @Test
  void callbacksScheduledBeforeRunningKeepTheirOrderAcrossCallSoonAndCallSoonThreadsafe() {
    List<Integer> ran = new ArrayList<>();
    loop.callSoon(() -> ran.add(1));
    loop.callSoonThreadsafe(() -> ran.add(2));
    loop.callSoon(() -> ran.add(3));
    loop.execute(() -> ran.add(4));
    loop.callSoonThreadsafe(() -> ran.add(5));
    loop.callSoon(() -> ran.add(6));
    loop.callSoon(loop::stop);

    loop.runForever();

    assertThat(ran).containsExactly(1, 2, 3, 4, 5, 6);
  }

  @Test
  void callbacksScheduledOnTheLoopThreadKeepTheirOrderAcrossCallSoonAndCallSoonThreadsafe() {
    List<Integer> ran = new ArrayList<>();
    loop.callSoon(
        () -> {
          loop.callSoonThreadsafe(() -> ran.add(1));
          loop.callSoon(() -> ran.add(2));
          loop.execute(() -> ran.add(3));
          loop.callSoon(() -> ran.add(4));
          loop.callSoonThreadsafe(() -> ran.add(5));
          loop.callSoon(loop::stop);
        });

    loop.runForever();

    assertThat(ran).containsExactly(1, 2, 3, 4, 5);
  }

  @Test
  void callSoonThreadsafeFromAnotherThreadRunsOnTheLoopThreadAndWakesTheBlockedLoop()
      throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    AtomicReference<Thread> ranOn = new AtomicReference<>();
    loop.callSoon(running::countDown);
    // Nothing else is scheduled: the loop blocks waiting until the other thread wakes it.
    Thread other =
        new Thread(
            () -> {
              try {
                running.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
              }
              loop.callSoonThreadsafe(
                  () -> {
                    ranOn.set(Thread.currentThread());
                    loop.stop();
                  });
            },
            "producer");
    other.start();

    loop.runForever();
    other.join();

    assertThat(ranOn.get()).isSameAs(Thread.currentThread());
  }

  @Test
  void callSoonThreadsafeWakesALoopWaitingForADistantTimer() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    AtomicBoolean distantRan = new AtomicBoolean();
    loop.callLater(Duration.ofHours(1), () -> distantRan.set(true));
    loop.callSoon(running::countDown);
    Thread other =
        new Thread(
            () -> {
              try {
                running.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
              }
              loop.callSoonThreadsafe(loop::stop);
            },
            "waker");
    other.start();

    loop.runForever();
    other.join();

    assertThat(distantRan).isFalse();
  }

  @Test
  void executeFromAnotherThreadRunsTheCommandOnTheLoopThread() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    AtomicReference<Thread> ranOn = new AtomicReference<>();
    loop.callSoon(running::countDown);
    CompletableFuture<Void> submitted =
        CompletableFuture.runAsync(
            () -> {
              try {
                running.await();
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
              loop.execute(
                  () -> {
                    ranOn.set(Thread.currentThread());
                    loop.stop();
                  });
            });

    loop.runForever();
    submitted.get(5, TimeUnit.SECONDS);

    assertThat(ranOn.get()).isSameAs(Thread.currentThread());
  }

  @Test
  void callbacksFromOneOtherThreadRunInTheOrderThatThreadScheduledThem() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    List<Integer> ran = new ArrayList<>();
    loop.callSoon(running::countDown);
    Thread other =
        new Thread(
            () -> {
              try {
                running.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
              }
              for (int i = 0; i < 10_000; i++) {
                int n = i;
                if (i % 2 == 0) {
                  loop.callSoonThreadsafe(() -> ran.add(n));
                } else {
                  loop.execute(() -> ran.add(n));
                }
              }
              loop.callSoonThreadsafe(loop::stop);
            },
            "producer");
    other.start();

    loop.runForever();
    other.join();

    assertThat(ran).containsExactlyElementsOf(range(10_000));
  }

  @Test
  void cancelledHandleNeverRuns() {
    AtomicBoolean ran = new AtomicBoolean();
    Handle handle = loop.callSoon(() -> ran.set(true));
    handle.cancel();
    loop.callSoon(loop::stop);

    loop.runForever();

    assertThat(ran).isFalse();
    assertThat(handle.isCancelled()).isTrue();
  }

  @Test
  void handleCancelledByAnEarlierCallbackOfTheSameIterationNeverRuns() {
    List<String> ran = new ArrayList<>();
    AtomicReference<Handle> second = new AtomicReference<>();
    loop.callSoon(
        () -> {
          ran.add("first");
          second.get().cancel();
        });
    second.set(loop.callSoon(() -> ran.add("second")));
    loop.callSoon(() -> ran.add("third"));
    loop.callSoon(loop::stop);

    loop.runForever();

    assertThat(ran).containsExactly("first", "third");
    assertThat(second.get().isCancelled()).isTrue();
  }

  @Test
  void cancelledThreadsafeHandleNeverRuns() {
    AtomicBoolean ran = new AtomicBoolean();
    Handle handle = loop.callSoonThreadsafe(() -> ran.set(true));
    handle.cancel();
    loop.callSoon(loop::stop);

    loop.runForever();

    assertThat(ran).isFalse();
  }

  @Test
  void handleIsNotCancelledUntilCancelIsCalled() {
    Handle handle = loop.callSoon(() -> {});
    assertThat(handle.isCancelled()).isFalse();
    handle.cancel();
    handle.cancel(); // twice does nothing more
    assertThat(handle.isCancelled()).isTrue();
  }

  @Test
  void cancellingAHandleAfterItsCallbackRanDoesNothing() {
    List<String> ran = new ArrayList<>();
    Handle handle = loop.callSoon(() -> ran.add("ran"));
    loop.callSoon(loop::stop);
    loop.runForever();

    handle.cancel();

    assertThat(ran).containsExactly("ran");
    assertThat(handle.isCancelled()).isFalse();
  }

  @Test
  void handleToStringNamesTheCallback() {
    Handle handle = loop.callSoon(new NamedCallback());
    Handle threadsafe = loop.callSoonThreadsafe(new NamedCallback());

    assertThat(handle.toString()).contains("NamedCallback");
    assertThat(threadsafe.toString()).contains("NamedCallback");
  }

  @Test
  void handleCapturesTheContextCurrentWhenItWasMade() {
    Handle handle = loop.callSoon(() -> {});
    assertThat(handle.context()).isNotNull();

    LoopContext explicit = LoopContext.empty();
    Handle withContext = loop.callSoon(() -> {}, explicit);
    assertThat(withContext.context()).isSameAs(explicit);
  }

  @Test
  void callbackRunsInTheContextGivenExplicitly() {
    ContextVar<String> var = ContextVar.named("orderingTestVar");
    LoopContext context = LoopContext.empty().copy();
    context.run(() -> var.set("inside"));
    AtomicReference<String> seen = new AtomicReference<>();
    loop.callSoon(() -> seen.set(var.get("unset")), context);
    loop.callSoon(loop::stop);

    loop.runForever();

    assertThat(seen.get()).isEqualTo("inside");
  }

  private static List<Integer> range(int n) {
    return IntStream.range(0, n).boxed().collect(Collectors.toList());
  }

  /** A callback whose class name and {@code toString} both say "NamedCallback". */
  private static final class NamedCallback implements Runnable {
    @Override
    public void run() {}

    @Override
    public String toString() {
      return "NamedCallback";
    }
  }
}
