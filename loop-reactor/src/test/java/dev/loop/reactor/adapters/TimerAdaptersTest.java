package dev.loop.reactor.adapters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loop.reactor.ReactorLoop;
import dev.loop.test.TestLoop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;
import reactor.core.Exceptions;
import reactor.test.StepVerifier;

/** {@code delay} and {@code interval} on loop timers, in the virtual time of a {@link TestLoop}. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TimerAdaptersTest {

  private final TestLoop loop = TestLoop.create();

  @AfterEach
  void closeLoop() {
    loop.close();
  }

  private static long seconds(double s) {
    return (long) (s * 1_000_000_000L);
  }

  // ------------------------------------------------------------------ delay

  @Test
  void delayEmitsZeroOnTheLoopWhenItsLoopTimerFires() {
    List<Long> times = new ArrayList<>();
    List<Long> values = new ArrayList<>();
    ReactorLoop.delay(loop, Duration.ofSeconds(5)).subscribe(v -> {
      values.add(v);
      times.add(loop.time());
    });

    loop.advance(Duration.ofSeconds(4));
    assertThat(values).isEmpty();
    loop.advance(Duration.ofSeconds(1));

    assertThat(values).containsExactly(0L);
    assertThat(times).containsExactly(seconds(5));
  }

  @Test
  void delayCompletesAfterItsValue() {
    StepVerifier.create(ReactorLoop.delay(loop, Duration.ofHours(1)))
        .then(() -> loop.advance(Duration.ofHours(1)))
        .expectNext(0L)
        .verifyComplete();
  }

  @Test
  void cancellingDelayCancelsItsTimerAndLeavesNoTimerBehind() {
    List<Long> values = new ArrayList<>();
    Disposable subscription = ReactorLoop.delay(loop, Duration.ofSeconds(5)).subscribe(values::add);
    loop.runUntilIdle(); // a timer scheduled from outside the loop reaches the heap in an iteration
    assertThat(loop.timerHeapSize()).isEqualTo(1);

    subscription.dispose();
    loop.runUntilIdle();

    assertThat(loop.timerHeapSize()).isZero();
    loop.advance(Duration.ofSeconds(10));
    assertThat(values).isEmpty();
  }

  @Test
  void delayOnAClosedLoopFailsWithTheLoopError() {
    TestLoop closed = TestLoop.create();
    closed.close();

    StepVerifier.create(ReactorLoop.delay(closed, Duration.ofSeconds(1)))
        .expectError(IllegalStateException.class)
        .verify(Duration.ofSeconds(5));
  }

  // ------------------------------------------------------------------ interval

  @Test
  void intervalTicksAtAFixedRateOnLoopTimeEvenWhenTheSubscriberIsSlow() {
    List<Long> ticks = new ArrayList<>();
    List<Long> times = new ArrayList<>();
    ReactorLoop.interval(loop, Duration.ofSeconds(1), Duration.ofMillis(500))
        .take(4)
        .subscribe(tick -> {
          ticks.add(tick);
          times.add(loop.time());
          loop.advance(Duration.ofMillis(300)); // on the loop thread: a slow subscriber uses 300 ms
        });

    loop.advance(Duration.ofSeconds(10));

    assertThat(ticks).containsExactly(0L, 1L, 2L, 3L);
    // each tick at start + 0.5 s + k s: the 300 ms the subscriber takes do not push the next ones
    assertThat(times).containsExactly(seconds(0.5), seconds(1.5), seconds(2.5), seconds(3.5));
  }

  @Test
  void intervalWithOnlyAPeriodFirstTicksAfterOnePeriod() {
    StepVerifier.create(ReactorLoop.interval(loop, Duration.ofMinutes(1)).take(2))
        .then(() -> loop.advance(Duration.ofSeconds(59)))
        .then(() -> assertThat(loop.time()).isEqualTo(seconds(59)))
        .then(() -> loop.advance(Duration.ofSeconds(1)))
        .expectNext(0L)
        .then(() -> loop.advance(Duration.ofMinutes(1)))
        .expectNext(1L)
        .verifyComplete();
  }

  @Test
  void aLoopThatFellBehindRunsTheLateTicksBackToBack() {
    List<Long> times = new ArrayList<>();
    ReactorLoop.interval(loop, Duration.ofSeconds(1), Duration.ZERO)
        .take(4)
        .subscribe(tick -> {
          times.add(loop.time());
          if (tick == 0) {
            loop.advance(Duration.ofMillis(2500)); // tick 0 blocks the loop for 2.5 s
          }
        });

    loop.advance(Duration.ofSeconds(5));

    // ticks 1 and 2 were due at 1 s and 2 s: they run at once, at 2.5 s; tick 3 is on time
    assertThat(times).containsExactly(0L, seconds(2.5), seconds(2.5), seconds(3));
  }

  @Test
  void intervalWithoutDemandFailsWithOverflowAsFluxIntervalDoes() {
    StepVerifier.create(ReactorLoop.interval(loop, Duration.ofSeconds(1)), 1)
        .then(() -> loop.advance(Duration.ofSeconds(1)))
        .expectNext(0L)
        .then(() -> loop.advance(Duration.ofSeconds(1)))
        .expectErrorSatisfies(e -> assertThat(e)
            .matches(Exceptions::isOverflow, "is an overflow")
            .hasMessageContaining("Could not emit tick 1 due to lack of requests"))
        .verify();

    loop.runUntilIdle();
    assertThat(loop.timerHeapSize()).as("no timer after the error").isZero();
  }

  @Test
  void cancellingIntervalCancelsItsTimerAndLeavesNoTimerBehind() {
    List<Long> ticks = new ArrayList<>();
    Disposable subscription = ReactorLoop.interval(loop, Duration.ofSeconds(1)).subscribe(ticks::add);
    loop.advance(Duration.ofSeconds(3));
    assertThat(ticks).containsExactly(0L, 1L, 2L);
    assertThat(loop.timerHeapSize()).as("the next tick's timer").isEqualTo(1);

    subscription.dispose();
    loop.runUntilIdle();

    assertThat(loop.timerHeapSize()).isZero();
    loop.advance(Duration.ofSeconds(5));
    assertThat(ticks).containsExactly(0L, 1L, 2L);
  }

  @Test
  void takeOnIntervalCancelsItsTimerWhenDone() {
    StepVerifier.create(ReactorLoop.interval(loop, Duration.ofSeconds(1)).take(3))
        .then(() -> loop.advance(Duration.ofSeconds(3)))
        .expectNext(0L, 1L, 2L)
        .verifyComplete();

    loop.runUntilIdle();
    assertThat(loop.timerHeapSize()).isZero();
  }

  @Test
  void timerArgumentsAreCheckedAtTheCall() {
    assertThatThrownBy(() -> ReactorLoop.delay(loop, Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("delay");
    assertThatThrownBy(() -> ReactorLoop.delay(loop, null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("delay");
    assertThatThrownBy(() -> ReactorLoop.interval(loop, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("period");
    assertThatThrownBy(() -> ReactorLoop.interval(loop, Duration.ofSeconds(1), Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("initialDelay");
    assertThatThrownBy(() -> ReactorLoop.interval(null, Duration.ofSeconds(1)))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("loop");
  }
}
