package dev.loop.reactor.adapters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loop.EventLoop;
import dev.loop.LoopFuture;
import dev.loop.reactor.ReactorLoop;
import dev.loop.test.TestLoop;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** {@code LoopFuture} to {@code Mono} and back, with cancellation across, on a virtual-time loop. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FutureAdaptersTest {

  private final TestLoop loop = TestLoop.create();

  @AfterEach
  void closeLoop() {
    loop.close();
  }

  // ------------------------------------------------------------------ LoopFuture -> Mono

  @Test
  void monoEmitsTheFutureResultOnTheLoopThread() {
    LoopFuture<String> future = loop.createFuture();
    List<Boolean> onLoop = new ArrayList<>();

    StepVerifier.create(ReactorLoop.mono(future).doOnNext(v -> onLoop.add(loop.inEventLoop())))
        .then(() -> {
          future.setResult("answer");
          loop.runUntilIdle();
        })
        .expectNext("answer")
        .verifyComplete();
    assertThat(onLoop).containsExactly(true);
  }

  @Test
  void monoOfAFutureCompletedWithNullCompletesEmpty() {
    LoopFuture<String> future = loop.createFuture();
    future.setResult(null);

    StepVerifier.create(ReactorLoop.mono(future))
        .then(loop::runUntilIdle)
        .verifyComplete();
  }

  @Test
  void monoOfAFailedFutureFailsWithTheFutureException() {
    LoopFuture<String> future = loop.createFuture();
    IOException failure = new IOException("disk on fire");

    StepVerifier.create(ReactorLoop.mono(future))
        .then(() -> {
          future.setException(failure);
          loop.runUntilIdle();
        })
        .expectErrorSatisfies(e -> assertThat(e).isSameAs(failure))
        .verify();
  }

  @Test
  void monoOfACancelledFutureFailsWithCancellationException() {
    LoopFuture<String> future = loop.createFuture();

    StepVerifier.create(ReactorLoop.mono(future))
        .then(() -> {
          future.cancel();
          loop.runUntilIdle();
        })
        .expectError(CancellationException.class)
        .verify();
  }

  @Test
  void cancellingTheMonoSubscriptionCancelsTheFutureAndSignalsNothing() {
    LoopFuture<String> future = loop.createFuture();
    List<String> signals = new ArrayList<>();

    Disposable subscription = ReactorLoop.mono(future)
        .subscribe(v -> signals.add("next"), e -> signals.add("error " + e), () -> signals.add("complete"));
    subscription.dispose();
    loop.runUntilIdle();

    assertThat(future.isCancelled()).isTrue();
    assertThat(signals).isEmpty();
  }

  @Test
  void eachSubscriptionOfTheMonoSeesTheSameFuture() {
    LoopFuture<Integer> future = loop.createFuture();
    Mono<Integer> mono = ReactorLoop.mono(future);
    List<Integer> seen = new ArrayList<>();
    mono.subscribe(seen::add);
    mono.subscribe(seen::add);

    future.setResult(7);
    loop.runUntilIdle();

    assertThat(seen).containsExactly(7, 7);
  }

  // ------------------------------------------------------------------ Mono -> LoopFuture

  @Test
  void toFutureCompletesOnTheLoopWithTheMonoValue() {
    LoopFuture<String> future = ReactorLoop.toFuture(loop, Mono.just("value"));

    assertThat(future.isDone()).as("completed by a callback of the loop, not inline").isFalse();
    assertThat(loop.runUntilComplete(future)).isEqualTo("value");
    assertThat(future.getLoop()).isSameAs(loop);
  }

  @Test
  void toFutureOfAnEmptyMonoCompletesWithNull() {
    LoopFuture<String> future = ReactorLoop.toFuture(loop, Mono.empty());

    assertThat(loop.runUntilComplete(future)).isNull();
  }

  @Test
  void toFutureOfAFailingMonoFailsWithTheSameException() {
    IllegalStateException failure = new IllegalStateException("nope");
    LoopFuture<String> future = ReactorLoop.toFuture(loop, Mono.error(failure));
    loop.runUntilIdle();

    assertThat(future.isDone()).isTrue();
    assertThat(future.exception()).isSameAs(failure);
  }

  @Test
  void toFutureOfAMonoThatFailsWithCancellationIsCancelled() {
    LoopFuture<String> future = ReactorLoop.toFuture(loop, Mono.error(new CancellationException("gone")));
    loop.runUntilIdle();

    assertThat(future.isCancelled()).isTrue();
  }

  @Test
  void cancellingTheFutureDisposesTheSubscriptionAtOnce() {
    AtomicBoolean cancelled = new AtomicBoolean();
    LoopFuture<String> future = ReactorLoop.toFuture(loop, Mono.<String>never().doOnCancel(() -> cancelled.set(true)));

    assertThat(future.cancel()).isTrue();

    assertThat(cancelled).as("before the loop ran at all").isTrue();
    loop.runUntilIdle();
    assertThat(future.isCancelled()).isTrue();
  }

  @Test
  void toFutureGivesTheMonoTheLoopInItsReactorContext() {
    LoopFuture<EventLoop> future = ReactorLoop.toFuture(loop,
        Mono.deferContextual(ctx -> Mono.just(ctx.get(EventLoop.class))));

    assertThat(loop.runUntilComplete(future)).isSameAs(loop);
  }

  @Test
  void aMonoOfAFutureOfAMonoRoundTripsTheValue() {
    AtomicReference<String> seen = new AtomicReference<>();
    LoopFuture<String> inner = loop.createFuture();
    LoopFuture<String> outer = ReactorLoop.toFuture(loop, ReactorLoop.mono(inner).map(String::toUpperCase));

    inner.setResult("round trip");
    ReactorLoop.mono(outer).subscribe(seen::set);
    loop.runUntilIdle();

    assertThat(seen).hasValue("ROUND TRIP");
  }

  @Test
  void badArgumentsAreRejectedAtTheCall() {
    assertThatThrownBy(() -> ReactorLoop.mono(null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("future");
    assertThatThrownBy(() -> ReactorLoop.toFuture(null, Mono.empty())).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("loop");
    assertThatThrownBy(() -> ReactorLoop.toFuture(loop, null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("mono");
  }
}
