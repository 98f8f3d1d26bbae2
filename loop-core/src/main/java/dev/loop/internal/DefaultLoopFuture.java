package dev.loop.internal;

import dev.loop.EventLoop;
import dev.loop.LoopContext;
import dev.loop.LoopFuture;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * asyncio's {@code Future} on a {@link CompletableFuture}.
 *
 * <p>Completion is the {@code CompletableFuture}'s own, so the future may be completed from any
 * thread. Everything that reacts to completion runs on the loop, one scheduling step later, in the
 * context captured when it was added: done callbacks (asyncio's {@code add_done_callback}) and the
 * dependent stages, whose non-async forms are turned into async ones on an executor that is the
 * loop bound to the caller's context ({@link #defaultExecutor()}). Dependent stages are futures of
 * the same loop ({@link #newIncompleteFuture()}).
 *
 * @param <T> the result type
 */
public class DefaultLoopFuture<T> extends CompletableFuture<T> implements LoopFuture<T> {

  private final EventLoop loop;

  /** Done callbacks not yet scheduled; guarded by {@code this}. */
  private @Nullable ArrayList<Registration<T>> callbacks;

  /** The exception given to setException, reported exactly as given. */
  private volatile @Nullable Throwable userFailure;

  /** Whether the completion hook that schedules the callbacks is in place; guarded by {@code this}. */
  private boolean hooked;

  /** Whether the hook ran: callbacks added from now on are scheduled at once; guarded by {@code this}. */
  private boolean fired;

  /**
   * A pending future of {@code loop}.
   *
   * @param loop the loop that runs its callbacks
   */
  public DefaultLoopFuture(EventLoop loop) {
    this.loop = Objects.requireNonNull(loop, "loop");
  }

  @Override
  public EventLoop getLoop() {
    return loop;
  }

  // ------------------------------------------------------------------ asyncio's Future

  @Override
  public @Nullable T result() {
    if (!isDone()) {
      throw new IllegalStateException("Result is not set: the future is still pending");
    }
    if (isCancelled()) {
      throw new CancellationException("the future was cancelled");
    }
    Throwable failure = failure();
    if (failure == null) {
      return getNow(null);
    }
    if (failure == userFailure && failure instanceof RuntimeException unchecked) {
      throw unchecked; // what setException was given, as it was given
    }
    throw BaseEventLoop.rethrowable(failure);
  }

  @Override
  public @Nullable Throwable exception() {
    if (!isDone()) {
      throw new IllegalStateException("Exception is not set: the future is still pending");
    }
    if (isCancelled()) {
      throw new CancellationException("the future was cancelled");
    }
    Throwable failure = failure();
    if (failure == null || failure == userFailure) {
      return failure;
    }
    // A stage whose function threw stores the exception wrapped: show what was thrown.
    return failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
  }

  /** The exception exactly as stored, or null: read through a completed dependent, not getNow. */
  private @Nullable Throwable failure() {
    if (!isCompletedExceptionally()) {
      return null;
    }
    return super.handle((r, x) -> x).getNow(null);
  }

  @Override
  public void setResult(@Nullable T result) {
    if (!complete(result)) {
      throw new IllegalStateException("invalid state: " + this + " is already done");
    }
  }

  @Override
  public void setException(Throwable exception) {
    Objects.requireNonNull(exception, "exception");
    if (exception instanceof CancellationException) {
      throw new IllegalArgumentException(
          "a CancellationException cannot be set as a future's exception; use cancel()");
    }
    if (isDone()) {
      throw new IllegalStateException("invalid state: " + this + " is already done");
    }
    userFailure = exception;
    if (!completeExceptionally(exception)) {
      throw new IllegalStateException("invalid state: " + this + " is already done");
    }
  }

  @Override
  public boolean cancel() {
    return completeExceptionally(new CancellationException("the future was cancelled"));
  }

  /** As {@link #cancel()}: false if the future was already done, cancelled included. */
  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    return cancel();
  }

  @Override
  public void addDoneCallback(Consumer<? super LoopFuture<T>> callback) {
    Objects.requireNonNull(callback, "callback");
    Registration<T> registration = new Registration<>(callback, Contexts.capture());
    boolean scheduleNow;
    boolean hookNow = false;
    synchronized (this) {
      scheduleNow = fired;
      if (!fired) {
        if (callbacks == null) {
          callbacks = new ArrayList<>(2);
        }
        callbacks.add(registration);
        if (!hooked) {
          hooked = true;
          hookNow = true;
        }
      }
    }
    if (scheduleNow) {
      schedule(registration);
    } else if (hookNow) {
      super.whenComplete((r, e) -> fire());
    }
  }

  @Override
  public int removeDoneCallback(Consumer<? super LoopFuture<T>> callback) {
    Objects.requireNonNull(callback, "callback");
    int removed = 0;
    synchronized (this) {
      if (callbacks != null) {
        for (Iterator<Registration<T>> it = callbacks.iterator(); it.hasNext(); ) {
          if (it.next().callback.equals(callback)) {
            it.remove();
            removed++;
          }
        }
      }
    }
    return removed;
  }

  private void fire() {
    ArrayList<Registration<T>> toSchedule;
    synchronized (this) {
      fired = true;
      toSchedule = callbacks;
      callbacks = null;
    }
    if (toSchedule != null) {
      for (Registration<T> registration : toSchedule) {
        schedule(registration);
      }
    }
  }

  private void schedule(Registration<T> registration) {
    try {
      dispatch(() -> registration.callback.accept(this), registration.context);
    } catch (RejectedExecutionException | IllegalStateException closed) {
      // The loop is closed: nothing runs callbacks any more, as in asyncio after close().
    }
  }

  private void dispatch(Runnable action, Object capturedContext) {
    if (loop instanceof BaseEventLoop base) {
      base.dispatch(action, capturedContext);
      return;
    }
    LoopContext context = Contexts.materialize(capturedContext);
    if (loop.inEventLoop()) {
      loop.callSoon(action, context);
    } else {
      loop.callSoonThreadsafe(action, context);
    }
  }

  /** Runs {@code action} inline, on the completing thread, if the future gets cancelled. */
  void onCancel(Runnable action) {
    super.whenComplete((r, e) -> {
      if (isCancelled()) {
        action.run();
      }
    });
  }

  /** Runs {@code action} inline, on the completing thread, once the future is done. */
  void onDone(Runnable action) {
    super.whenComplete((r, e) -> action.run());
  }

  private record Registration<T>(Consumer<? super LoopFuture<T>> callback, Object context) {}

  // ------------------------------------------------------------------ blocking reads

  private void checkNotBlockingLoop() {
    if (!isDone() && loop.inEventLoop()) {
      throw new IllegalStateException(
          "blocking on a pending future on its own loop thread would never return; "
              + "use a callback or a dependent stage");
    }
  }

  @Override
  public T get() throws InterruptedException, ExecutionException {
    checkNotBlockingLoop();
    return super.get();
  }

  @Override
  public T get(long timeout, TimeUnit unit)
      throws InterruptedException, ExecutionException, TimeoutException {
    checkNotBlockingLoop();
    return super.get(timeout, unit);
  }

  @Override
  public T join() {
    checkNotBlockingLoop();
    return super.join();
  }

  /** Not supported: a loop future's outcome, once seen by callbacks, never changes. */
  @Override
  public void obtrudeValue(T value) {
    throw new UnsupportedOperationException("a LoopFuture's result cannot be overwritten");
  }

  /** Not supported: a loop future's outcome, once seen by callbacks, never changes. */
  @Override
  public void obtrudeException(Throwable ex) {
    throw new UnsupportedOperationException("a LoopFuture's result cannot be overwritten");
  }

  // ------------------------------------------------------------------ stages run on the loop

  @Override
  public <U> CompletableFuture<U> newIncompleteFuture() {
    return new DefaultLoopFuture<>(loop);
  }

  /**
   * The loop, bound to the context of the thread that adds a stage: CompletableFuture asks for it
   * when the stage is added, so the stage later runs in the context it was added in.
   */
  @Override
  public Executor defaultExecutor() {
    Object context = Contexts.capture();
    return action -> dispatch(action, context);
  }

  @Override
  public <U> DefaultLoopFuture<U> thenApply(Function<? super T, ? extends U> fn) {
    return thenApplyAsync(fn);
  }

  @Override
  public <U> DefaultLoopFuture<U> thenApplyAsync(Function<? super T, ? extends U> fn) {
    return (DefaultLoopFuture<U>) super.thenApplyAsync(fn);
  }

  @Override
  public <U> DefaultLoopFuture<U> thenApplyAsync(Function<? super T, ? extends U> fn, Executor executor) {
    return (DefaultLoopFuture<U>) super.thenApplyAsync(fn, executor);
  }

  @Override
  public DefaultLoopFuture<Void> thenAccept(Consumer<? super T> action) {
    return thenAcceptAsync(action);
  }

  @Override
  public DefaultLoopFuture<Void> thenAcceptAsync(Consumer<? super T> action) {
    return (DefaultLoopFuture<Void>) super.thenAcceptAsync(action);
  }

  @Override
  public DefaultLoopFuture<Void> thenAcceptAsync(Consumer<? super T> action, Executor executor) {
    return (DefaultLoopFuture<Void>) super.thenAcceptAsync(action, executor);
  }

  @Override
  public DefaultLoopFuture<Void> thenRun(Runnable action) {
    return thenRunAsync(action);
  }

  @Override
  public DefaultLoopFuture<Void> thenRunAsync(Runnable action) {
    return (DefaultLoopFuture<Void>) super.thenRunAsync(action);
  }

  @Override
  public DefaultLoopFuture<Void> thenRunAsync(Runnable action, Executor executor) {
    return (DefaultLoopFuture<Void>) super.thenRunAsync(action, executor);
  }

  @Override
  public <U, V> DefaultLoopFuture<V> thenCombine(CompletionStage<? extends U> other, BiFunction<? super T, ? super U, ? extends V> fn) {
    return thenCombineAsync(other, fn);
  }

  @Override
  public <U, V> DefaultLoopFuture<V> thenCombineAsync(CompletionStage<? extends U> other, BiFunction<? super T, ? super U, ? extends V> fn) {
    return (DefaultLoopFuture<V>) super.thenCombineAsync(other, fn);
  }

  @Override
  public <U, V> DefaultLoopFuture<V> thenCombineAsync(CompletionStage<? extends U> other, BiFunction<? super T, ? super U, ? extends V> fn, Executor executor) {
    return (DefaultLoopFuture<V>) super.thenCombineAsync(other, fn, executor);
  }

  @Override
  public <U> DefaultLoopFuture<Void> thenAcceptBoth(CompletionStage<? extends U> other, BiConsumer<? super T, ? super U> action) {
    return thenAcceptBothAsync(other, action);
  }

  @Override
  public <U> DefaultLoopFuture<Void> thenAcceptBothAsync(CompletionStage<? extends U> other, BiConsumer<? super T, ? super U> action) {
    return (DefaultLoopFuture<Void>) super.thenAcceptBothAsync(other, action);
  }

  @Override
  public <U> DefaultLoopFuture<Void> thenAcceptBothAsync(CompletionStage<? extends U> other, BiConsumer<? super T, ? super U> action, Executor executor) {
    return (DefaultLoopFuture<Void>) super.thenAcceptBothAsync(other, action, executor);
  }

  @Override
  public DefaultLoopFuture<Void> runAfterBoth(CompletionStage<?> other, Runnable action) {
    return runAfterBothAsync(other, action);
  }

  @Override
  public DefaultLoopFuture<Void> runAfterBothAsync(CompletionStage<?> other, Runnable action) {
    return (DefaultLoopFuture<Void>) super.runAfterBothAsync(other, action);
  }

  @Override
  public DefaultLoopFuture<Void> runAfterBothAsync(CompletionStage<?> other, Runnable action, Executor executor) {
    return (DefaultLoopFuture<Void>) super.runAfterBothAsync(other, action, executor);
  }

  @Override
  public <U> DefaultLoopFuture<U> applyToEither(CompletionStage<? extends T> other, Function<? super T, U> fn) {
    return applyToEitherAsync(other, fn);
  }

  @Override
  public <U> DefaultLoopFuture<U> applyToEitherAsync(CompletionStage<? extends T> other, Function<? super T, U> fn) {
    return (DefaultLoopFuture<U>) super.applyToEitherAsync(other, fn);
  }

  @Override
  public <U> DefaultLoopFuture<U> applyToEitherAsync(CompletionStage<? extends T> other, Function<? super T, U> fn, Executor executor) {
    return (DefaultLoopFuture<U>) super.applyToEitherAsync(other, fn, executor);
  }

  @Override
  public DefaultLoopFuture<Void> acceptEither(CompletionStage<? extends T> other, Consumer<? super T> action) {
    return acceptEitherAsync(other, action);
  }

  @Override
  public DefaultLoopFuture<Void> acceptEitherAsync(CompletionStage<? extends T> other, Consumer<? super T> action) {
    return (DefaultLoopFuture<Void>) super.acceptEitherAsync(other, action);
  }

  @Override
  public DefaultLoopFuture<Void> acceptEitherAsync(CompletionStage<? extends T> other, Consumer<? super T> action, Executor executor) {
    return (DefaultLoopFuture<Void>) super.acceptEitherAsync(other, action, executor);
  }

  @Override
  public DefaultLoopFuture<Void> runAfterEither(CompletionStage<?> other, Runnable action) {
    return runAfterEitherAsync(other, action);
  }

  @Override
  public DefaultLoopFuture<Void> runAfterEitherAsync(CompletionStage<?> other, Runnable action) {
    return (DefaultLoopFuture<Void>) super.runAfterEitherAsync(other, action);
  }

  @Override
  public DefaultLoopFuture<Void> runAfterEitherAsync(CompletionStage<?> other, Runnable action, Executor executor) {
    return (DefaultLoopFuture<Void>) super.runAfterEitherAsync(other, action, executor);
  }

  @Override
  public <U> DefaultLoopFuture<U> thenCompose(Function<? super T, ? extends CompletionStage<U>> fn) {
    return thenComposeAsync(fn);
  }

  @Override
  public <U> DefaultLoopFuture<U> thenComposeAsync(Function<? super T, ? extends CompletionStage<U>> fn) {
    return (DefaultLoopFuture<U>) super.thenComposeAsync(fn);
  }

  @Override
  public <U> DefaultLoopFuture<U> thenComposeAsync(Function<? super T, ? extends CompletionStage<U>> fn, Executor executor) {
    return (DefaultLoopFuture<U>) super.thenComposeAsync(fn, executor);
  }

  @Override
  public <U> DefaultLoopFuture<U> handle(BiFunction<? super T, Throwable, ? extends U> fn) {
    return handleAsync(fn);
  }

  @Override
  public <U> DefaultLoopFuture<U> handleAsync(BiFunction<? super T, Throwable, ? extends U> fn) {
    return (DefaultLoopFuture<U>) super.handleAsync(fn);
  }

  @Override
  public <U> DefaultLoopFuture<U> handleAsync(BiFunction<? super T, Throwable, ? extends U> fn, Executor executor) {
    return (DefaultLoopFuture<U>) super.handleAsync(fn, executor);
  }

  @Override
  public DefaultLoopFuture<T> whenComplete(BiConsumer<? super T, ? super Throwable> action) {
    return whenCompleteAsync(action);
  }

  @Override
  public DefaultLoopFuture<T> whenCompleteAsync(BiConsumer<? super T, ? super Throwable> action) {
    return (DefaultLoopFuture<T>) super.whenCompleteAsync(action);
  }

  @Override
  public DefaultLoopFuture<T> whenCompleteAsync(BiConsumer<? super T, ? super Throwable> action, Executor executor) {
    return (DefaultLoopFuture<T>) super.whenCompleteAsync(action, executor);
  }

  @Override
  public DefaultLoopFuture<T> exceptionally(Function<Throwable, ? extends T> fn) {
    return exceptionallyAsync(fn);
  }

  @Override
  public DefaultLoopFuture<T> exceptionallyAsync(Function<Throwable, ? extends T> fn) {
    return (DefaultLoopFuture<T>) super.exceptionallyAsync(fn);
  }

  @Override
  public DefaultLoopFuture<T> exceptionallyAsync(Function<Throwable, ? extends T> fn, Executor executor) {
    return (DefaultLoopFuture<T>) super.exceptionallyAsync(fn, executor);
  }

  @Override
  public DefaultLoopFuture<T> exceptionallyCompose(Function<Throwable, ? extends CompletionStage<T>> fn) {
    return exceptionallyComposeAsync(fn);
  }

  @Override
  public DefaultLoopFuture<T> exceptionallyComposeAsync(Function<Throwable, ? extends CompletionStage<T>> fn) {
    return (DefaultLoopFuture<T>) super.exceptionallyComposeAsync(fn);
  }

  @Override
  public DefaultLoopFuture<T> exceptionallyComposeAsync(Function<Throwable, ? extends CompletionStage<T>> fn, Executor executor) {
    return (DefaultLoopFuture<T>) super.exceptionallyComposeAsync(fn, executor);
  }

  @Override
  public String toString() {
    String state;
    if (!isDone()) {
      state = "pending";
    } else if (isCancelled()) {
      state = "cancelled";
    } else if (isCompletedExceptionally()) {
      state = "finished exception=" + exception();
    } else {
      state = "finished result=" + getNow(null);
    }
    return "<" + kind() + " " + state + ">";
  }

  String kind() {
    return "LoopFuture";
  }
}
