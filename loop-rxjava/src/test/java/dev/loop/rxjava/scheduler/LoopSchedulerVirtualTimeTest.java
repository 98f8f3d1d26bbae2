package dev.loop.rxjava.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loop.rxjava.LoopScheduler;
import dev.loop.test.TestLoop;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Observable;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.disposables.Disposable;
import io.reactivex.rxjava3.exceptions.UndeliverableException;
import io.reactivex.rxjava3.observers.TestObserver;
import io.reactivex.rxjava3.plugins.RxJavaPlugins;
import io.reactivex.rxjava3.schedulers.TestScheduler;
import io.reactivex.rxjava3.schedulers.Timed;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link LoopScheduler} over loop-test's virtual-time {@link TestLoop}: exact deadlines, the
 * fixed-rate grid, timers that leave the loop's heap when disposed, and the same results as
 * RxJava's own {@link TestScheduler} for the same pipeline. Everything runs on the test thread,
 * inside {@code advance} and {@code runUntilIdle}.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LoopSchedulerVirtualTimeTest {

  private final BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
  private TestLoop loop;
  private LoopScheduler scheduler;

  @BeforeEach
  void makeLoop() {
    loop = TestLoop.create();
    scheduler = LoopScheduler.of(loop);
    RxJavaPlugins.setErrorHandler(errors::add);
  }

  @AfterEach
  void closeLoop() {
    loop.close();
    RxJavaPlugins.reset();
  }

  private static long ms(long millis) {
    return TimeUnit.MILLISECONDS.toNanos(millis);
  }

  @Test
  void periodicTaskRunsExactlyOnTheGridOfLoopTimeWhileItsRunsTakeTime() {
    List<Long> runs = new ArrayList<>();
    long[] costs = {30, 0, 45, 10, 49, 20}; // each run "takes" this long, all under the period

    scheduler.schedulePeriodicallyDirect(() -> {
      runs.add(loop.time());
      loop.advance(Duration.ofMillis(costs[(runs.size() - 1) % costs.length])); // only moves the clock
    }, 100, 50, TimeUnit.MILLISECONDS);
    loop.advance(Duration.ofMillis(100 + 50 * 9));

    List<Long> grid = new ArrayList<>();
    for (int k = 0; k < 10; k++) {
      grid.add(ms(100 + 50L * k));
    }
    assertThat(runs).containsExactlyElementsOf(grid);
  }

  @Test
  void periodicTaskThatOverrunsItsPeriodRunsLateOnceThenReturnsToTheGrid() {
    List<Long> runs = new ArrayList<>();

    scheduler.schedulePeriodicallyDirect(() -> {
      runs.add(loop.time());
      if (runs.size() == 1) {
        loop.advance(Duration.ofMillis(70)); // the first run overruns the 50 ms period
      }
    }, 100, 50, TimeUnit.MILLISECONDS);
    loop.advance(Duration.ofMillis(300));

    // Run 1 was due at 150 and runs as soon as run 0 ends (170); run 2 is due at 200, not 220:
    // deadlines stay first + k * period, whatever the runs cost.
    assertThat(runs).containsExactly(ms(100), ms(170), ms(200), ms(250), ms(300));
  }

  @Test
  void delayedDirectTaskRunsAtItsDeadline() {
    List<Long> ranAt = new ArrayList<>();

    scheduler.scheduleDirect(() -> ranAt.add(loop.time()), 5, TimeUnit.SECONDS);
    loop.advance(Duration.ofMillis(4_999));
    List<Long> beforeDeadline = List.copyOf(ranAt);
    loop.advance(Duration.ofMillis(1));

    assertThat(beforeDeadline).isEmpty();
    assertThat(ranAt).containsExactly(TimeUnit.SECONDS.toNanos(5));
  }

  @Test
  void disposedDelayedDirectTaskLeavesTheLoopsTimerHeapAndNeverRuns() {
    AtomicInteger ran = new AtomicInteger();

    Disposable task = scheduler.scheduleDirect(ran::incrementAndGet, 1, TimeUnit.HOURS);
    loop.runUntilIdle();
    int pending = loop.timerHeapSize();
    task.dispose();
    loop.runUntilIdle();

    assertThat(pending).isEqualTo(1);
    assertThat(loop.timerHeapSize()).isZero();
    loop.advance(Duration.ofHours(2));
    assertThat(ran).hasValue(0);
  }

  @Test
  void disposedWorkerTakesItsManyPendingTimersOffTheLoop() {
    Scheduler.Worker disposed = scheduler.createWorker();
    Scheduler.Worker kept = scheduler.createWorker();
    AtomicInteger ran = new AtomicInteger();
    for (int i = 1; i <= 150; i++) {
      disposed.schedule(ran::incrementAndGet, i, TimeUnit.SECONDS);
    }
    disposed.schedulePeriodically(ran::incrementAndGet, 1, 1, TimeUnit.SECONDS);
    kept.schedule(() -> ran.addAndGet(1_000), 30, TimeUnit.MINUTES);
    loop.runUntilIdle();
    int pending = loop.timerHeapSize();

    disposed.dispose();
    loop.runUntilIdle();

    assertThat(pending).isEqualTo(152);
    assertThat(loop.timerHeapSize()).as("only the kept worker's timer").isEqualTo(1);
    loop.advance(Duration.ofHours(1));
    assertThat(ran).as("only the kept worker's task ran").hasValue(1_000);
    kept.dispose();
  }

  @Test
  void disposedWorkerTakesAFewPendingTimersOffTheLoop() {
    Scheduler.Worker worker = scheduler.createWorker();
    AtomicInteger ran = new AtomicInteger();
    worker.schedule(ran::incrementAndGet, 1, TimeUnit.SECONDS);
    worker.schedule(ran::incrementAndGet, 2, TimeUnit.SECONDS);
    worker.schedulePeriodically(ran::incrementAndGet, 3, 1, TimeUnit.SECONDS);
    loop.runUntilIdle();
    int pending = loop.timerHeapSize();

    worker.dispose();
    loop.runUntilIdle();

    assertThat(pending).isEqualTo(3);
    assertThat(loop.timerHeapSize()).isZero();
    loop.advance(Duration.ofSeconds(10));
    assertThat(ran).hasValue(0);
  }

  @Test
  void disposedPeriodicTaskLeavesTheTimerHeapAndStopsTicking() {
    AtomicInteger ticks = new AtomicInteger();

    Disposable task = scheduler.schedulePeriodicallyDirect(ticks::incrementAndGet, 1, 1, TimeUnit.SECONDS);
    loop.advance(Duration.ofSeconds(3));
    int pending = loop.timerHeapSize();
    task.dispose();
    loop.runUntilIdle();

    assertThat(ticks).hasValue(3);
    assertThat(pending).as("the next tick's timer").isEqualTo(1);
    assertThat(loop.timerHeapSize()).isZero();
    loop.advance(Duration.ofSeconds(10));
    assertThat(ticks).hasValue(3);
  }

  @Test
  void throwingPeriodicTaskStopsAtTheRunThatThrewAndIsReported() {
    AtomicInteger runs = new AtomicInteger();
    IllegalStateException boom = new IllegalStateException("boom");

    Disposable task = scheduler.schedulePeriodicallyDirect(() -> {
      if (runs.incrementAndGet() == 3) {
        throw boom;
      }
    }, 1, 1, TimeUnit.SECONDS);
    loop.advance(Duration.ofSeconds(10));

    assertThat(runs).hasValue(3);
    assertThat(task.isDisposed()).isTrue();
    assertThat(loop.timerHeapSize()).isZero();
    assertThat(errors).singleElement().isSameAs(boom);
  }

  @Test
  void throwingTaskIsWrappedAsRxJavaWrapsUndeliverableErrors() {
    RuntimeException boom = new RuntimeException("not one of RxJava's 'bug' exceptions");

    scheduler.scheduleDirect(() -> {
      throw boom;
    });
    loop.runUntilIdle();

    assertThat(errors).singleElement().isInstanceOf(UndeliverableException.class)
        .extracting(Throwable::getCause).isSameAs(boom);
  }

  @Test
  void nowFollowsTheVirtualClock() {
    Scheduler.Worker worker = scheduler.createWorker();

    loop.advance(Duration.ofMinutes(90));

    assertThat(scheduler.now(TimeUnit.MINUTES)).isEqualTo(90);
    assertThat(worker.now(TimeUnit.SECONDS)).isEqualTo(5_400);
    worker.dispose();
  }

  @Test
  void intervalEmitsAtTheSameTimesAsOnRxJavasTestScheduler() {
    Function<Scheduler, Observable<Timed<Long>>> pipeline = s ->
        Observable.interval(100, 50, TimeUnit.MILLISECONDS, s).take(5).timestamp(TimeUnit.MILLISECONDS, s);
    TestScheduler rx = new TestScheduler();

    TestObserver<Timed<Long>> onRx = pipeline.apply(rx).test();
    rx.advanceTimeBy(1, TimeUnit.SECONDS);
    TestObserver<Timed<Long>> onLoop = pipeline.apply(scheduler).test();
    loop.advance(Duration.ofSeconds(1));

    onRx.assertComplete();
    onLoop.assertComplete();
    assertThat(times(onLoop)).isEqualTo(times(onRx))
        .isEqualTo(List.of("0@100", "1@150", "2@200", "3@250", "4@300"));
  }

  @Test
  void delayAndTimeoutBehaveAsOnRxJavasTestScheduler() {
    Function<Scheduler, Observable<Timed<Integer>>> pipeline = s -> Observable.just(1, 2, 3)
        .concatMap(i -> Observable.just(i).delay(i, TimeUnit.HOURS, s))
        .timeout(90, TimeUnit.MINUTES, s)
        .onErrorReturnItem(-1)
        .timestamp(TimeUnit.MILLISECONDS, s);
    TestScheduler rx = new TestScheduler();

    TestObserver<Timed<Integer>> onRx = pipeline.apply(rx).test();
    rx.advanceTimeBy(1, TimeUnit.DAYS);
    TestObserver<Timed<Integer>> onLoop = pipeline.apply(scheduler).test();
    loop.advance(Duration.ofDays(1));

    // 1 after 1 h; 2 would come 2 h later, past the 90-minute timeout: -1 at 2 h 30.
    onLoop.assertComplete();
    assertThat(times(onLoop)).isEqualTo(times(onRx)).containsExactly("1@3600000", "-1@9000000");
  }

  @Test
  void observeOnDeliversWhenTheLoopRunsInFifoOrder() {
    TestSubscriber<Integer> subscriber = Flowable.range(1, 100).observeOn(scheduler).test();
    int beforeTheLoopRan = subscriber.values().size();

    loop.runUntilIdle();

    assertThat(beforeTheLoopRan).isZero();
    subscriber.assertComplete();
    assertThat(subscriber.values()).hasSize(100).isSorted();
  }

  private static <T> List<String> times(TestObserver<Timed<T>> observer) {
    return observer.values().stream().map(t -> t.value() + "@" + t.time()).collect(Collectors.toList());
  }
}
