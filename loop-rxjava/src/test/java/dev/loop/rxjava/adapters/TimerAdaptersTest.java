package dev.loop.rxjava.adapters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loop.rxjava.RxLoop;
import dev.loop.test.TestLoop;
import io.reactivex.rxjava3.exceptions.MissingBackpressureException;
import io.reactivex.rxjava3.observers.TestObserver;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Timers and intervals on loop timers, in the virtual time of a {@link TestLoop}. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TimerAdaptersTest {

  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  private TestLoop loop;

  @BeforeEach
  void createLoop() {
    loop = TestLoop.create();
  }

  @AfterEach
  void closeLoop() {
    if (!loop.isClosed()) {
      loop.close();
    }
  }

  @Test
  void timerCompletesWhenItsDelayHasPassedOnTheLoopClock() {
    TestObserver<Void> to = RxLoop.timer(loop, Duration.ofSeconds(5)).test();

    loop.advance(Duration.ofMillis(4_999));
    to.assertNotComplete();
    loop.advance(Duration.ofMillis(1));

    to.assertComplete();
    assertThat(loop.time()).isEqualTo(5 * SECOND);
  }

  @Test
  void timerSingleEmitsZeroAfterItsDelay() {
    TestObserver<Long> to = RxLoop.timerSingle(loop, Duration.ofMinutes(1)).test();

    loop.advance(Duration.ofMinutes(1));

    to.assertResult(0L);
  }

  @Test
  void aNegativeDelayCompletesAsSoonAsTheLoopRuns() {
    TestObserver<Void> to = RxLoop.timer(loop, Duration.ofSeconds(-1)).test();

    loop.runUntilIdle();

    to.assertComplete();
  }

  @Test
  void disposingATimerCancelsItsLoopTimer() {
    TestObserver<Void> to = RxLoop.timer(loop, Duration.ofSeconds(5)).test();
    TestObserver<Long> single = RxLoop.timerSingle(loop, Duration.ofSeconds(5)).test();
    loop.runUntilIdle(); // moves the timers scheduled from this thread into the heap
    assertThat(loop.timerHeapSize()).isEqualTo(2);

    to.dispose();
    single.dispose();
    loop.runUntilIdle();

    assertThat(loop.timerHeapSize()).isZero();
    loop.advance(Duration.ofSeconds(10));
    to.assertEmpty();
    single.assertEmpty();
  }

  @Test
  void intervalTicksEveryPeriodStartingAfterOnePeriod() {
    List<Long> times = new ArrayList<>();
    TestObserver<Long> to = RxLoop.interval(loop, Duration.ofSeconds(1))
        .doOnNext(tick -> times.add(loop.time()))
        .test();

    loop.advance(Duration.ofSeconds(3));

    to.assertValues(0L, 1L, 2L).assertNotComplete();
    assertThat(times).containsExactly(SECOND, 2 * SECOND, 3 * SECOND);
  }

  @Test
  void intervalKeepsAFixedRateWhenATickIsSlow() {
    List<Long> times = new ArrayList<>();
    RxLoop.interval(loop, Duration.ofSeconds(1))
        .doOnNext(tick -> {
          times.add(loop.time());
          if (tick == 0) {
            loop.advance(Duration.ofMillis(300)); // on the loop thread: only moves the clock
          }
        })
        .test();

    loop.advance(Duration.ofSeconds(3));

    assertThat(times).containsExactly(SECOND, 2 * SECOND, 3 * SECOND);
  }

  @Test
  void intervalWithAnInitialDelayTicksFirstAfterIt() {
    List<Long> times = new ArrayList<>();
    RxLoop.interval(loop, Duration.ofSeconds(5), Duration.ofSeconds(1))
        .doOnNext(tick -> times.add(loop.time()))
        .test();

    loop.advance(Duration.ofSeconds(7));

    assertThat(times).containsExactly(5 * SECOND, 6 * SECOND, 7 * SECOND);
  }

  @Test
  void disposingAnIntervalLeavesNoTimerInTheHeap() {
    TestObserver<Long> to = RxLoop.interval(loop, Duration.ofSeconds(1)).test();
    loop.advance(Duration.ofMillis(2_500));
    assertThat(loop.timerHeapSize()).isEqualTo(1);

    to.dispose();
    loop.runUntilIdle();

    assertThat(loop.timerHeapSize()).isZero();
    loop.advance(Duration.ofSeconds(10));
    to.assertValues(0L, 1L);
  }

  @Test
  void disposingAnIntervalFromInsideATickLeavesNoTimer() {
    TestObserver<Long> to = new TestObserver<>();
    RxLoop.interval(loop, Duration.ofSeconds(1))
        .doOnNext(tick -> {
          if (tick == 2) {
            to.dispose();
          }
        })
        .subscribe(to);

    loop.advance(Duration.ofSeconds(5));

    to.assertValues(0L, 1L, 2L);
    assertThat(loop.timerHeapSize()).isZero();
  }

  @Test
  void intervalFlowableDeliversWhatIsRequested() {
    TestSubscriber<Long> ts = RxLoop.intervalFlowable(loop, Duration.ofSeconds(1)).test(3);

    loop.advance(Duration.ofSeconds(3));

    ts.assertValues(0L, 1L, 2L).assertNoErrors();
  }

  @Test
  void intervalFlowableFailsWithMissingBackpressureWhenATickFindsNoDemandAndStopsItsTimer() {
    TestSubscriber<Long> ts = RxLoop.intervalFlowable(loop, Duration.ofSeconds(1), Duration.ofSeconds(1))
        .test(2);

    loop.advance(Duration.ofSeconds(3));
    loop.runUntilIdle();

    ts.assertValues(0L, 1L);
    ts.assertError(MissingBackpressureException.class);
    assertThat(loop.timerHeapSize()).isZero();
  }

  @Test
  void aPeriodThatIsNotPositiveIsRejectedAtTheCall() {
    assertThatThrownBy(() -> RxLoop.interval(loop, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("period");
    assertThatThrownBy(() -> RxLoop.intervalFlowable(loop, Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("period");
    assertThatThrownBy(() -> RxLoop.interval(loop, null, Duration.ofSeconds(1)))
        .isInstanceOf(NullPointerException.class).hasMessage("initialDelay");
    assertThatThrownBy(() -> RxLoop.timer(null, Duration.ZERO))
        .isInstanceOf(NullPointerException.class).hasMessage("loop");
    assertThatThrownBy(() -> RxLoop.timerSingle(loop, null))
        .isInstanceOf(NullPointerException.class).hasMessage("delay");
  }

  @Test
  void aTimerOnAClosedLoopFailsWithIllegalStateException() {
    loop.close();

    RxLoop.timer(loop, Duration.ofSeconds(1)).test().assertError(IllegalStateException.class);
    RxLoop.interval(loop, Duration.ofSeconds(1)).test().assertError(IllegalStateException.class);
  }
}
