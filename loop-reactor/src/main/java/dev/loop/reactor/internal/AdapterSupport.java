package dev.loop.reactor.internal;

import dev.loop.ContextVar;
import dev.loop.EventLoop;
import dev.loop.reactor.ReactorLoop;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;
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
}
