package dev.loop.rxjava.internal;

import dev.loop.EventLoop;
import dev.loop.LoopFuture;
import io.reactivex.rxjava3.core.Completable;
import io.reactivex.rxjava3.core.Maybe;
import io.reactivex.rxjava3.core.Single;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * {@link LoopFuture} to {@code Single}/{@code Maybe}/{@code Completable} and back.
 *
 * <p>Towards RxJava, each subscription registers a done callback (so signals come on the loop
 * thread, one scheduling step after the future completes, as every done callback does) and a
 * cancellable that removes the callback and cancels the future. Towards the loop, an {@link
 * AdapterFutureObserver} completes a new future and a done callback disposes the upstream if the
 * future is cancelled.
 */
public final class AdapterFutures {

  private AdapterFutures() {}

  /** How a done future is turned into signals. */
  private interface Outcome<T> {
    void success(@Nullable T value);

    void failure(Throwable error);
  }

  private static <T> void settle(LoopFuture<T> f, Outcome<T> outcome) {
    if (f.isCancelled()) {
      outcome.failure(new CancellationException("the LoopFuture was cancelled"));
      return;
    }
    Throwable error = f.exception();
    if (error != null) {
      outcome.failure(error);
    } else {
      outcome.success(f.result());
    }
  }

  /**
   * The future as a {@code Single}; a null result fails with {@link NoSuchElementException}.
   *
   * @param future the future
   * @param <T> the result type
   * @return the single
   */
  public static <T> Single<T> single(LoopFuture<T> future) {
    return Single.create(emitter -> {
      Consumer<LoopFuture<T>> callback = f -> settle(f, new Outcome<T>() {
        @Override
        public void success(@Nullable T value) {
          if (value == null) {
            emitter.tryOnError(new NoSuchElementException(
                "the LoopFuture completed with null, which a Single cannot emit; use RxLoop.maybe"));
          } else {
            emitter.onSuccess(value);
          }
        }

        @Override
        public void failure(Throwable error) {
          emitter.tryOnError(error);
        }
      });
      emitter.setCancellable(() -> {
        future.removeDoneCallback(callback);
        future.cancel(); // does nothing once the future is done
      });
      future.addDoneCallback(callback);
    });
  }

  /**
   * The future as a {@code Maybe}; a null result completes it empty.
   *
   * @param future the future
   * @param <T> the result type
   * @return the maybe
   */
  public static <T> Maybe<T> maybe(LoopFuture<T> future) {
    return Maybe.create(emitter -> {
      Consumer<LoopFuture<T>> callback = f -> settle(f, new Outcome<T>() {
        @Override
        public void success(@Nullable T value) {
          if (value == null) {
            emitter.onComplete();
          } else {
            emitter.onSuccess(value);
          }
        }

        @Override
        public void failure(Throwable error) {
          emitter.tryOnError(error);
        }
      });
      emitter.setCancellable(() -> {
        future.removeDoneCallback(callback);
        future.cancel();
      });
      future.addDoneCallback(callback);
    });
  }

  /**
   * The future as a {@code Completable}, its result ignored.
   *
   * @param future the future
   * @return the completable
   */
  public static Completable completable(LoopFuture<?> future) {
    return completableOf(future);
  }

  private static <T> Completable completableOf(LoopFuture<T> future) {
    return Completable.create(emitter -> {
      Consumer<LoopFuture<T>> callback = f -> settle(f, new Outcome<T>() {
        @Override
        public void success(@Nullable T value) {
          emitter.onComplete();
        }

        @Override
        public void failure(Throwable error) {
          emitter.tryOnError(error);
        }
      });
      emitter.setCancellable(() -> {
        future.removeDoneCallback(callback);
        future.cancel();
      });
      future.addDoneCallback(callback);
    });
  }

  /**
   * Subscribes {@code observer}'s future to cancellation: cancelling the future disposes the
   * upstream (on the loop thread, when the done callback runs).
   *
   * @param loop the loop the future belongs to
   * @param <T> the result type
   * @return a new observer with a new future of {@code loop}
   */
  public static <T> AdapterFutureObserver<T> observer(EventLoop loop) {
    LoopFuture<T> future = loop.createFuture();
    AdapterFutureObserver<T> observer = new AdapterFutureObserver<>(future);
    future.addDoneCallback(f -> {
      if (f.isCancelled()) {
        observer.dispose();
      }
    });
    return observer;
  }
}
