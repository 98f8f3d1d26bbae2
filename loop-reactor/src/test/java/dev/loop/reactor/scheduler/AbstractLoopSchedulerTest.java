package dev.loop.reactor.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.awaitility.Awaitility.await;

import dev.loop.EventLoop;
import dev.loop.reactor.LoopScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;
import reactor.core.Exceptions;
import reactor.core.Scannable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.NonBlocking;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * The {@link reactor.core.scheduler.Scheduler} contract, checked on every kind of {@link
 * LoopScheduler} as reactor-core's {@code AbstractSchedulerTest} checks its own schedulers: one
 * subclass per kind, with capability flags where kinds differ.
 *
 * <p>Tasks are synchronised with latches, futures and Awaitility; "did not run" is established by
 * letting every loop of the scheduler go through two more iterations ({@link #awaitLoopsIdle}), or
 * by holding the loops busy ({@link #holdLoops}) while the tasks wait behind.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
abstract class AbstractLoopSchedulerTest {

  private final List<LoopScheduler> made = new ArrayList<>();

  /**
   * Makes the scheduler under test: a new one per call.
   *
   * @return a live scheduler
   */
  protected abstract LoopScheduler newScheduler();

  /** Whether disposing the scheduler shuts its loops down (it made them). */
  protected abstract boolean ownsLoops();

  /** Whether the loop threads are Reactor {@link NonBlocking} threads from their start. */
  protected abstract boolean threadsAreNonBlockingMarked();

  /** How many loops the scheduler runs on. */
  protected abstract int loopCount();

  /** A scheduler disposed after the test. */
  protected final LoopScheduler scheduler() {
    LoopScheduler s = newScheduler();
    made.add(s);
    return s;
  }

  @AfterEach
  void disposeSchedulersAndResetHooks() {
    made.forEach(Disposable::dispose);
    Schedulers.resetOnHandleError();
    Schedulers.resetOnScheduleHooks();
  }

  // ---------------------------------------------------------------- helpers

  /** Whether the calling thread runs one of the scheduler's loops now. */
  static boolean onLoopOf(LoopScheduler s) {
    return s.loops().stream().anyMatch(EventLoop::inEventLoop);
  }

  /**
   * Occupies every loop of {@code s} with a task that waits for the returned latch, so that tasks
   * scheduled meanwhile queue behind it. The caller must count the latch down.
   */
  static CountDownLatch holdLoops(LoopScheduler s) throws InterruptedException {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch held = new CountDownLatch(s.loops().size());
    for (EventLoop loop : s.loops()) {
      loop.execute(() -> {
        held.countDown();
        try {
          release.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
    }
    assertThat(held.await(10, TimeUnit.SECONDS)).as("every loop is held").isTrue();
    return release;
  }

  /**
   * Waits until every loop of {@code s} has gone through two more iterations: whatever was ready or
   * due before this call has run by then.
   */
  static void awaitLoopsIdle(LoopScheduler s) throws InterruptedException {
    for (int round = 0; round < 2; round++) {
      CountDownLatch passed = new CountDownLatch(s.loops().size());
      for (EventLoop loop : s.loops()) {
        loop.execute(passed::countDown);
      }
      assertThat(passed.await(10, TimeUnit.SECONDS)).as("every loop went through an iteration").isTrue();
    }
  }

  // ---------------------------------------------------------------- direct scheduling

  @Test
  void directScheduleRunsTheTaskOnALoopThread() throws Exception {
    LoopScheduler s = scheduler();
    CompletableFuture<Boolean> onLoop = new CompletableFuture<>();

    s.schedule(() -> onLoop.complete(onLoopOf(s)));

    assertThat(onLoop.get(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void directTaskReportsNotDisposedWhileRunningAndDisposedOnceItRan() throws Exception {
    LoopScheduler s = scheduler();
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch finish = new CountDownLatch(1);
    CountDownLatch ran = new CountDownLatch(1);

    Disposable d = s.schedule(() -> {
      running.countDown();
      try {
        finish.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ran.countDown();
    });
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(d.isDisposed()).as("running").isFalse();
    finish.countDown();
    assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();

    await().atMost(Duration.ofSeconds(10)).until(d::isDisposed);
  }

  @Test
  void directTaskDisposedBeforeItsTurnNeverRuns() throws Exception {
    LoopScheduler s = scheduler();
    AtomicInteger runs = new AtomicInteger();
    CountDownLatch release = holdLoops(s);
    Disposable d;
    try {
      d = s.schedule(runs::incrementAndGet);
      d.dispose();
      assertThat(d.isDisposed()).isTrue();
    } finally {
      release.countDown();
    }
    awaitLoopsIdle(s);

    assertThat(runs).hasValue(0);
  }

  @Test
  void directScheduleAfterDisposeIsRejectedAndQueuedTasksSkip() throws Exception {
    LoopScheduler s = scheduler();
    AtomicInteger runs = new AtomicInteger();
    List<Disposable> queued = new ArrayList<>();
    CountDownLatch release = holdLoops(s);
    try {
      for (int i = 0; i < 10; i++) {
        queued.add(s.schedule(runs::incrementAndGet));
      }
      s.dispose();
      s.dispose(); // idempotent
    } finally {
      release.countDown();
    }

    assertThat(s.isDisposed()).isTrue();
    assertThat(queued).allMatch(Disposable::isDisposed);
    assertThatExceptionOfType(RejectedExecutionException.class).isThrownBy(() -> s.schedule(() -> {}));
    assertThatExceptionOfType(RejectedExecutionException.class)
        .isThrownBy(() -> s.schedule(() -> {}, 1, TimeUnit.SECONDS));
    assertThatExceptionOfType(RejectedExecutionException.class)
        .isThrownBy(() -> s.schedulePeriodically(() -> {}, 1, 1, TimeUnit.SECONDS));
    if (ownsLoops()) {
      s.disposeGracefully().block(Duration.ofSeconds(10)); // completes once the group has terminated
    } else {
      awaitLoopsIdle(s);
    }
    assertThat(runs).as("tasks queued before dispose() skip").hasValue(0);
  }

  @Test
  void directDelayedTaskRunsNoEarlierThanItsDelayInLoopTime() throws Exception {
    LoopScheduler s = scheduler();
    CompletableFuture<Long> ranAt = new CompletableFuture<>();
    long scheduledAt = s.now(TimeUnit.NANOSECONDS);

    s.schedule(() -> ranAt.complete(s.now(TimeUnit.NANOSECONDS)), 20, TimeUnit.MILLISECONDS);

    assertThat(ranAt.get(10, TimeUnit.SECONDS) - scheduledAt)
        .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(20));
  }

  @Test
  void directDelayedTaskDisposedBeforeItsDeadlineNeverRuns() throws Exception {
    LoopScheduler s = scheduler();
    AtomicInteger runs = new AtomicInteger();

    Disposable d = s.schedule(runs::incrementAndGet, 30, TimeUnit.MILLISECONDS);
    d.dispose();
    long deadline = s.now(TimeUnit.MILLISECONDS) + 30;
    await().atMost(Duration.ofSeconds(10)).until(() -> s.now(TimeUnit.MILLISECONDS) > deadline);
    awaitLoopsIdle(s);

    assertThat(d.isDisposed()).isTrue();
    assertThat(runs).hasValue(0);
  }

  @Test
  void nonPositiveDelayRunsTheTaskAtOnce() throws Exception {
    LoopScheduler s = scheduler();
    CountDownLatch ran = new CountDownLatch(2);

    s.schedule(ran::countDown, 0, TimeUnit.SECONDS);
    s.schedule(ran::countDown, -5, TimeUnit.SECONDS);

    assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
  }

  // ---------------------------------------------------------------- periodic

  @Test
  void periodicTaskRunsRepeatedlyUntilDisposed() throws Exception {
    LoopScheduler s = scheduler();
    AtomicInteger ticks = new AtomicInteger();

    Disposable d = s.schedulePeriodically(ticks::incrementAndGet, 0, 5, TimeUnit.MILLISECONDS);
    await().atMost(Duration.ofSeconds(10)).until(() -> ticks.get() >= 3);
    assertThat(d.isDisposed()).isFalse();
    d.dispose();
    awaitLoopsIdle(s);
    int afterDispose = ticks.get();
    long until = s.now(TimeUnit.MILLISECONDS) + 20;
    await().atMost(Duration.ofSeconds(10)).until(() -> s.now(TimeUnit.MILLISECONDS) > until);
    awaitLoopsIdle(s);

    assertThat(d.isDisposed()).isTrue();
    assertThat(ticks).as("no tick after dispose").hasValue(afterDispose);
  }

  @Test
  void periodicTaskKeepsAFixedRateInLoopTime() throws Exception {
    LoopScheduler s = scheduler();
    long period = TimeUnit.MILLISECONDS.toNanos(10);
    Queue<Long> starts = new ConcurrentLinkedQueue<>();
    long before = s.now(TimeUnit.NANOSECONDS);

    Disposable d = s.schedulePeriodically(() -> starts.add(s.now(TimeUnit.NANOSECONDS)), 10, 10, TimeUnit.MILLISECONDS);
    await().atMost(Duration.ofSeconds(10)).until(() -> starts.size() >= 5);
    d.dispose();

    // Fixed rate: run k never starts before initialDelay + k * period (measured from the call),
    // whatever the previous runs took; a rate drifting by "now + period" would still pass this, the
    // virtual-time test pins the exact deadlines.
    List<Long> runs = new ArrayList<>(starts);
    for (int k = 0; k < 5; k++) {
      assertThat(runs.get(k) - before).as("run %d", k).isGreaterThanOrEqualTo(period + k * period);
    }
  }

  @Test
  void periodicTaskWithZeroPeriodRunsAgainAfterEachRunUntilDisposed() throws Exception {
    LoopScheduler s = scheduler();
    AtomicInteger ticks = new AtomicInteger();

    Disposable d = s.schedulePeriodically(ticks::incrementAndGet, 0, 0, TimeUnit.MILLISECONDS);
    await().atMost(Duration.ofSeconds(10)).until(() -> ticks.get() >= 100);
    d.dispose();
    awaitLoopsIdle(s);
    int afterDispose = ticks.get();
    awaitLoopsIdle(s);

    assertThat(ticks).hasValue(afterDispose);
  }

  @Test
  void periodicTaskThatThrowsIsReportedEachTimeAndKeepsItsSchedule() throws Exception {
    LoopScheduler s = scheduler();
    Queue<Throwable> reported = new ConcurrentLinkedQueue<>();
    Schedulers.onHandleError((thread, error) -> reported.add(error));
    IllegalStateException boom = new IllegalStateException("boom");

    Disposable d = s.schedulePeriodically(() -> {
      throw boom;
    }, 0, 5, TimeUnit.MILLISECONDS);
    // Reactor also hands the error to the thread's uncaught-exception handler, which on an ordinary
    // thread ends in the JVM's default handler: Awaitility must not take that for a test failure.
    await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(10)).until(() -> reported.size() >= 3);
    d.dispose();
    awaitLoopsIdle(s); // a run that had started when disposed reports before the next test

    assertThat(reported).allMatch(e -> e == boom);
  }

  @Test
  void periodicTaskWithZeroPeriodStopsAfterAnError() throws Exception {
    LoopScheduler s = scheduler();
    AtomicInteger runs = new AtomicInteger();
    CountDownLatch reported = new CountDownLatch(1);
    Schedulers.onHandleError((thread, error) -> reported.countDown());

    Disposable d = s.schedulePeriodically(() -> {
      if (runs.incrementAndGet() == 3) {
        throw new IllegalStateException("third run fails");
      }
    }, 0, 0, TimeUnit.MILLISECONDS);
    assertThat(reported.await(10, TimeUnit.SECONDS)).isTrue();
    awaitLoopsIdle(s);

    assertThat(runs).hasValue(3);
    assertThat(d.isDisposed()).isTrue();
  }

  // ---------------------------------------------------------------- workers

  @Test
  void workerRunsTasksOnOneLoopInFifoOrderPerSchedulingThread() throws Exception {
    LoopScheduler s = scheduler();
    Scheduler.Worker worker = s.createWorker();
    int producers = 4;
    int perProducer = 2_500;
    Queue<Integer> order = new ConcurrentLinkedQueue<>();
    Set<Thread> threads = ConcurrentHashMap.newKeySet();
    ExecutorService pool = Executors.newFixedThreadPool(producers);
    try {
      List<CompletableFuture<Void>> sent = new ArrayList<>();
      for (int p = 0; p < producers; p++) {
        int producer = p;
        sent.add(CompletableFuture.runAsync(() -> {
          for (int i = 0; i < perProducer; i++) {
            int value = producer * perProducer + i;
            worker.schedule(() -> {
              threads.add(Thread.currentThread());
              order.add(value);
            });
          }
        }, pool));
      }
      CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
      CountDownLatch last = new CountDownLatch(1);
      worker.schedule(last::countDown);
      assertThat(last.await(20, TimeUnit.SECONDS)).isTrue();
    } finally {
      pool.shutdownNow();
      worker.dispose();
    }

    assertThat(order).hasSize(producers * perProducer);
    assertThat(threads).as("one loop thread").hasSize(1);
    int[] lastSeen = new int[producers];
    java.util.Arrays.fill(lastSeen, -1);
    for (int value : order) {
      int producer = value / perProducer;
      int seq = value % perProducer;
      assertThat(seq).as("producer %d's order", producer).isEqualTo(lastSeen[producer] + 1);
      lastSeen[producer] = seq;
    }
  }

  @Test
  void workerDelayedTasksRunInDeadlineOrder() throws Exception {
    LoopScheduler s = scheduler();
    Scheduler.Worker worker = s.createWorker();
    Queue<Integer> order = new ConcurrentLinkedQueue<>();
    CountDownLatch done = new CountDownLatch(3);

    worker.schedule(() -> {
      order.add(3);
      done.countDown();
    }, 30, TimeUnit.MILLISECONDS);
    worker.schedule(() -> {
      order.add(1);
      done.countDown();
    }, 10, TimeUnit.MILLISECONDS);
    worker.schedule(() -> {
      order.add(2);
      done.countDown();
    }, 20, TimeUnit.MILLISECONDS);

    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(order).containsExactly(1, 2, 3);
  }

  @Test
  void disposingAWorkerCancelsEverythingItStillHoldsTimersIncluded() throws Exception {
    LoopScheduler s = scheduler();
    Scheduler.Worker worker = s.createWorker();
    AtomicInteger runs = new AtomicInteger();
    List<Disposable> tasks = new ArrayList<>();
    CountDownLatch release = holdLoops(s);
    try {
      for (int i = 0; i < 10; i++) {
        tasks.add(worker.schedule(runs::incrementAndGet));
      }
      tasks.add(worker.schedule(runs::incrementAndGet, 10, TimeUnit.MILLISECONDS));
      tasks.add(worker.schedule(runs::incrementAndGet, 1, TimeUnit.HOURS));
      tasks.add(worker.schedulePeriodically(runs::incrementAndGet, 0, 5, TimeUnit.MILLISECONDS));
      worker.dispose();
      worker.dispose(); // idempotent
    } finally {
      release.countDown();
    }
    long until = s.now(TimeUnit.MILLISECONDS) + 20;
    await().atMost(Duration.ofSeconds(10)).until(() -> s.now(TimeUnit.MILLISECONDS) > until);
    awaitLoopsIdle(s);

    assertThat(worker.isDisposed()).isTrue();
    assertThat(tasks).allMatch(Disposable::isDisposed);
    assertThat(runs).hasValue(0);
    assertThat(s.isDisposed()).as("the scheduler lives on").isFalse();
  }

  @Test
  void disposedWorkerThrowsReactorsSharedRejectionOnEverySchedule() {
    LoopScheduler s = scheduler();
    Scheduler.Worker worker = s.createWorker();
    worker.dispose();

    assertThatExceptionOfType(RejectedExecutionException.class)
        .isThrownBy(() -> worker.schedule(() -> {}))
        .isSameAs(Exceptions.failWithRejected());
    assertThatExceptionOfType(RejectedExecutionException.class)
        .isThrownBy(() -> worker.schedule(() -> {}, 1, TimeUnit.SECONDS))
        .isSameAs(Exceptions.failWithRejected());
    assertThatExceptionOfType(RejectedExecutionException.class)
        .isThrownBy(() -> worker.schedulePeriodically(() -> {}, 1, 1, TimeUnit.SECONDS))
        .isSameAs(Exceptions.failWithRejected());
  }

  @Test
  void disposingTheSchedulerDisposesItsWorkersAndLaterWorkersAreBornDisposed() throws Exception {
    LoopScheduler s = scheduler();
    Scheduler.Worker worker = s.createWorker();
    AtomicInteger runs = new AtomicInteger();
    Disposable timer = worker.schedule(runs::incrementAndGet, 1, TimeUnit.HOURS);

    s.dispose();
    Scheduler.Worker late = s.createWorker();

    assertThat(worker.isDisposed()).isTrue();
    assertThat(timer.isDisposed()).isTrue();
    assertThat(late.isDisposed()).isTrue();
    assertThatExceptionOfType(RejectedExecutionException.class)
        .isThrownBy(() -> late.schedule(() -> {}))
        .isSameAs(Exceptions.failWithRejected());
    assertThat(runs).hasValue(0);
  }

  // ---------------------------------------------------------------- errors and hooks

  @Test
  void taskErrorGoesToTheOnHandleErrorHookOnTheLoopThreadAndTheLoopSurvives() throws Exception {
    LoopScheduler s = scheduler();
    CompletableFuture<Boolean> hookOnLoop = new CompletableFuture<>();
    CompletableFuture<Throwable> hookError = new CompletableFuture<>();
    Schedulers.onHandleError((thread, error) -> {
      hookOnLoop.complete(thread == Thread.currentThread() && onLoopOf(s));
      hookError.complete(error);
    });
    IllegalStateException boom = new IllegalStateException("boom");
    Scheduler.Worker worker = s.createWorker();

    worker.schedule(() -> {
      throw boom;
    });

    assertThat(hookError.get(10, TimeUnit.SECONDS)).isSameAs(boom);
    assertThat(hookOnLoop.get(10, TimeUnit.SECONDS)).isTrue();
    CountDownLatch after = new CountDownLatch(1);
    worker.schedule(after::countDown);
    assertThat(after.await(10, TimeUnit.SECONDS)).as("the loop runs the next task").isTrue();
    for (EventLoop loop : s.loops()) {
      assertThat(loop.isRunning()).isTrue();
    }
  }

  @Test
  void everyKindOfTaskPassesThroughTheOnScheduleHook() throws Exception {
    LoopScheduler s = scheduler();
    // The hook records the tasks it decorates, and their wrappers record that they ran: identity,
    // not a count, so Reactor work elsewhere in the JVM cannot blur the result.
    Set<Runnable> decorated = ConcurrentHashMap.newKeySet();
    Set<Runnable> ranDecorated = ConcurrentHashMap.newKeySet();
    Schedulers.onScheduleHook("test", task -> {
      decorated.add(task);
      return () -> {
        ranDecorated.add(task);
        task.run();
      };
    });
    Scheduler.Worker worker = s.createWorker();
    CountDownLatch ran = new CountDownLatch(6);
    List<Runnable> tasks = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      tasks.add(ran::countDown);
    }

    s.schedule(tasks.get(0));
    s.schedule(tasks.get(1), 1, TimeUnit.MILLISECONDS);
    Disposable periodic = s.schedulePeriodically(tasks.get(2), 0, 1, TimeUnit.HOURS);
    worker.schedule(tasks.get(3));
    worker.schedule(tasks.get(4), 1, TimeUnit.MILLISECONDS);
    Disposable workerPeriodic = worker.schedulePeriodically(tasks.get(5), 0, 1, TimeUnit.HOURS);

    assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
    periodic.dispose();
    workerPeriodic.dispose();
    assertThat(decorated).containsAll(tasks);
    assertThat(ranDecorated).as("what ran is the decorated task").containsAll(tasks);
  }

  // ---------------------------------------------------------------- Reactor operators

  @Test
  void publishOnDeliversEverySignalOnALoopThread() {
    LoopScheduler s = scheduler();

    StepVerifier.create(Flux.range(0, 1000).publishOn(s).map(i -> onLoopOf(s)).distinct())
        .expectNext(true)
        .verifyComplete();
  }

  @Test
  void subscribeOnSubscribesOnALoopThread() {
    LoopScheduler s = scheduler();

    StepVerifier.create(Mono.fromCallable(() -> onLoopOf(s)).subscribeOn(s))
        .expectNext(true)
        .verifyComplete();
  }

  @Test
  void monoDelayAndFluxIntervalRunOnTheLoopsTimers() {
    LoopScheduler s = scheduler();

    StepVerifier.create(Mono.delay(Duration.ofMillis(5), s).map(tick -> onLoopOf(s)))
        .expectNext(true)
        .verifyComplete();
    StepVerifier.create(Flux.interval(Duration.ofMillis(2), s).take(5).map(tick -> onLoopOf(s)))
        .expectNext(true, true, true, true, true)
        .verifyComplete();
  }

  @Test
  void blockOnALoopThreadFailsFast() throws Exception {
    LoopScheduler s = scheduler();
    CompletableFuture<Throwable> failure = new CompletableFuture<>();

    s.schedule(() -> {
      try {
        Mono.delay(Duration.ofMillis(1)).block(); // would wait a millisecond if block() were allowed
        failure.complete(null);
      } catch (Throwable t) {
        failure.complete(t);
      }
    });

    assertThat(failure.get(10, TimeUnit.SECONDS))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("block()/blockFirst()/blockLast() are blocking, which is not supported in thread");
  }

  @Test
  void loopThreadsAreNonBlockingAndTheCallerIsNot() throws Exception {
    LoopScheduler s = scheduler();
    CompletableFuture<Boolean> nonBlocking = new CompletableFuture<>();
    CompletableFuture<Boolean> marked = new CompletableFuture<>();

    s.schedule(() -> {
      nonBlocking.complete(Schedulers.isInNonBlockingThread());
      marked.complete(Thread.currentThread() instanceof NonBlocking);
    });

    assertThat(nonBlocking.get(10, TimeUnit.SECONDS)).isTrue();
    assertThat(marked.get(10, TimeUnit.SECONDS)).isEqualTo(threadsAreNonBlockingMarked());
    assertThat(Schedulers.isInNonBlockingThread()).isFalse();
  }

  // ---------------------------------------------------------------- time

  @Test
  void nowReadsTheLoopClock() {
    LoopScheduler s = scheduler();
    EventLoop loop = s.loops().get(0);

    long before = loop.time();
    long nanos = s.now(TimeUnit.NANOSECONDS);
    long millis = s.now(TimeUnit.MILLISECONDS);
    long after = loop.time();

    assertThat(nanos).isBetween(before, after);
    assertThat(millis).isBetween(TimeUnit.NANOSECONDS.toMillis(before), TimeUnit.NANOSECONDS.toMillis(after));
  }

  // ---------------------------------------------------------------- life cycle

  @Test
  void disposeGracefullyRejectsNewTasksLetsQueuedOnesRunThenCompletes() throws Exception {
    LoopScheduler s = scheduler();
    AtomicInteger runs = new AtomicInteger();
    AtomicInteger timerRuns = new AtomicInteger();
    CompletableFuture<Void> disposed;
    CountDownLatch release = holdLoops(s);
    try {
      for (int i = 0; i < 10; i++) {
        s.schedule(runs::incrementAndGet);
      }
      s.schedule(timerRuns::incrementAndGet, 1, TimeUnit.HOURS);
      Mono<Void> graceful = s.disposeGracefully();
      assertThat(s.isDisposed()).as("nothing happens before subscription").isFalse();
      disposed = graceful.toFuture();

      assertThat(s.isDisposed()).isTrue();
      assertThatExceptionOfType(RejectedExecutionException.class).isThrownBy(() -> s.schedule(() -> {}));
      assertThat(disposed).isNotDone();
    } finally {
      release.countDown();
    }
    disposed.get(10, TimeUnit.SECONDS);

    assertThat(runs).as("queued tasks ran").hasValue(10);
    assertThat(timerRuns).as("the pending timer was cancelled").hasValue(0);
    StepVerifier.create(s.disposeGracefully()).expectComplete().verify(Duration.ofSeconds(10));
    assertThat(Scannable.from(s).scan(Scannable.Attr.TERMINATED)).isTrue();
  }

  @Test
  void concurrentDisposeGracefullySubscriptionsAllCompleteAndATimeoutDoesNotStopIt() throws Exception {
    LoopScheduler s = scheduler();
    CountDownLatch release = holdLoops(s);
    CompletableFuture<Void> first;
    CompletableFuture<Void> second;
    try {
      first = s.disposeGracefully().toFuture();
      second = s.disposeGracefully().toFuture();
      StepVerifier.create(s.disposeGracefully().timeout(Duration.ofMillis(20)))
          .expectError(java.util.concurrent.TimeoutException.class)
          .verify(Duration.ofSeconds(10));
    } finally {
      release.countDown();
    }

    first.get(10, TimeUnit.SECONDS);
    second.get(10, TimeUnit.SECONDS);
  }

  @Test
  void disposeGracefullyAfterDisposeCompletes() {
    LoopScheduler s = scheduler();
    s.dispose();

    StepVerifier.create(s.disposeGracefully()).expectComplete().verify(Duration.ofSeconds(10));
  }

  @Test
  void initDoesNothingOnALiveSchedulerAndThrowsOnADisposedOne() {
    LoopScheduler s = scheduler();

    assertThatCode(s::init).doesNotThrowAnyException();
    s.dispose();

    assertThatExceptionOfType(IllegalStateException.class)
        .isThrownBy(s::init)
        .withMessage("Initializing a disposed scheduler is not permitted");
  }

  @Test
  @SuppressWarnings("deprecation")
  void startDoesNotRestartADisposedScheduler() {
    LoopScheduler s = scheduler();
    s.dispose();

    s.start();

    assertThat(s.isDisposed()).isTrue();
    assertThatExceptionOfType(RejectedExecutionException.class).isThrownBy(() -> s.schedule(() -> {}));
  }

  @Test
  void disposeShutsDownOnlyLoopsTheSchedulerMade() throws Exception {
    LoopScheduler s = scheduler();
    List<EventLoop> loops = s.loops();

    s.disposeGracefully().block(Duration.ofSeconds(10));

    if (ownsLoops()) {
      assertThat(loops).allMatch(EventLoop::isClosed);
    } else {
      CountDownLatch ran = new CountDownLatch(loops.size());
      for (EventLoop loop : loops) {
        loop.execute(ran::countDown);
      }
      assertThat(ran.await(10, TimeUnit.SECONDS)).as("the loops still run").isTrue();
    }
  }

  // ---------------------------------------------------------------- bad input, introspection

  @Test
  void nullArgumentsAreRejectedByName() {
    LoopScheduler s = scheduler();
    Scheduler.Worker worker = s.createWorker();

    assertThatNullPointerException().isThrownBy(() -> s.schedule(null)).withMessage("task");
    assertThatNullPointerException().isThrownBy(() -> s.schedule(() -> {}, 1, null)).withMessage("unit");
    assertThatNullPointerException()
        .isThrownBy(() -> s.schedulePeriodically(null, 1, 1, TimeUnit.SECONDS))
        .withMessage("task");
    assertThatNullPointerException().isThrownBy(() -> s.now(null)).withMessage("unit");
    assertThatNullPointerException().isThrownBy(() -> worker.schedule(null)).withMessage("task");
    assertThatNullPointerException()
        .isThrownBy(() -> worker.schedulePeriodically(() -> {}, 1, 1, null))
        .withMessage("unit");
  }

  @Test
  void scannableReportsNameAndCapacity() {
    LoopScheduler s = scheduler();
    Scannable scannable = Scannable.from(s);

    assertThat(scannable.scan(Scannable.Attr.NAME)).startsWith("LoopScheduler.");
    assertThat(scannable.scan(Scannable.Attr.CAPACITY)).isEqualTo(loopCount());
    assertThat(s.loops()).hasSize(loopCount());
  }
}
