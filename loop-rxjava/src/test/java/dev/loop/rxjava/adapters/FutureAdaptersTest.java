package dev.loop.rxjava.adapters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loop.LoopFuture;
import dev.loop.rxjava.RxLoop;
import dev.loop.test.TestLoop;
import io.reactivex.rxjava3.core.Completable;
import io.reactivex.rxjava3.core.Maybe;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.observers.TestObserver;
import io.reactivex.rxjava3.subjects.CompletableSubject;
import io.reactivex.rxjava3.subjects.MaybeSubject;
import io.reactivex.rxjava3.subjects.SingleSubject;
import java.io.IOException;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** LoopFuture to Single/Maybe/Completable and back, with cancellation both ways. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FutureAdaptersTest {

  private TestLoop loop;

  @BeforeEach
  void createLoop() {
    loop = TestLoop.create();
  }

  @AfterEach
  void closeLoop() {
    loop.close();
  }

  // ------------------------------------------------------------------ future to RxJava

  @Test
  void singleEmitsTheResultWhenTheLoopRunsTheDoneCallback() {
    LoopFuture<String> future = loop.createFuture();
    TestObserver<String> to = RxLoop.single(future).test();

    future.setResult("done");
    to.assertEmpty(); // done callbacks are scheduled, never inline
    loop.runUntilIdle();

    to.assertResult("done");
  }

  @Test
  void singleOfAFutureAlreadyDoneEmitsOnTheNextLoopStep() {
    LoopFuture<Integer> future = loop.createFuture();
    future.setResult(42);

    TestObserver<Integer> to = RxLoop.single(future).test();
    loop.runUntilIdle();

    to.assertResult(42);
  }

  @Test
  void singleOfANullResultFailsWithNoSuchElementException() {
    LoopFuture<String> future = loop.createFuture();
    TestObserver<String> to = RxLoop.single(future).test();

    future.setResult(null);
    loop.runUntilIdle();

    to.assertError(e -> e instanceof NoSuchElementException && e.getMessage().contains("RxLoop.maybe"));
  }

  @Test
  void singleOfAFailedFutureSignalsItsException() {
    LoopFuture<String> future = loop.createFuture();
    IOException failure = new IOException("no route");
    TestObserver<String> to = RxLoop.single(future).test();

    future.setException(failure);
    loop.runUntilIdle();

    to.assertError(failure);
  }

  @Test
  void cancellingTheFutureFailsTheSingleWithCancellationException() {
    LoopFuture<String> future = loop.createFuture();
    TestObserver<String> to = RxLoop.single(future).test();

    future.cancel();
    loop.runUntilIdle();

    to.assertError(CancellationException.class);
  }

  @Test
  void disposingTheSingleCancelsTheFutureAndSignalsNothing() {
    LoopFuture<String> future = loop.createFuture();
    TestObserver<String> to = RxLoop.single(future).test();

    to.dispose();
    loop.runUntilIdle();

    assertThat(future.isCancelled()).isTrue();
    to.assertEmpty();
  }

  @Test
  void maybeOfANullResultCompletesEmpty() {
    LoopFuture<String> future = loop.createFuture();
    TestObserver<String> to = RxLoop.maybe(future).test();

    future.setResult(null);
    loop.runUntilIdle();

    to.assertResult();
  }

  @Test
  void maybeOfAValueEmitsIt() {
    LoopFuture<String> future = loop.createFuture();
    TestObserver<String> to = RxLoop.maybe(future).test();

    future.setResult("v");
    loop.runUntilIdle();

    to.assertResult("v");
  }

  @Test
  void disposingTheMaybeCancelsTheFuture() {
    LoopFuture<String> future = loop.createFuture();

    RxLoop.maybe(future).test().dispose();

    assertThat(future.isCancelled()).isTrue();
  }

  @Test
  void completableCompletesWhenTheFutureSucceedsAndFailsWhenItFails() {
    LoopFuture<Void> ok = loop.createFuture();
    LoopFuture<Void> bad = loop.createFuture();
    TestObserver<Void> okObserver = RxLoop.completable(ok).test();
    TestObserver<Void> badObserver = RxLoop.completable(bad).test();

    ok.setResult(null);
    bad.setException(new IllegalStateException("bad"));
    loop.runUntilIdle();

    okObserver.assertComplete();
    badObserver.assertError(IllegalStateException.class);
  }

  @Test
  void disposingTheCompletableCancelsTheFuture() {
    LoopFuture<Void> future = loop.createFuture();

    RxLoop.completable(future).test().dispose();

    assertThat(future.isCancelled()).isTrue();
  }

  // ------------------------------------------------------------------ RxJava to future

  @Test
  void toFutureOfASingleCompletesWithItsValue() {
    SingleSubject<String> subject = SingleSubject.create();
    LoopFuture<String> future = RxLoop.toFuture(loop, subject);
    assertThat(future.isDone()).isFalse();

    subject.onSuccess("value");

    assertThat(future.result()).isEqualTo("value");
    assertThat(future.getLoop()).isSameAs(loop);
  }

  @Test
  void toFutureOfAFailingSingleFailsWithItsError() {
    IOException failure = new IOException("down");

    LoopFuture<String> future = RxLoop.toFuture(loop, Single.<String>error(failure));

    assertThat(future.exception()).isSameAs(failure);
  }

  @Test
  void toFutureOfAnEmptyMaybeCompletesWithNull() {
    LoopFuture<String> future = RxLoop.toFuture(loop, Maybe.<String>empty());

    assertThat(future.isDone()).isTrue();
    assertThat(future.result()).isNull();
  }

  @Test
  void toFutureOfAMaybeValueCompletesWithIt() {
    assertThat(RxLoop.toFuture(loop, Maybe.just(7)).result()).isEqualTo(7);
  }

  @Test
  void toFutureOfACompletableCompletesWithNullOrItsError() {
    CompletableSubject subject = CompletableSubject.create();
    LoopFuture<Void> future = RxLoop.toFuture(loop, subject);
    LoopFuture<Void> failed = RxLoop.toFuture(loop, Completable.error(new IOException("x")));

    subject.onComplete();

    assertThat(future.isDone()).isTrue();
    assertThat(future.result()).isNull();
    assertThat(failed.exception()).isInstanceOf(IOException.class);
  }

  @Test
  void cancellingTheFutureDisposesTheUpstreamWhenTheLoopRunsItsCallbacks() {
    SingleSubject<String> single = SingleSubject.create();
    MaybeSubject<String> maybe = MaybeSubject.create();
    CompletableSubject completable = CompletableSubject.create();
    LoopFuture<String> f1 = RxLoop.toFuture(loop, single);
    LoopFuture<String> f2 = RxLoop.toFuture(loop, maybe);
    LoopFuture<Void> f3 = RxLoop.toFuture(loop, completable);
    assertThat(single.hasObservers() && maybe.hasObservers() && completable.hasObservers()).isTrue();

    f1.cancel();
    f2.cancel();
    f3.cancel();
    loop.runUntilIdle();

    assertThat(single.hasObservers()).isFalse();
    assertThat(maybe.hasObservers()).isFalse();
    assertThat(completable.hasObservers()).isFalse();
  }

  @Test
  void anUpstreamCancellationExceptionCancelsTheFuture() {
    LoopFuture<String> future = RxLoop.toFuture(loop, Single.<String>error(new CancellationException("gone")));

    assertThat(future.isCancelled()).isTrue();
  }

  @Test
  void aValueThatArrivesAfterTheFutureWasCancelledIsDropped() {
    SingleSubject<String> subject = SingleSubject.create();
    LoopFuture<String> future = RxLoop.toFuture(loop, subject);
    future.cancel();

    subject.onSuccess("too late"); // before the loop ran the cancellation's done callback

    assertThat(future.isCancelled()).isTrue();
  }

  @Test
  void nullArgumentsAreRejectedAtTheCallWithTheirName() {
    assertThatThrownBy(() -> RxLoop.single(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("future");
    assertThatThrownBy(() -> RxLoop.maybe(null)).hasMessage("future");
    assertThatThrownBy(() -> RxLoop.completable(null)).hasMessage("future");
    assertThatThrownBy(() -> RxLoop.toFuture(null, Single.just(1))).hasMessage("loop");
    assertThatThrownBy(() -> RxLoop.toFuture(loop, (Single<Integer>) null)).hasMessage("single");
    assertThatThrownBy(() -> RxLoop.toFuture(loop, (Maybe<Integer>) null)).hasMessage("maybe");
    assertThatThrownBy(() -> RxLoop.toFuture(loop, (Completable) null)).hasMessage("completable");
  }
}
