package dev.loop;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many threads feeding one running loop: every callback runs exactly once, and each thread's
 * callbacks run in the order that thread scheduled them.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CallbackStressTest {

  private static final int THREADS = 4;
  private static final int PER_THREAD = 250_000;

  /** Bounds the forced collections of the collecting stress tests. */
  private static final int MAX_FORCED_COLLECTIONS = 100;

  private EventLoop loop;
  private final CountDownLatch running = new CountDownLatch(1);

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

  /**
   * What the loop thread saw. Touched only by callbacks, which all run on the loop thread one at a
   * time, so it needs no synchronisation; the test reads it after {@code runForever} returned.
   */
  private static final class Tally {
    final int[] next = new int[THREADS];
    final int[] count = new int[THREADS];
    final int[] outOfOrder = new int[THREADS];
    int total;

    void record(int thread, int seq) {
      if (seq != next[thread]) {
        outOfOrder[thread]++;
      }
      next[thread] = seq + 1;
      count[thread]++;
      total++;
    }
  }

  /**
   * Runs the loop on the test thread while {@link #THREADS} producers each submit {@link
   * #PER_THREAD} callbacks through {@code submit}; the last callback to run stops the loop.
   */
  private Tally stress(BiConsumer<EventLoop, Runnable> submit) throws Exception {
    return stress(submit, false);
  }

  /**
   * As {@link #stress(BiConsumer)}; with {@code collecting}, one more thread forces garbage
   * collections (at most {@value #MAX_FORCED_COLLECTIONS}) until the producers are done. After a
   * collection the loop moves its queues to fresh arrays, so this runs that hand-over under load.
   */
  private Tally stress(BiConsumer<EventLoop, Runnable> submit, boolean collecting) throws Exception {
    Tally tally = new Tally();
    if (collecting) {
      Thread collector = new Thread(() -> {
        try {
          running.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < MAX_FORCED_COLLECTIONS && loop.isRunning(); i++) {
          System.gc();
        }
      }, "collector");
      collector.setDaemon(true);
      collector.start();
    }
    loop.callSoon(running::countDown);
    List<CompletableFuture<Void>> producers = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int thread = t;
      CompletableFuture<Void> done = new CompletableFuture<>();
      producers.add(done);
      Thread producer =
          new Thread(
              () -> {
                try {
                  running.await();
                  for (int seq = 0; seq < PER_THREAD; seq++) {
                    int s = seq;
                    submit.accept(
                        loop,
                        () -> {
                          tally.record(thread, s);
                          if (tally.total == THREADS * PER_THREAD) {
                            loop.stop();
                          }
                        });
                  }
                  done.complete(null);
                } catch (Throwable e) {
                  done.completeExceptionally(e);
                  loop.callSoonThreadsafe(loop::stop);
                }
              },
              "producer-" + t);
      producer.setDaemon(true);
      producer.start();
    }

    loop.runForever();

    for (CompletableFuture<Void> producer : producers) {
      producer.get(30, TimeUnit.SECONDS);
    }
    return tally;
  }

  private static void assertEveryCallbackRanOnceInOrder(Tally tally) {
    for (int t = 0; t < THREADS; t++) {
      assertThat(tally.outOfOrder[t]).as("callbacks of producer %d out of order", t).isZero();
      assertThat(tally.count[t]).as("callbacks of producer %d run", t).isEqualTo(PER_THREAD);
      assertThat(tally.next[t]).as("last sequence number of producer %d", t).isEqualTo(PER_THREAD);
    }
    assertThat(tally.total).isEqualTo(THREADS * PER_THREAD);
  }

  @Test
  void callSoonThreadsafeFromFourThreadsRunsEveryCallbackOnceInEachThreadsOrder()
      throws Exception {
    Tally tally = stress(EventLoop::callSoonThreadsafe);

    assertEveryCallbackRanOnceInOrder(tally);
  }

  @Test
  void executeFromFourThreadsRunsEveryCommandOnceInEachThreadsOrder() throws Exception {
    Tally tally = stress(EventLoop::execute);

    assertEveryCallbackRanOnceInOrder(tally);
  }

  @Test
  void callSoonThreadsafeFromFourThreadsKeepsEachThreadsOrderAcrossGarbageCollections()
      throws Exception {
    Tally tally = stress(EventLoop::callSoonThreadsafe, true);

    assertEveryCallbackRanOnceInOrder(tally);
  }

  @Test
  void executeFromFourThreadsKeepsEachThreadsOrderAcrossGarbageCollections() throws Exception {
    Tally tally = stress(EventLoop::execute, true);

    assertEveryCallbackRanOnceInOrder(tally);
  }

  @Test
  void callSoonOnTheLoopThreadKeepsItsOrderAcrossGarbageCollections() {
    // Each round leaves 3,000 callbacks queued (more than the ring's first size, with its head
    // moved on) and forces a collection, so the next iteration moves them to a fresh ring.
    int rounds = 20;
    int perRound = 3_000;
    List<Integer> ran = new ArrayList<>();
    int[] scheduled = {0};
    Runnable[] round = new Runnable[1];
    round[0] = () -> {
      for (int i = 0; i < perRound; i++) {
        int n = scheduled[0]++;
        loop.callSoon(() -> ran.add(n));
      }
      System.gc();
      if (scheduled[0] < rounds * perRound) {
        loop.callSoon(round[0]);
      } else {
        loop.callSoon(loop::stop);
      }
    };
    loop.callSoon(round[0]);

    loop.runForever();

    assertThat(ran).hasSize(rounds * perRound);
    for (int i = 0; i < ran.size(); i++) {
      if (ran.get(i) != i) {
        assertThat(ran.get(i)).as("callback at position %d", i).isEqualTo(i);
      }
    }
  }

  @Test
  void executeFromFourThreadsBeforeTheLoopRunsKeepsEveryCommandInEachThreadsOrder()
      throws Exception {
    // Nothing is consumed while the producers run, so the cross-thread queue grows far past one
    // chunk, under contention, and the loop then drains it all.
    Tally tally = new Tally();
    List<Thread> producers = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int thread = t;
      Thread producer =
          new Thread(
              () -> {
                for (int seq = 0; seq < PER_THREAD; seq++) {
                  int s = seq;
                  loop.execute(() -> tally.record(thread, s));
                }
              },
              "producer-" + t);
      producer.start();
      producers.add(producer);
    }
    for (Thread producer : producers) {
      producer.join(TimeUnit.SECONDS.toMillis(30));
      assertThat(producer.isAlive()).as("%s finished", producer.getName()).isFalse();
    }
    loop.callSoonThreadsafe(loop::stop);

    loop.runForever();

    assertEveryCallbackRanOnceInOrder(tally);
  }

  @Test
  void threadsafeCallbacksInterleavedWithLoopCallbacksAllRunOnceInOrder() throws Exception {
    int[] loopSide = new int[1];
    int[] loopScheduled = new int[1];
    boolean[] loopSideOrdered = {true};
    Tally tally =
        stress(
            (l, cb) ->
                l.callSoonThreadsafe(
                    () -> {
                      cb.run();
                      // each threadsafe callback also schedules one from the loop thread; those
                      // must run in the order they were scheduled
                      int expected = loopScheduled[0]++;
                      l.callSoon(
                          () -> {
                            if (loopSide[0] != expected) {
                              loopSideOrdered[0] = false;
                            }
                            loopSide[0]++;
                          });
                    }));

    assertEveryCallbackRanOnceInOrder(tally);
    // the last callback stopped the loop; the loop-side callbacks it scheduled run on the next run
    loop.callSoon(loop::stop);
    loop.runForever();
    assertThat(loopSideOrdered[0]).isTrue();
    assertThat(loopSide[0]).isEqualTo(THREADS * PER_THREAD);
  }

  @Test
  void timersFromFourThreadsWhileTheLoopRunsFireExactlyOnceEach() throws Exception {
    int perThread = 10_000;
    int[] fired = new int[1];
    boolean[][] seen = new boolean[THREADS][perThread];
    int[] duplicates = new int[1];
    CountDownLatch running = new CountDownLatch(1);
    loop.callSoon(running::countDown);
    List<CompletableFuture<Void>> producers = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int thread = t;
      CompletableFuture<Void> done = new CompletableFuture<>();
      producers.add(done);
      Thread producer =
          new Thread(
              () -> {
                try {
                  running.await();
                  long base = loop.time();
                  for (int i = 0; i < perThread; i++) {
                    int n = i;
                    long when = base + ThreadLocalRandom.current().nextLong(20_000_000L);
                    loop.callAt(
                        when,
                        () -> {
                          if (seen[thread][n]) {
                            duplicates[0]++;
                          }
                          seen[thread][n] = true;
                          fired[0]++;
                          if (fired[0] == THREADS * perThread) {
                            loop.stop();
                          }
                        });
                  }
                  done.complete(null);
                } catch (Throwable e) {
                  done.completeExceptionally(e);
                  loop.callSoonThreadsafe(loop::stop);
                }
              },
              "timer-producer-" + t);
      producer.setDaemon(true);
      producer.start();
    }

    loop.runForever();

    for (CompletableFuture<Void> producer : producers) {
      producer.get(30, TimeUnit.SECONDS);
    }
    assertThat(fired[0]).isEqualTo(THREADS * perThread);
    assertThat(duplicates[0]).isZero();
    for (int t = 0; t < THREADS; t++) {
      for (int i = 0; i < perThread; i++) {
        assertThat(seen[t][i]).as("timer %d of producer %d fired", i, t).isTrue();
      }
    }
  }

  @Test
  void timersScheduledBeforeRunningFromFourThreadsFireInDeadlineOrder() throws Exception {
    int perThread = 10_000;
    List<Long> firedWhen = new ArrayList<>();
    long base = loop.time() + 50_000_000L;
    List<CompletableFuture<Void>> producers = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      producers.add(
          CompletableFuture.runAsync(
              () -> {
                for (int i = 0; i < perThread; i++) {
                  long when = base + ThreadLocalRandom.current().nextLong(20_000_000L);
                  loop.callAt(when, () -> firedWhen.add(when));
                }
              },
              r -> {
                Thread th = new Thread(r, "timer-scheduler");
                th.setDaemon(true);
                th.start();
              }));
    }
    for (CompletableFuture<Void> producer : producers) {
      producer.get(30, TimeUnit.SECONDS);
    }
    loop.callAt(base + 20_000_000L, loop::stop);

    loop.runForever();

    assertThat(firedWhen).hasSize(THREADS * perThread).isSorted();
  }

  /**
   * Another thread schedules one callback at a time through {@code submit} and waits until it ran,
   * many times over: the loop is usually asleep when the callback arrives, so a lost wake-up shows
   * up as a callback that does not run within seconds.
   */
  private void pingPong(String how, BiConsumer<EventLoop, Runnable> submit) throws Exception {
    int rounds = 20_000;
    CountDownLatch running = new CountDownLatch(1);
    loop.callSoon(running::countDown);
    CompletableFuture<Integer> done = new CompletableFuture<>();
    Thread pinger =
        new Thread(
            () -> {
              try {
                running.await();
                java.util.concurrent.Semaphore pong = new java.util.concurrent.Semaphore(0);
                for (int i = 0; i < rounds; i++) {
                  submit.accept(loop, pong::release);
                  if (!pong.tryAcquire(5, TimeUnit.SECONDS)) {
                    done.complete(i);
                    loop.callSoonThreadsafe(loop::stop);
                    return;
                  }
                }
                done.complete(rounds);
              } catch (Throwable t) {
                done.completeExceptionally(t);
              }
              loop.callSoonThreadsafe(loop::stop);
            },
            "pinger");
    pinger.setDaemon(true);
    pinger.start();

    loop.runForever();

    assertThat(done.get(30, TimeUnit.SECONDS))
        .as("rounds of %s that ran before a wake-up was lost", how)
        .isEqualTo(rounds);
  }

  @Test
  void callSoonThreadsafeNeverLosesAWakeup() throws Exception {
    pingPong("callSoonThreadsafe", EventLoop::callSoonThreadsafe);
  }

  @Test
  void executeNeverLosesAWakeup() throws Exception {
    pingPong("execute", EventLoop::execute);
  }

  @Test
  void zeroDelayTimerFromAnotherThreadNeverLosesAWakeup() throws Exception {
    pingPong("callLater(ZERO)", (l, cb) -> l.callLater(java.time.Duration.ZERO, cb));
  }

  @Test
  void futureCompletedFromAnotherThreadNeverLosesAWakeup() throws Exception {
    pingPong(
        "LoopFuture.setResult",
        (l, cb) -> {
          LoopFuture<String> future = l.createFuture();
          future.addDoneCallback(f -> cb.run());
          future.setResult("pong");
        });
  }

  @Test
  void stopFromAnotherThreadAlwaysStopsTheLoop() throws Exception {
    for (int i = 0; i < 2_000; i++) {
      CountDownLatch running = new CountDownLatch(1);
      loop.callSoon(running::countDown);
      Thread stopper =
          new Thread(
              () -> {
                try {
                  running.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  return;
                }
                loop.stop();
              },
              "stopper-" + i);
      stopper.setDaemon(true);
      stopper.start();

      loop.runForever(); // a lost wake-up hangs here until the class timeout

      stopper.join();
      assertThat(loop.isRunning()).isFalse();
    }
  }
}
