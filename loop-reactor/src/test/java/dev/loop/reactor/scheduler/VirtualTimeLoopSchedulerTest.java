package dev.loop.reactor.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loop.reactor.LoopScheduler;
import dev.loop.test.TestLoop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.test.StepVerifier;

/**
 * The scheduler's timers in the loop's virtual time ({@link TestLoop}): deadlines are exact, so the
 * fixed rate of periodic tasks and the cancellation of timers can be pinned down to the nanosecond.
 * Each {@code advance} runs what falls due on the test thread, which is the loop thread meanwhile.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class VirtualTimeLoopSchedulerTest {

  private TestLoop loop;
  private LoopScheduler scheduler;

  @BeforeEach
  void newLoop() {
    loop = TestLoop.create();
    scheduler = LoopScheduler.of(loop);
  }

  @AfterEach
  void closeLoop() {
    scheduler.dispose();
    loop.close();
  }

  private static long ms(long millis) {
    return TimeUnit.MILLISECONDS.toNanos(millis);
  }

  @Test
  void periodicTaskRunsAtExactlyInitialDelayPlusMultiplesOfThePeriodWhateverEachRunTakes() {
    List<Long> starts = new ArrayList<>();

    scheduler.schedulePeriodically(() -> {
      starts.add(loop.time());
      loop.advance(Duration.ofMillis(30)); // each run "takes" 30 ms of loop time
    }, 100, 250, TimeUnit.MILLISECONDS);
    loop.advance(Duration.ofMillis(1000));
    loop.advance(Duration.ofMillis(100));

    // "now + period" after each run would give 100, 380, 660, 940: the rate would drift by 30 ms a run
    assertThat(starts).containsExactly(ms(100), ms(350), ms(600), ms(850), ms(1100));
  }

  @Test
  void lateLoopCatchesUpOnMissedPeriodsAndKeepsTheOriginalGrid() {
    List<Long> starts = new ArrayList<>();

    scheduler.schedulePeriodically(() -> {
      starts.add(loop.time());
      if (starts.size() == 1) {
        loop.advance(Duration.ofMillis(350)); // the first run overruns three periods
      }
    }, 0, 100, TimeUnit.MILLISECONDS);
    loop.advance(Duration.ofMillis(500));

    assertThat(starts).hasSize(6);
    assertThat(starts.subList(4, 6)).containsExactly(ms(400), ms(500));
  }

  @Test
  void disposedPeriodicTaskNeverRunsAgain() {
    AtomicInteger ticks = new AtomicInteger();

    Disposable d = scheduler.schedulePeriodically(ticks::incrementAndGet, 10, 10, TimeUnit.MILLISECONDS);
    loop.advance(Duration.ofMillis(25));
    d.dispose();
    loop.advance(Duration.ofSeconds(1));

    assertThat(ticks).hasValue(2);
    assertThat(d.isDisposed()).isTrue();
  }

  @Test
  void delayedTaskRunsExactlyAtItsDeadline() {
    List<Long> ranAt = new ArrayList<>();

    scheduler.schedule(() -> ranAt.add(scheduler.now(TimeUnit.NANOSECONDS)), 1, TimeUnit.HOURS);
    loop.advance(Duration.ofMinutes(59));
    assertThat(ranAt).isEmpty();
    loop.advance(Duration.ofMinutes(1));

    assertThat(ranAt).containsExactly(TimeUnit.HOURS.toNanos(1));
  }

  @Test
  void disposedWorkersTimersNeverFire() {
    Scheduler.Worker worker = scheduler.createWorker();
    AtomicInteger runs = new AtomicInteger();
    worker.schedule(runs::incrementAndGet, 1, TimeUnit.SECONDS);
    worker.schedulePeriodically(runs::incrementAndGet, 1, 1, TimeUnit.SECONDS);

    worker.dispose();
    loop.advance(Duration.ofSeconds(10));

    assertThat(runs).hasValue(0);
  }

  @Test
  void disposedSchedulersTimersNeverFireAndTheLoopKeepsItsOwn() {
    AtomicInteger runs = new AtomicInteger();
    AtomicInteger loopTimer = new AtomicInteger();
    scheduler.schedule(runs::incrementAndGet, 1, TimeUnit.SECONDS);
    scheduler.createWorker().schedule(runs::incrementAndGet, 1, TimeUnit.SECONDS);
    loop.callLater(Duration.ofSeconds(1), loopTimer::incrementAndGet);

    scheduler.dispose();
    loop.advance(Duration.ofSeconds(2));

    assertThat(runs).hasValue(0);
    assertThat(loopTimer).as("the loop is not the scheduler's to cancel").hasValue(1);
  }

  @Test
  void nowIsTheLoopsVirtualTime() {
    assertThat(scheduler.now(TimeUnit.SECONDS)).isZero();

    loop.advance(Duration.ofSeconds(5));

    assertThat(scheduler.now(TimeUnit.SECONDS)).isEqualTo(5);
    assertThat(scheduler.now(TimeUnit.MILLISECONDS)).isEqualTo(5000);
  }

  @Test
  void fluxIntervalOnTheSchedulerFollowsTheLoopsVirtualClock() {
    StepVerifier.create(Flux.interval(Duration.ofSeconds(1), scheduler).take(3))
        .expectSubscription()
        .then(() -> loop.advance(Duration.ofMillis(999)))
        .expectNoEvent(Duration.ZERO)
        .then(() -> loop.advance(Duration.ofMillis(1)))
        .expectNext(0L)
        .then(() -> loop.advance(Duration.ofSeconds(2)))
        .expectNext(1L, 2L)
        .verifyComplete();
  }

  @Test
  void reactorVirtualTimeAndLoopVirtualTimeComposeThroughPublishOn() {
    // Mono.delay runs on Reactor's VirtualTimeScheduler, publishOn hands the value to the loop: each
    // clock moves only when the test moves it.
    StepVerifier.withVirtualTime(() -> Mono.delay(Duration.ofHours(1)).publishOn(scheduler))
        .expectSubscription()
        .thenAwait(Duration.ofHours(1))
        .expectNoEvent(Duration.ZERO)
        .then(loop::runUntilIdle)
        .expectNext(0L)
        .verifyComplete();
  }
}
