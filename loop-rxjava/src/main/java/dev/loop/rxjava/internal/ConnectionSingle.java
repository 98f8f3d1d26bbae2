package dev.loop.rxjava.internal;

import dev.loop.LoopFuture;
import dev.loop.net.Connection;
import dev.loop.rxjava.RxConnection;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.core.SingleObserver;
import io.reactivex.rxjava3.disposables.Disposable;
import io.reactivex.rxjava3.exceptions.Exceptions;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * {@code RxLoop.connect(...)}: starts a connection attempt per subscription and hands the
 * connection to the observer, or closes it if the observer is gone.
 *
 * <p>Hand-written rather than {@code Single.create}: a {@code SingleEmitter} drops an {@code
 * onSuccess} that races with disposal without telling, and a connection dropped so would stay open.
 * Here one atomic state decides: the attempt either delivers the connection (PENDING to FINISHED,
 * then the observer owns it) or is disposed (PENDING to DISPOSED, then the done callback closes
 * whatever connection still arrives).
 */
public final class ConnectionSingle extends Single<RxConnection> {

  private final Supplier<LoopFuture<Connection<ConnectionProtocol>>> connector;

  /**
   * A connection attempt made by {@code connector} for each subscription.
   *
   * @param connector starts the attempt (on the subscribing thread)
   */
  public ConnectionSingle(Supplier<LoopFuture<Connection<ConnectionProtocol>>> connector) {
    this.connector = connector;
  }

  @Override
  protected void subscribeActual(SingleObserver<? super RxConnection> observer) {
    Attempt attempt = new Attempt(observer);
    observer.onSubscribe(attempt);
    if (attempt.isDisposed()) {
      return;
    }
    LoopFuture<Connection<ConnectionProtocol>> future;
    try {
      future = connector.get();
    } catch (Throwable t) {
      Exceptions.throwIfFatal(t);
      attempt.fail(t);
      return;
    }
    attempt.future = future;
    // Re-check after publishing the future: a dispose that ran before could not cancel it.
    if (attempt.get() == Attempt.DISPOSED) {
      future.cancel();
    }
    future.addDoneCallback(attempt::done);
  }

  private static final class Attempt extends AtomicInteger implements Disposable {
    static final int PENDING = 0;
    static final int FINISHED = 1;
    static final int DISPOSED = 2;

    private final SingleObserver<? super RxConnection> observer;
    volatile @Nullable LoopFuture<Connection<ConnectionProtocol>> future;

    Attempt(SingleObserver<? super RxConnection> observer) {
      this.observer = observer;
    }

    void fail(Throwable t) {
      if (compareAndSet(PENDING, FINISHED)) {
        observer.onError(t);
      }
    }

    /** Loop thread: the attempt ended. */
    void done(LoopFuture<Connection<ConnectionProtocol>> f) {
      if (f.isCancelled()) {
        fail(new CancellationException("the connection attempt was cancelled"));
        return;
      }
      Throwable error = f.exception();
      if (error != null) {
        fail(error);
        return;
      }
      Connection<ConnectionProtocol> connection = f.result();
      if (connection == null) {
        fail(new IllegalStateException("createConnection completed without a connection"));
        return;
      }
      if (compareAndSet(PENDING, FINISHED)) {
        observer.onSuccess(connection.protocol());
      } else {
        connection.protocol().closeOnLoop(); // nobody wants it any more
      }
    }

    @Override
    public void dispose() {
      if (compareAndSet(PENDING, DISPOSED)) {
        LoopFuture<Connection<ConnectionProtocol>> f = future;
        if (f != null) {
          f.cancel(); // if it had already succeeded, done() finds DISPOSED and closes
        }
      }
    }

    @Override
    public boolean isDisposed() {
      return get() != PENDING;
    }
  }
}
