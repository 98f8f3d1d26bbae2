package dev.loop.reactor.internal;

import dev.loop.EventLoop;
import dev.loop.LoopFuture;
import dev.loop.TimerHandle;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/** {@code LoopFuture} to {@code Mono} and back, and the loop-timer {@code Mono}. */
public final class MonoAdapters {

  private MonoAdapters() {}

  /**
   * A Mono of the future's outcome, signalled on the future's loop (done callbacks always run
   * there). Cancelling the subscription cancels the future.
   *
   * @param future the future
   * @param <T> the result type
   * @return the Mono
   */
  public static <T> Mono<T> fromFuture(LoopFuture<T> future) {
    return Mono.create(sink -> {
      ContextView view = sink.contextView();
      // The done callback is removed on cancel so that it does not signal a cancelled sink (which
      // would hand the CancellationException to Hooks.onErrorDropped); should it already be
      // scheduled when the subscription is cancelled, MonoSink ignores the late signal.
      Consumer<LoopFuture<T>> done = f -> AdapterSupport.inContext(view, () -> complete(sink, f));
      sink.onCancel(() -> {
        future.removeDoneCallback(done);
        future.cancel();
      });
      future.addDoneCallback(done);
    });
  }

  private static <T> void complete(MonoSink<T> sink, LoopFuture<T> f) {
    if (f.isCancelled()) {
      sink.error(new CancellationException("the LoopFuture was cancelled"));
      return;
    }
    Throwable failure = f.exception();
    if (failure != null) {
      sink.error(failure);
      return;
    }
    T value = f.result();
    if (value == null) {
      sink.success();
    } else {
      sink.success(value);
    }
  }

  /**
   * Subscribes to {@code mono} now and returns a future of {@code loop} that it completes, on the
   * loop thread; cancelling the future cancels the subscription at once, on the cancelling thread.
   *
   * @param loop the loop of the future
   * @param mono the Mono
   * @param <T> the result type
   * @return the future
   */
  public static <T> LoopFuture<T> toFuture(EventLoop loop, Mono<T> mono) {
    LoopFuture<T> future = loop.createFuture();
    // Reactor's own Mono-to-CompletableFuture: cancelling it cancels the subscription.
    CompletableFuture<T> reactor = mono.contextWrite(Context.of(EventLoop.class, loop)).toFuture();
    reactor.whenComplete((value, failure) -> {
      Runnable settle = () -> settle(future, value, failure);
      try {
        AdapterSupport.onLoop(loop, settle);
      } catch (RejectedExecutionException | IllegalStateException closed) {
        settle.run(); // nothing runs on a closed loop: complete the future here, it still can be
      }
    });
    // Inline on the cancelling thread, not as a done callback: those would wait for the loop.
    future.whenCompleteAsync((value, failure) -> {
      if (future.isCancelled()) {
        reactor.cancel(true);
      }
    }, Runnable::run);
    return future;
  }

  private static <T> void settle(LoopFuture<T> future, @Nullable T value, @Nullable Throwable failure) {
    if (future.isDone()) {
      return; // cancelled meanwhile: the subscription is (being) cancelled too
    }
    try {
      if (failure == null) {
        future.setResult(value);
      } else {
        Throwable cause = AdapterSupport.unwrap(failure);
        if (cause instanceof CancellationException) {
          future.cancel();
        } else {
          future.setException(cause);
        }
      }
    } catch (IllegalStateException raced) {
      // cancelled by another thread between the check and the set: the future stays cancelled
    }
  }

  /**
   * A Mono that emits {@code 0} on the loop thread after {@code delay} on a loop timer; cancelling
   * it cancels the timer.
   *
   * @param loop the loop
   * @param delay how long
   * @return the Mono
   */
  public static Mono<Long> delay(EventLoop loop, Duration delay) {
    return Mono.create(sink -> {
      ContextView view = sink.contextView();
      TimerHandle timer = loop.callLater(delay, () -> AdapterSupport.inContext(view, () -> sink.success(0L)));
      sink.onCancel(timer::cancel);
    });
  }
}
