package dev.loop.rxjava.internal;

import dev.loop.LoopFuture;
import io.reactivex.rxjava3.core.CompletableObserver;
import io.reactivex.rxjava3.core.MaybeObserver;
import io.reactivex.rxjava3.core.SingleObserver;
import io.reactivex.rxjava3.disposables.Disposable;
import io.reactivex.rxjava3.plugins.RxJavaPlugins;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * Completes a {@link LoopFuture} with what a {@code Single}, {@code Maybe} or {@code Completable}
 * signals, and disposes that upstream when {@link #dispose()} is called (by the future's
 * cancellation).
 *
 * <p>The upstream {@link Disposable} is held in this reference; {@link #DISPOSED} marks disposal,
 * so an {@code onSubscribe} that arrives after a dispose disposes its upstream at once. A future
 * may be cancelled by another thread at any moment, so completing it can find it done already:
 * the value then has nowhere to go and is dropped, and an error goes to {@link
 * RxJavaPlugins#onError(Throwable)}, as RxJava does with errors nobody can receive.
 *
 * @param <T> the value type
 */
public final class AdapterFutureObserver<T> extends AtomicReference<@Nullable Disposable>
    implements SingleObserver<T>, MaybeObserver<T>, CompletableObserver, Disposable {

  private static final long serialVersionUID = 1L;

  private static final Disposable DISPOSED = Disposable.empty(); // a sentinel of our own

  private final transient LoopFuture<T> future;

  AdapterFutureObserver(LoopFuture<T> future) {
    this.future = future;
  }

  /**
   * The future this observer completes.
   *
   * @return the future
   */
  public LoopFuture<T> future() {
    return future;
  }

  @Override
  public void onSubscribe(Disposable d) {
    if (!compareAndSet(null, d)) {
      d.dispose(); // disposed already, or a second onSubscribe
    }
  }

  @Override
  public void onSuccess(T value) {
    complete(value);
  }

  @Override
  public void onComplete() {
    complete(null);
  }

  private void complete(@Nullable T value) {
    lazySet(DISPOSED);
    try {
      future.setResult(value);
    } catch (IllegalStateException alreadyDone) {
      // cancelled meanwhile: the value has nowhere to go
    }
  }

  @Override
  public void onError(Throwable error) {
    lazySet(DISPOSED);
    if (error instanceof CancellationException) {
      future.cancel(); // a future takes cancellation only through cancel()
      return;
    }
    try {
      future.setException(error);
    } catch (IllegalStateException alreadyDone) {
      RxJavaPlugins.onError(error);
    }
  }

  @Override
  public void dispose() {
    Disposable current = getAndSet(DISPOSED);
    if (current != null && current != DISPOSED) {
      current.dispose();
    }
  }

  @Override
  public boolean isDisposed() {
    return get() == DISPOSED;
  }
}
