package dev.loop.reactor.internal;

import dev.loop.ContextVar;
import dev.loop.EventLoop;
import dev.loop.LoopFuture;
import dev.loop.reactor.ReactorLoop;
import java.nio.ByteBuffer;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * What every adapter shares: running on the loop thread, and emitting with the subscriber's Reactor
 * {@link ContextView} published through {@link ReactorLoop#CONTEXT}.
 */
public final class AdapterSupport {

  private AdapterSupport() {}

  /**
   * Runs {@code action} on the loop thread: inline when called there, else through {@link
   * EventLoop#execute(Runnable)}, which may be called from any thread.
   *
   * @param loop the loop
   * @param action what to run
   * @throws RejectedExecutionException if the loop is closed
   */
  public static void onLoop(EventLoop loop, Runnable action) {
    if (loop.inEventLoop()) {
      action.run();
    } else {
      loop.execute(action);
    }
  }

  /**
   * As {@link #onLoop(EventLoop, Runnable)}, ignoring a closed loop: for clean-up that has nothing
   * left to clean once the loop is closed (closing a loop drops its channels and timers).
   *
   * @param loop the loop
   * @param action what to run
   */
  public static void onLoopQuietly(EventLoop loop, Runnable action) {
    try {
      onLoop(loop, action);
    } catch (RejectedExecutionException | IllegalStateException closed) {
      // the loop is closed: what the action would release went with it
    }
  }

  /**
   * Runs {@code action} with {@link ReactorLoop#CONTEXT} set to {@code view}, then restores the
   * previous value. Anything the action schedules on a loop captures the context it runs in, so
   * the subscriber's Reactor context reaches those callbacks too.
   *
   * @param view the subscriber's context
   * @param action the emission
   */
  public static void inContext(ContextView view, Runnable action) {
    ContextVar.Token<ContextView> token = ReactorLoop.CONTEXT.set(view);
    try {
      action.run();
    } finally {
      ReactorLoop.CONTEXT.reset(token);
    }
  }

  /**
   * The subscriber's context with the adapter's own entries added: these win over entries of the
   * same key.
   *
   * @param subscriber what the subscriber gave
   * @param loop put under {@code EventLoop.class}
   * @param connection put under {@code LoopConnection.class} unless null
   * @return the merged context
   */
  public static Context enrich(ContextView subscriber, EventLoop loop, @Nullable Object connection) {
    Context context = Context.of(subscriber).put(EventLoop.class, loop);
    if (connection != null) {
      context = context.put(dev.loop.reactor.LoopConnection.class, connection);
    }
    return context;
  }

  /**
   * A heap copy of {@code data}'s remaining bytes, ready to read; {@code data}'s position moves to
   * its limit. Loop buffers handed to protocols are valid only during the call: this is what lets
   * the bytes outlive it.
   *
   * @param data the loop's buffer
   * @return the copy
   */
  public static ByteBuffer copy(ByteBuffer data) {
    ByteBuffer copy = ByteBuffer.allocate(data.remaining());
    copy.put(data);
    copy.flip();
    return copy;
  }

  /**
   * The failure itself, without the {@link CompletionException}/{@link ExecutionException} wrappers
   * that completion stages add.
   *
   * @param failure what a future failed with
   * @return the cause that matters
   */
  public static Throwable unwrap(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /**
   * A Mono of what a loop future opens (a connection, a datagram endpoint, a process), emitted in
   * the subscriber's context. Cancelling the subscription closes the resource should it be made
   * anyway (and, if {@code cancelStart}, cancels the future); a success that races the cancel is
   * discarded by the sink, and closed then.
   *
   * @param start starts the work, on subscription
   * @param resource what to emit, from the future's result
   * @param close closes an unwanted resource
   * @param type the emitted type, for the discard hook
   * @param what names the work in the error of a cancelled future, e.g. "connection attempt"
   * @param cancelStart whether cancelling the subscription cancels the future
   * @param <R> the future's result
   * @param <T> the emitted type
   * @return the Mono
   */
  public static <R, T> Mono<T> opened(Supplier<LoopFuture<R>> start, Function<R, T> resource,
      Consumer<T> close, Class<T> type, String what, boolean cancelStart) {
    Mono<T> mono = Mono.create(sink -> {
      ContextView view = sink.contextView();
      AtomicBoolean cancelled = new AtomicBoolean();
      LoopFuture<R> future = start.get();
      sink.onCancel(() -> {
        cancelled.set(true);
        if (cancelStart) {
          future.cancel();
        }
      });
      future.addDoneCallback(done -> {
        if (done.isCancelled()) {
          sink.error(new CancellationException("the " + what + " was cancelled"));
          return;
        }
        Throwable failure = done.exception();
        if (failure != null) {
          sink.error(unwrap(failure));
          return;
        }
        R made = done.result();
        if (made == null) {
          sink.error(new IllegalStateException("the loop completed the " + what + " without a result"));
          return;
        }
        T opened = resource.apply(made);
        if (cancelled.get()) {
          close.accept(opened);
          return;
        }
        inContext(view, () -> sink.success(opened));
      });
    });
    return mono.doOnDiscard(type, close);
  }
}
