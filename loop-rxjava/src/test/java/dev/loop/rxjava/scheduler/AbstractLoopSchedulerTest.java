package dev.loop.rxjava.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.loop.EventLoop;
import dev.loop.ExceptionContext;
import dev.loop.Loops;
import dev.loop.rxjava.LoopScheduler;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Observable;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.disposables.Disposable;
import io.reactivex.rxjava3.exceptions.UndeliverableException;
import io.reactivex.rxjava3.observers.TestObserver;
import io.reactivex.rxjava3.plugins.RxJavaPlugins;
import io.reactivex.rxjava3.schedulers.SchedulerRunnableIntrospection;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract every {@link LoopScheduler} keeps, whatever its loops: the cases RxJava checks on
 * its own schedulers ({@code AbstractSchedulerTests}, {@code AbstractSchedulerConcurrencyTests},
 * {@code ExecutorSchedulerTest}), in the shape of reactor-core's {@code AbstractSchedulerTest}:
 * one subclass per kind of scheduler, capability flags for what only some kinds do.
 *
 * <p>Every assertion that something did <em>not</em> run is made after a marker that would have
 * had to run after it, on the same loop (loop timers run in deadline order): never after a sleep.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class AbstractLoopSchedulerTest {

  static final Duration WAIT = Duration.ofSeconds(10);

  /** What RxJavaPlugins.onError received during the test. */
  protected final BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();

  // ------------------------------------------------------------------ what subclasses provide

  /** The scheduler under test, made for this test (in the subclass's {@code @BeforeEach}). */
  protected abstract LoopScheduler scheduler();

  /** Whether {@code thread} runs one of the scheduler's loops. */
  protected abstract boolean isLoopThread(Thread thread);

  /** Capability: direct tasks all run on one loop (so their relative order is the loop's). */
  protected boolean directTasksShareOneLoop() {
    return false;
  }

  /** Capability: the scheduler spreads workers and direct tasks over several loops. */
  protected boolean spreadsOverSeveralLoops() {
    return false;
  }

  /** Capability: the scheduler owns its loops: shutdown() ends them, start() makes new ones. */
  protected boolean ownsItsLoops() {
    return false;
  }

  @BeforeEach
  void trackRxJavaErrors() {
    RxJavaPlugins.setErrorHandler(errors::add);
  }

  @AfterEach
  void resetRxJavaPlugins() {
    // Only this test set plugins (the error handler, and a schedule handler in some tests); no
    // LoopSchedulers installation is active in these classes.
    RxJavaPlugins.reset();
  }

  // ------------------------------------------------------------------ helpers

  static <T> T get(CompletableFuture<T> future) throws Exception {
    return future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  static void awaitLatch(CountDownLatch latch) throws InterruptedException {
    assertThat(latch.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("latch released").isTrue();
  }

  /** The loop a worker runs on, asked from inside one of its tasks. */
  static EventLoop loopOf(Scheduler.Worker worker) throws Exception {
    CompletableFuture<EventLoop> loop = new CompletableFuture<>();
    worker.schedule(() -> loop.complete(Loops.getRunningLoop()));
    return get(loop);
  }

  /** Waits until {@code loop} ran a marker {@code delay} from now: what was due before it ran. */
  static void awaitMarker(EventLoop loop, Duration delay) throws Exception {
    CompletableFuture<Void> marker = new CompletableFuture<>();
    loop.callLater(delay, () -> marker.complete(null));
    get(marker);
  }

  static Throwable unwrap(Throwable reported) {
    return reported instanceof UndeliverableException ? reported.getCause() : reported;
  }

  // ------------------------------------------------------------------ direct tasks

  @Test
  void scheduleDirectRunsTheTaskOnALoopThread() throws Exception {
    CompletableFuture<Thread> ran = new CompletableFuture<>();

    scheduler().scheduleDirect(() -> ran.complete(Thread.currentThread()));

    assertThat(isLoopThread(get(ran))).as("ran on a loop thread: %s", get(ran)).isTrue();
  }

  @Test
  void scheduleDirectFromALoopThreadRunsTheTaskLaterNotInline() throws Exception {
    Scheduler.Worker worker = scheduler().createWorker();
    try {
      AtomicReference<Thread> callerRunning = new AtomicReference<>();
      CompletableFuture<Boolean> ranInsideTheCaller = new CompletableFuture<>();

      worker.schedule(() -> {
        callerRunning.set(Thread.currentThread());
        scheduler().scheduleDirect(
            () -> ranInsideTheCaller.complete(callerRunning.get() == Thread.currentThread()));
        callerRunning.set(null);
      });

      assertThat(get(ranInsideTheCaller)).isFalse();
    } finally {
      worker.dispose();
    }
  }

  @Test
  void scheduleDirectWithADelayRunsTheTaskOnALoopThread() throws Exception {
    CompletableFuture<Thread> ran = new CompletableFuture<>();

    scheduler().scheduleDirect(() -> ran.complete(Thread.currentThread()), 20, TimeUnit.MILLISECONDS);

    assertThat(isLoopThread(get(ran))).isTrue();
  }

  @Test
  void scheduleDirectWithANegativeDelayRunsTheTaskAtOnce() throws Exception {
    CompletableFuture<Thread> ran = new CompletableFuture<>();

    scheduler().scheduleDirect(() -> ran.complete(Thread.currentThread()), -5, TimeUnit.SECONDS);

    assertThat(isLoopThread(get(ran))).isTrue();
  }

  @Test
  void directTaskDisposedBeforeItsDelayNeverRuns() throws Exception {
    assumeTrue(directTasksShareOneLoop(), "direct tasks share one loop");
    AtomicBoolean ran = new AtomicBoolean();
    CompletableFuture<Void> marker = new CompletableFuture<>();

    Disposable task = scheduler().scheduleDirect(() -> ran.set(true), 20, TimeUnit.MILLISECONDS);
    task.dispose();
    scheduler().scheduleDirect(() -> marker.complete(null), 100, TimeUnit.MILLISECONDS);
    get(marker);

    assertThat(task.isDisposed()).isTrue();
    assertThat(ran).as("the disposed task, due before the marker").isFalse();
  }

  @Test
  void directTaskIsNotDisposedWhileItRunsAndIsDisposedOnceItRan() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);

    Disposable task = scheduler().scheduleDirect(() -> {
      running.countDown();
      try {
        release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    awaitLatch(running);
    boolean disposedWhileRunning = task.isDisposed();
    release.countDown();

    assertThat(disposedWhileRunning).isFalse();
    await().atMost(WAIT).until(task::isDisposed);
  }

  @Test
  void throwingDirectTaskGoesToRxJavaPluginsOnErrorAndNotToTheLoop() throws Exception {
    Scheduler.Worker worker = scheduler().createWorker();
    try {
      List<ExceptionContext> loopErrors = new CopyOnWriteArrayList<>();
      EventLoop loop = loopOf(worker);
      loop.execute(() -> loop.setExceptionHandler((l, context) -> loopErrors.add(context)));
      IllegalStateException boom = new IllegalStateException("boom");
      CompletableFuture<Thread> after = new CompletableFuture<>();

      scheduler().scheduleDirect(() -> {
        throw boom;
      });
      worker.schedule(() -> {
        throw boom;
      });
      worker.schedule(() -> after.complete(Thread.currentThread()));

      assertThat(isLoopThread(get(after))).as("the loop went on").isTrue();
      await().atMost(WAIT).until(() -> errors.size() == 2);
      assertThat(errors).allSatisfy(e -> assertThat(unwrap(e)).isSameAs(boom));
      awaitMarker(loop, Duration.ZERO);
      assertThat(loopErrors).as("the loop's exception handler").isEmpty();
    } finally {
      worker.dispose();
    }
  }

  @Test
  void errorHandledByTheStreamReachesNeitherRxJavaPluginsNorTheUncaughtExceptionHandler()
      throws Exception {
    Thread.UncaughtExceptionHandler original = Thread.getDefaultUncaughtExceptionHandler();
    List<Throwable> uncaught = new CopyOnWriteArrayList<>();
    Thread.setDefaultUncaughtExceptionHandler((t, e) -> uncaught.add(e));
    try {
      IllegalStateException error = new IllegalStateException("to the subscriber");

      TestSubscriber<Object> subscriber =
          Flowable.error(error).subscribeOn(scheduler()).test().awaitDone(10, TimeUnit.SECONDS);

      subscriber.assertError(error).assertNoValues();
      assertThat(uncaught).isEmpty();
      assertThat(errors).isEmpty();
    } finally {
      Thread.setDefaultUncaughtExceptionHandler(original);
    }
  }

  @Test
  void nullRunnableOrUnitIsRejectedWithRxJavasMessages() {
    LoopScheduler s = scheduler();
    Scheduler.Worker worker = s.createWorker();
    try {
      assertThatNullPointerException().isThrownBy(() -> s.scheduleDirect(null)).withMessage("run is null");
      assertThatNullPointerException()
          .isThrownBy(() -> s.scheduleDirect(null, 1, TimeUnit.SECONDS)).withMessage("run is null");
      assertThatNullPointerException()
          .isThrownBy(() -> s.scheduleDirect(() -> {}, 1, null)).withMessage("unit is null");
      assertThatNullPointerException()
          .isThrownBy(() -> s.schedulePeriodicallyDirect(null, 1, 1, TimeUnit.SECONDS))
          .withMessage("run is null");
      assertThatNullPointerException().isThrownBy(() -> s.now(null)).withMessage("unit is null");
      assertThatNullPointerException().isThrownBy(() -> worker.schedule(null)).withMessage("run is null");
      assertThatNullPointerException()
          .isThrownBy(() -> worker.schedule(null, 1, TimeUnit.SECONDS)).withMessage("run is null");
      assertThatNullPointerException()
          .isThrownBy(() -> worker.schedulePeriodically(() -> {}, 1, 1, null)).withMessage("unit is null");
    } finally {
      worker.dispose();
    }
  }

  @Test
  void everyKindOfTaskGoesThroughTheOnScheduleHookOnce() throws Exception {
    List<Runnable> decorated = new CopyOnWriteArrayList<>();
    AtomicInteger decoratedRuns = new AtomicInteger();
    RxJavaPlugins.setScheduleHandler(actual -> {
      Runnable wrapper = () -> {
        decoratedRuns.incrementAndGet();
        actual.run();
      };
      decorated.add(wrapper);
      return wrapper;
    });
    CountDownLatch ran = new CountDownLatch(6);
    Scheduler.Worker worker = scheduler().createWorker();
    AtomicReference<Disposable> periodic = new AtomicReference<>();
    AtomicReference<Disposable> workerPeriodic = new AtomicReference<>();
    try {
      Disposable direct = scheduler().scheduleDirect(ran::countDown);
      Disposable delayed = scheduler().scheduleDirect(ran::countDown, 1, TimeUnit.MILLISECONDS);
      periodic.set(scheduler().schedulePeriodicallyDirect(ran::countDown, 0, 1, TimeUnit.HOURS));
      Disposable queued = worker.schedule(ran::countDown);
      Disposable workerDelayed = worker.schedule(ran::countDown, 1, TimeUnit.MILLISECONDS);
      workerPeriodic.set(worker.schedulePeriodically(ran::countDown, 0, 1, TimeUnit.HOURS));
      awaitLatch(ran);

      assertThat(decorated).hasSize(6);
      assertThat(decoratedRuns).hasValue(6);
      List<Runnable> wrapped = new ArrayList<>();
      for (Disposable d : List.of(direct, delayed, periodic.get(), queued, workerDelayed,
          workerPeriodic.get())) {
        wrapped.add(((SchedulerRunnableIntrospection) d).getWrappedRunnable());
      }
      assertThat(wrapped).as("each task wraps the decorated runnable").containsExactlyElementsOf(decorated);
    } finally {
      if (periodic.get() != null) {
        periodic.get().dispose();
      }
      worker.dispose();
    }
  }

  @Test
  void directTasksSpreadOverTheLoops() throws Exception {
    assumeTrue(spreadsOverSeveralLoops(), "spreads over several loops");
    Set<Thread> threads = ConcurrentHashMap.newKeySet();
    CountDownLatch ran = new CountDownLatch(8);

    for (int i = 0; i < 8; i++) {
      scheduler().scheduleDirect(() -> {
        threads.add(Thread.currentThread());
        ran.countDown();
      });
    }
    awaitLatch(ran);

    assertThat(threads).hasSizeGreaterThan(1).allMatch(this::isLoopThread);
  }

  // ------------------------------------------------------------------ periodic tasks

  @Test
  void periodicDirectTaskTicksUntilDisposedFromInside() throws Exception {
    AtomicInteger ticks = new AtomicInteger();
    AtomicReference<Disposable> self = new AtomicReference<>();
    CountDownLatch scheduled = new CountDownLatch(1);
    CompletableFuture<Integer> ticksAtMarker = new CompletableFuture<>();

    self.set(scheduler().schedulePeriodicallyDirect(() -> {
      try {
        scheduled.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (ticks.incrementAndGet() == 5) {
        self.get().dispose();
        // Three periods later, on this loop: ticks 6 and 7 would be due before it.
        Loops.getRunningLoop().callLater(30, TimeUnit.MILLISECONDS, () -> ticksAtMarker.complete(ticks.get()));
      }
    }, 10, 10, TimeUnit.MILLISECONDS));
    scheduled.countDown();

    assertThat(get(ticksAtMarker)).isEqualTo(5);
    assertThat(self.get().isDisposed()).isTrue();
  }

  @Test
  void periodicDirectTaskDisposedFromOutsideIsDisposed() throws Exception {
    CountDownLatch ticks = new CountDownLatch(3);

    Disposable task = scheduler().schedulePeriodicallyDirect(ticks::countDown, 0, 5, TimeUnit.MILLISECONDS);
    awaitLatch(ticks);
    boolean disposedWhileTicking = task.isDisposed();
    task.dispose();

    assertThat(disposedWhileTicking).isFalse();
    assertThat(task.isDisposed()).isTrue();
  }

  @Test
  void throwingPeriodicTaskStopsAndIsReportedOnce() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    CompletableFuture<Integer> runsAtMarker = new CompletableFuture<>();
    IllegalStateException boom = new IllegalStateException("third run fails");

    Disposable task = scheduler().schedulePeriodicallyDirect(() -> {
      if (runs.incrementAndGet() == 3) {
        Loops.getRunningLoop().callLater(30, TimeUnit.MILLISECONDS, () -> runsAtMarker.complete(runs.get()));
        throw boom;
      }
    }, 0, 10, TimeUnit.MILLISECONDS);

    assertThat(get(runsAtMarker)).isEqualTo(3);
    assertThat(errors).hasSize(1);
    assertThat(unwrap(errors.peek())).isSameAs(boom);
    assertThat(task.isDisposed()).isTrue();
  }

  @Test
  void periodicTaskWithAZeroPeriodRunsAgainAndAgain() throws Exception {
    for (int initial = 0; initial < 2; initial++) {
      AtomicInteger runs = new AtomicInteger();
      AtomicReference<Disposable> self = new AtomicReference<>();
      CountDownLatch tenth = new CountDownLatch(1);
      CountDownLatch scheduled = new CountDownLatch(1);

      self.set(scheduler().schedulePeriodicallyDirect(() -> {
        try {
          scheduled.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        if (runs.incrementAndGet() == 10) {
          self.get().dispose();
          tenth.countDown();
        }
      }, initial, 0, TimeUnit.MILLISECONDS));
      scheduled.countDown();

      awaitLatch(tenth);
      assertThat(self.get().isDisposed()).as("initial delay %d", initial).isTrue();
    }
  }

  @Test
  void workerPeriodicTaskStopsWhenTheWorkerIsDisposed() throws Exception {
    Scheduler.Worker worker = scheduler().createWorker();
    AtomicInteger ticks = new AtomicInteger();
    CompletableFuture<Integer> ticksAtMarker = new CompletableFuture<>();

    Disposable task = worker.schedulePeriodically(() -> {
      if (ticks.incrementAndGet() == 3) {
        worker.dispose();
        Loops.getRunningLoop().callLater(30, TimeUnit.MILLISECONDS, () -> ticksAtMarker.complete(ticks.get()));
      }
    }, 0, 10, TimeUnit.MILLISECONDS);

    assertThat(get(ticksAtMarker)).isEqualTo(3);
    assertThat(task.isDisposed()).isTrue();
  }

  // ------------------------------------------------------------------ workers

  @Test
  void workerRunsAllItsTasksOnOneLoopThreadOneAtATime() throws Exception {
    Scheduler.Worker worker = scheduler().createWorker();
    try {
      Set<Thread> threads = ConcurrentHashMap.newKeySet();
      AtomicInteger active = new AtomicInteger();
      AtomicBoolean overlapped = new AtomicBoolean();
      CountDownLatch ran = new CountDownLatch(200);

      for (int i = 0; i < 200; i++) {
        Runnable task = () -> {
          if (active.incrementAndGet() != 1) {
            overlapped.set(true);
          }
          threads.add(Thread.currentThread());
          active.decrementAndGet();
          ran.countDown();
        };
        if (i % 2 == 0) {
          worker.schedule(task);
        } else {
          worker.schedule(task, i % 7, TimeUnit.MILLISECONDS);
        }
      }
      awaitLatch(ran);

      assertThat(threads).hasSize(1).allMatch(this::isLoopThread);
      assertThat(overlapped).isFalse();
    } finally {
      worker.dispose();
    }
  }

  @Test
  void workerKeepsEachThreadsOrderFor10000TasksFrom4Threads() throws Exception {
    int producers = 4;
    int perProducer = 2_500;
    Scheduler.Worker worker = scheduler().createWorker();
    ExecutorService pool = Executors.newFixedThreadPool(producers);
    try {
      ConcurrentLinkedQueue<Integer> ran = new ConcurrentLinkedQueue<>();
      CountDownLatch start = new CountDownLatch(1);
      CountDownLatch done = new CountDownLatch(producers * perProducer);
      for (int p = 0; p < producers; p++) {
        int producer = p;
        pool.execute(() -> {
          try {
            start.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
          for (int i = 0; i < perProducer; i++) {
            int value = producer * perProducer + i;
            worker.schedule(() -> {
              ran.add(value);
              done.countDown();
            });
          }
        });
      }

      start.countDown();
      awaitLatch(done);

      assertThat(ran).hasSize(producers * perProducer);
      int[] next = new int[producers];
      for (int value : ran) {
        int producer = value / perProducer;
        assertThat(value % perProducer).as("producer %d's next task", producer).isEqualTo(next[producer]);
        next[producer]++;
      }
    } finally {
      pool.shutdownNow();
      worker.dispose();
    }
  }

  @Test
  void workerRunsNestedActionsInTheOrderTheyWereScheduled() throws Exception {
    Scheduler.Worker worker = scheduler().createWorker();
    try {
      List<String> steps = new CopyOnWriteArrayList<>();
      CountDownLatch done = new CountDownLatch(1);
      Runnable first = () -> {
        steps.add("first start");
        steps.add("first end");
        done.countDown();
      };
      Runnable second = () -> {
        steps.add("second start");
        worker.schedule(first);
        steps.add("second end");
      };
      Runnable third = () -> {
        steps.add("third start");
        worker.schedule(second);
        steps.add("third end");
      };

      worker.schedule(third);
      awaitLatch(done);

      assertThat(steps).containsExactly("third start", "third end", "second start", "second end",
          "first start", "first end");
    } finally {
      worker.dispose();
    }
  }

  @Test
  void workerRunsImmediateTasksFirstThenDelayedOnesByDeadline() throws Exception {
    Scheduler.Worker worker = scheduler().createWorker();
    try {
      List<String> order = new CopyOnWriteArrayList<>();
      CountDownLatch done = new CountDownLatch(1);

      worker.schedule(() -> {
        worker.schedule(() -> order.add("first"));
        worker.schedule(() -> order.add("second, 300 ms"), 300, TimeUnit.MILLISECONDS);
        worker.schedule(() -> order.add("third, 100 ms"), 100, TimeUnit.MILLISECONDS);
        worker.schedule(() -> order.add("fourth"));
        worker.schedule(done::countDown, 400, TimeUnit.MILLISECONDS);
      });
      awaitLatch(done);

      assertThat(order).containsExactly("first", "fourth", "third, 100 ms", "second, 300 ms");
    } finally {
      worker.dispose();
    }
  }

  @Test
  void workerRecursiveSchedulingRunsToTheEnd() throws Exception {
    Scheduler.Worker worker = scheduler().createWorker();
    try {
      AtomicInteger count = new AtomicInteger();
      CountDownLatch done = new CountDownLatch(1);

      worker.schedule(new Runnable() {
        @Override
        public void run() {
          if (count.incrementAndGet() < 100_000) {
            worker.schedule(this);
          } else {
            done.countDown();
          }
        }
      });
      awaitLatch(done);

      assertThat(count).hasValue(100_000);
    } finally {
      worker.dispose();
    }
  }

  @Test
  void workerRecursiveSchedulingWithADelayRunsToTheEnd() throws Exception {
    Scheduler.Worker worker = scheduler().createWorker();
    try {
      AtomicInteger count = new AtomicInteger();
      CountDownLatch done = new CountDownLatch(1);

      worker.schedule(new Runnable() {
        @Override
        public void run() {
          if (count.incrementAndGet() < 50) {
            worker.schedule(this, 1, TimeUnit.MILLISECONDS);
          } else {
            done.countDown();
          }
        }
      });
      awaitLatch(done);

      assertThat(count).hasValue(50);
    } finally {
      worker.dispose();
    }
  }

  @Test
  void workerThatReschedulesItselfForeverLetsOtherLoopWorkRun() throws Exception {
    Scheduler.Worker worker = scheduler().createWorker();
    try {
      AtomicBoolean otherWorkRan = new AtomicBoolean();
      AtomicInteger spins = new AtomicInteger();
      CompletableFuture<Integer> stopped = new CompletableFuture<>();

      worker.schedule(new Runnable() {
        @Override
        public void run() {
          int n = spins.incrementAndGet();
          if (n == 1) {
            // Other work of the same loop: runs only if the worker's drain yields to the loop.
            Loops.getRunningLoop().callSoon(() -> otherWorkRan.set(true));
          }
          if (otherWorkRan.get() || n == 1_000_000) {
            stopped.complete(n);
          } else {
            worker.schedule(this);
          }
        }
      });

      assertThat(get(stopped)).as("tasks run before the loop's other callback").isLessThan(1_000_000);
      assertThat(otherWorkRan).isTrue();
    } finally {
      worker.dispose();
    }
  }

  @Test
  void disposedWorkerDropsTasksStillQueuedAndReportsThemDisposed() throws Exception {
    Scheduler.Worker worker = scheduler().createWorker();
    EventLoop loop = loopOf(worker);
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger ran = new AtomicInteger();

    worker.schedule(() -> {
      running.countDown();
      try {
        release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    awaitLatch(running);
    List<Disposable> queued = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      queued.add(worker.schedule(ran::incrementAndGet));
    }
    worker.dispose();
    release.countDown();
    awaitMarker(loop, Duration.ofMillis(10));

    assertThat(worker.isDisposed()).isTrue();
    assertThat(queued).allMatch(Disposable::isDisposed);
    assertThat(ran).as("tasks queued behind the running one").hasValue(0);
  }

  @Test
  void disposedWorkerCancelsItsDelayedTasks() throws Exception {
    Scheduler.Worker worker = scheduler().createWorker();
    EventLoop loop = loopOf(worker);
    AtomicInteger ran = new AtomicInteger();

    Disposable delayed = worker.schedule(ran::incrementAndGet, 20, TimeUnit.MILLISECONDS);
    Disposable periodic = worker.schedulePeriodically(ran::incrementAndGet, 20, 20, TimeUnit.MILLISECONDS);
    worker.dispose();
    awaitMarker(loop, Duration.ofMillis(100));

    assertThat(delayed.isDisposed()).isTrue();
    assertThat(periodic.isDisposed()).isTrue();
    assertThat(ran).as("tasks due long before the marker").hasValue(0);
  }

  @Test
  void workerTaskDisposedBeforeItsDelayNeverRuns() throws Exception {
    Scheduler.Worker worker = scheduler().createWorker();
    try {
      AtomicBoolean ran = new AtomicBoolean();
      CountDownLatch marker = new CountDownLatch(1);

      Disposable task = worker.schedule(() -> ran.set(true), 20, TimeUnit.MILLISECONDS);
      task.dispose();
      worker.schedule(marker::countDown, 100, TimeUnit.MILLISECONDS);
      awaitLatch(marker);

      assertThat(task.isDisposed()).isTrue();
      assertThat(ran).isFalse();
    } finally {
      worker.dispose();
    }
  }

  @Test
  void disposedWorkerReturnsDisposedForEveryLaterTaskAndRunsNone() throws Exception {
    Scheduler.Worker worker = scheduler().createWorker();
    EventLoop loop = loopOf(worker);
    AtomicInteger ran = new AtomicInteger();
    worker.dispose();

    assertThat(worker.schedule(ran::incrementAndGet)).isSameAs(Disposable.disposed());
    assertThat(worker.schedule(ran::incrementAndGet, 1, TimeUnit.MILLISECONDS)).isSameAs(Disposable.disposed());
    assertThat(worker.schedulePeriodically(ran::incrementAndGet, 0, 1, TimeUnit.MILLISECONDS))
        .isSameAs(Disposable.disposed());
    awaitMarker(loop, Duration.ofMillis(20));
    assertThat(ran).hasValue(0);
    assertThat(errors).as("disposal is not an error").isEmpty();
  }

  @Test
  void workerDisposedByItsOwnTaskRunsNothingMore() throws Exception {
    Scheduler.Worker worker = scheduler().createWorker();
    EventLoop loop = loopOf(worker);
    AtomicInteger counter = new AtomicInteger();
    List<Disposable> afterDispose = new CopyOnWriteArrayList<>();

    worker.schedule(new Runnable() {
      @Override
      public void run() {
        if (counter.incrementAndGet() == 10) {
          worker.dispose();
        }
        afterDispose.add(worker.schedule(this));
      }
    });
    await().atMost(WAIT).until(worker::isDisposed);
    awaitMarker(loop, Duration.ofMillis(10));

    assertThat(counter).hasValue(10);
    assertThat(afterDispose.get(afterDispose.size() - 1)).isSameAs(Disposable.disposed());
  }

  @Test
  void workerTaskIsNotDisposedWhileItRunsAndIsDisposedOnceItRan() throws Exception {
    Scheduler.Worker worker = scheduler().createWorker();
    try {
      CountDownLatch running = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);

      Disposable task = worker.schedule(() -> {
        running.countDown();
        try {
          release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      awaitLatch(running);
      boolean disposedWhileRunning = task.isDisposed();
      release.countDown();

      assertThat(disposedWhileRunning).isFalse();
      await().atMost(WAIT).until(task::isDisposed);
      assertThat(worker.isDisposed()).isFalse();
    } finally {
      worker.dispose();
    }
  }

  @Test
  void workerGoesOnAfterOneOfItsTasksThrows() throws Exception {
    Scheduler.Worker worker = scheduler().createWorker();
    try {
      CountDownLatch after = new CountDownLatch(1);
      IllegalArgumentException boom = new IllegalArgumentException("boom");

      worker.schedule(() -> {
        throw boom;
      });
      worker.schedule(after::countDown);
      awaitLatch(after);

      assertThat(worker.isDisposed()).isFalse();
      await().atMost(WAIT).until(() -> !errors.isEmpty());
      assertThat(unwrap(errors.peek())).isSameAs(boom);
    } finally {
      worker.dispose();
    }
  }

  @Test
  void workersSpreadOverTheLoops() throws Exception {
    assumeTrue(spreadsOverSeveralLoops(), "spreads over several loops");
    List<Scheduler.Worker> workers = new ArrayList<>();
    try {
      Set<EventLoop> loops = ConcurrentHashMap.newKeySet();
      for (int i = 0; i < 4; i++) {
        Scheduler.Worker worker = scheduler().createWorker();
        workers.add(worker);
        loops.add(loopOf(worker));
      }

      assertThat(loops).hasSizeGreaterThan(1);
    } finally {
      workers.forEach(Scheduler.Worker::dispose);
    }
  }

  // ------------------------------------------------------------------ RxJava operators

  @Test
  void observeOnDeliversEveryItemInOrderOnOneLoopThread() {
    Set<Thread> threads = ConcurrentHashMap.newKeySet();

    TestSubscriber<Integer> subscriber = Flowable.range(1, 5_000)
        .observeOn(scheduler())
        .doOnNext(i -> threads.add(Thread.currentThread()))
        .test()
        .awaitDone(10, TimeUnit.SECONDS);

    subscriber.assertComplete().assertValueCount(5_000);
    assertThat(subscriber.values()).isSorted();
    assertThat(threads).hasSize(1).allMatch(this::isLoopThread);
  }

  @Test
  void observableObserveOnDeliversOnALoopThread() {
    Set<Thread> threads = ConcurrentHashMap.newKeySet();

    TestObserver<Integer> observer = Observable.range(1, 1_000)
        .observeOn(scheduler())
        .doOnNext(i -> threads.add(Thread.currentThread()))
        .test()
        .awaitDone(10, TimeUnit.SECONDS);

    observer.assertComplete().assertValueCount(1_000);
    assertThat(threads).hasSize(1).allMatch(this::isLoopThread);
  }

  @Test
  void subscribeOnSubscribesOnALoopThread() {
    TestObserver<Thread> observer = Observable.fromCallable(Thread::currentThread)
        .subscribeOn(scheduler())
        .test()
        .awaitDone(10, TimeUnit.SECONDS);

    observer.assertComplete().assertValueCount(1);
    assertThat(isLoopThread(observer.values().get(0))).isTrue();
  }

  @Test
  void flatMapOfInnerSubscribeOnsMergesEveryValue() {
    TestSubscriber<String> subscriber = Flowable.just(1, 2)
        .subscribeOn(scheduler())
        .flatMap(id -> Flowable.just("a-" + id, "b-" + id).subscribeOn(scheduler()))
        .test()
        .awaitDone(10, TimeUnit.SECONDS);

    subscriber.assertComplete();
    assertThat(subscriber.values()).containsExactlyInAnyOrder("a-1", "b-1", "a-2", "b-2");
  }

  @Test
  void intervalOnTheSchedulerTicksOnALoopThread() {
    Set<Thread> threads = ConcurrentHashMap.newKeySet();

    TestSubscriber<Long> subscriber = Flowable.interval(1, TimeUnit.MILLISECONDS, scheduler())
        .doOnNext(i -> threads.add(Thread.currentThread()))
        .take(5)
        .test()
        .awaitDone(10, TimeUnit.SECONDS);

    subscriber.assertValues(0L, 1L, 2L, 3L, 4L).assertComplete();
    assertThat(threads).allMatch(this::isLoopThread);
  }

  @Test
  void cancellingAStreamOnTheSchedulerStopsItsTimer() throws Exception {
    AtomicInteger generated = new AtomicInteger();
    CompletableFuture<EventLoop> loop = new CompletableFuture<>();

    TestSubscriber<Long> subscriber = Flowable.interval(5, TimeUnit.MILLISECONDS, scheduler())
        .doOnNext(i -> {
          generated.incrementAndGet();
          loop.complete(Loops.getRunningLoop());
        })
        .test();
    subscriber.awaitCount(2);
    subscriber.cancel();
    int atCancel = generated.get();
    awaitMarker(get(loop), Duration.ofMillis(50));

    assertThat(generated.get()).as("ticks after the cancel, at most one in flight").isLessThanOrEqualTo(atCancel + 1);
  }

  /** The README's recipe for RxJava's blocking check: is a loop running on this thread? */
  static boolean onALoopThread() {
    try {
      Loops.getRunningLoop();
      return true;
    } catch (IllegalStateException notALoopThread) {
      return false;
    }
  }

  @Test
  void blockingOnALoopThreadIsRefusedThroughRxJavasOnBeforeBlockingHook() throws Exception {
    RxJavaPlugins.setFailOnNonBlockingScheduler(true);
    RxJavaPlugins.setOnBeforeBlocking(AbstractLoopSchedulerTest::onALoopThread);
    CompletableFuture<Throwable> refused = new CompletableFuture<>();

    scheduler().scheduleDirect(() -> {
      try {
        Single.timer(1, TimeUnit.SECONDS).blockingGet();
        refused.complete(null);
      } catch (IllegalStateException e) {
        refused.complete(e);
      }
    });

    assertThat(get(refused)).hasMessageStartingWith("Attempt to block on a Scheduler");
    assertThat(Single.just(1).delay(1, TimeUnit.MILLISECONDS).blockingGet()).as("off the loops").isEqualTo(1);
  }

  // ------------------------------------------------------------------ time

  @Test
  void nowReadsTheLoopsClock() throws Exception {
    Scheduler.Worker worker = scheduler().createWorker();
    try {
      EventLoop loop = loopOf(worker);

      long before = loop.time();
      long now = scheduler().now(TimeUnit.NANOSECONDS);
      long workerNow = worker.now(TimeUnit.NANOSECONDS);
      long after = loop.time();
      long millis = scheduler().now(TimeUnit.MILLISECONDS);
      long afterMillis = TimeUnit.NANOSECONDS.toMillis(loop.time());

      assertThat(now).isBetween(before, after);
      assertThat(workerNow).isBetween(now, after);
      assertThat(millis).isBetween(TimeUnit.NANOSECONDS.toMillis(after), afterMillis);
    } finally {
      worker.dispose();
    }
  }

  // ------------------------------------------------------------------ lifecycle

  @Test
  void shutdownAndStartLeaveTheUsersLoopsRunning() throws Exception {
    assumeFalse(ownsItsLoops(), "owns its loops");
    CompletableFuture<Thread> ran = new CompletableFuture<>();

    scheduler().shutdown();
    scheduler().start();
    scheduler().shutdown();
    scheduler().scheduleDirect(() -> ran.complete(Thread.currentThread()));

    assertThat(isLoopThread(get(ran))).isTrue();
    assertThat(errors).isEmpty();
  }

  @Test
  void shutdownOfItsOwnLoopsRefusesLaterTasksAndReportsThem() throws Exception {
    assumeTrue(ownsItsLoops(), "owns its loops");
    Scheduler.Worker before = scheduler().createWorker();
    loopOf(before);

    scheduler().shutdown();
    Scheduler.Worker after = scheduler().createWorker();

    assertThat(scheduler().scheduleDirect(() -> {})).isSameAs(Disposable.disposed());
    assertThat(scheduler().scheduleDirect(() -> {}, 1, TimeUnit.SECONDS)).isSameAs(Disposable.disposed());
    assertThat(scheduler().schedulePeriodicallyDirect(() -> {}, 1, 1, TimeUnit.SECONDS))
        .isSameAs(Disposable.disposed());
    assertThat(after.schedule(() -> {})).isSameAs(Disposable.disposed());
    assertThat(after.isDisposed()).as("a worker refused by its loop disposes itself").isTrue();
    await().atMost(WAIT).untilAsserted(() ->
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(this::isLoopThread));
    assertThat(before.schedule(() -> {})).isSameAs(Disposable.disposed());
    assertThat(errors).hasSize(5)
        .allSatisfy(e -> assertThat(unwrap(e)).isInstanceOf(RejectedExecutionException.class));
  }

  @Test
  void startAfterShutdownRunsTasksOnNewLoops() throws Exception {
    assumeTrue(ownsItsLoops(), "owns its loops");
    scheduler().shutdown();
    await().atMost(WAIT).untilAsserted(() ->
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(this::isLoopThread));

    scheduler().start();
    scheduler().start(); // a second start does not make a second group
    CompletableFuture<Thread> ran = new CompletableFuture<>();
    scheduler().scheduleDirect(() -> ran.complete(Thread.currentThread()));

    assertThat(isLoopThread(get(ran))).isTrue();
    assertThat(Thread.getAllStackTraces().keySet().stream().filter(this::isLoopThread)).hasSize(2);
    assertThat(errors).isEmpty();
  }
}
