package dev.loop;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The eventual result of work on an {@link EventLoop}: asyncio's {@code Future}, which is also a
 * {@link CompletionStage} and a {@link Future}.
 *
 * <p>Made by {@link EventLoop#createFuture()}. It may be completed from any thread. Done callbacks
 * ({@link #addDoneCallback(Consumer)}) are always scheduled on the loop with {@code callSoon}, never
 * run inline, and run in the context captured when they were added. Dependent stages made without
 * an executor ({@code thenApply}, {@code whenComplete}, and the {@code *Async} methods without an
 * executor argument) also run on the loop, one scheduling step after this future completes; the
 * stages they return are {@code LoopFuture}s of the same loop.
 *
 * <p>Blocking reads ({@link #get()}, {@code join()}) on the loop thread of a future that is not done
 * would never return, so they throw {@link IllegalStateException} instead.
 *
 * @param <T> the result type
 */
public interface LoopFuture<T> extends CompletionStage<T>, Future<T> {

  /**
   * The result. asyncio: {@code Future.result()}.
   *
   * @return the result
   * @throws IllegalStateException if the future is not done yet
   * @throws CancellationException if it was cancelled
   * @throws RuntimeException the failure itself when it is unchecked (an {@link Error} likewise)
   * @throws CompletionException wrapping the failure when it is checked
   */
  @Nullable T result();

  /**
   * The failure, or null if the future completed normally. asyncio: {@code Future.exception()}.
   *
   * @return the exception it failed with, or null
   * @throws IllegalStateException if the future is not done yet
   * @throws CancellationException if it was cancelled
   */
  @Nullable Throwable exception();

  /**
   * Completes the future with a result. asyncio: {@code Future.set_result()}.
   *
   * @param result the result, may be null
   * @throws IllegalStateException if the future is already done (asyncio's {@code InvalidStateError})
   */
  void setResult(@Nullable T result);

  /**
   * Completes the future with a failure. asyncio: {@code Future.set_exception()}.
   *
   * @param exception the failure
   * @throws NullPointerException if {@code exception} is null
   * @throws IllegalArgumentException if it is a {@link CancellationException}: use {@link #cancel()}
   * @throws IllegalStateException if the future is already done
   */
  void setException(Throwable exception);

  /**
   * Cancels the future if it is not done, scheduling its done callbacks. asyncio:
   * {@code Future.cancel()}.
   *
   * @return true if this call cancelled it, false if it was already done
   */
  boolean cancel();

  /**
   * Schedules {@code callback} with {@code callSoon} once the future is done (at once if it is done
   * already). asyncio: {@code Future.add_done_callback()}.
   *
   * @param callback called with this future on the loop thread
   * @throws NullPointerException if {@code callback} is null
   */
  void addDoneCallback(Consumer<? super LoopFuture<T>> callback);

  /**
   * Removes every registration of {@code callback} that has not been scheduled yet. asyncio:
   * {@code Future.remove_done_callback()}.
   *
   * @param callback the callback given to {@link #addDoneCallback(Consumer)}
   * @return how many registrations were removed
   * @throws NullPointerException if {@code callback} is null
   */
  int removeDoneCallback(Consumer<? super LoopFuture<T>> callback);

  /**
   * The loop this future belongs to. asyncio: {@code Future.get_loop()}.
   *
   * @return the loop
   */
  EventLoop getLoop();

  // ------------------------------------------------------------------ stages, as LoopFutures
  // Each returns a future of the same loop; without an executor its function runs on the loop.

  @Override
  <U> LoopFuture<U> thenApply(Function<? super T, ? extends U> fn);

  @Override
  <U> LoopFuture<U> thenApplyAsync(Function<? super T, ? extends U> fn);

  @Override
  <U> LoopFuture<U> thenApplyAsync(Function<? super T, ? extends U> fn, Executor executor);

  @Override
  LoopFuture<Void> thenAccept(Consumer<? super T> action);

  @Override
  LoopFuture<Void> thenAcceptAsync(Consumer<? super T> action);

  @Override
  LoopFuture<Void> thenAcceptAsync(Consumer<? super T> action, Executor executor);

  @Override
  LoopFuture<Void> thenRun(Runnable action);

  @Override
  LoopFuture<Void> thenRunAsync(Runnable action);

  @Override
  LoopFuture<Void> thenRunAsync(Runnable action, Executor executor);

  @Override
  <U, V> LoopFuture<V> thenCombine(CompletionStage<? extends U> other, BiFunction<? super T, ? super U, ? extends V> fn);

  @Override
  <U, V> LoopFuture<V> thenCombineAsync(CompletionStage<? extends U> other, BiFunction<? super T, ? super U, ? extends V> fn);

  @Override
  <U, V> LoopFuture<V> thenCombineAsync(CompletionStage<? extends U> other, BiFunction<? super T, ? super U, ? extends V> fn, Executor executor);

  @Override
  <U> LoopFuture<Void> thenAcceptBoth(CompletionStage<? extends U> other, BiConsumer<? super T, ? super U> action);

  @Override
  <U> LoopFuture<Void> thenAcceptBothAsync(CompletionStage<? extends U> other, BiConsumer<? super T, ? super U> action);

  @Override
  <U> LoopFuture<Void> thenAcceptBothAsync(CompletionStage<? extends U> other, BiConsumer<? super T, ? super U> action, Executor executor);

  @Override
  LoopFuture<Void> runAfterBoth(CompletionStage<?> other, Runnable action);

  @Override
  LoopFuture<Void> runAfterBothAsync(CompletionStage<?> other, Runnable action);

  @Override
  LoopFuture<Void> runAfterBothAsync(CompletionStage<?> other, Runnable action, Executor executor);

  @Override
  <U> LoopFuture<U> applyToEither(CompletionStage<? extends T> other, Function<? super T, U> fn);

  @Override
  <U> LoopFuture<U> applyToEitherAsync(CompletionStage<? extends T> other, Function<? super T, U> fn);

  @Override
  <U> LoopFuture<U> applyToEitherAsync(CompletionStage<? extends T> other, Function<? super T, U> fn, Executor executor);

  @Override
  LoopFuture<Void> acceptEither(CompletionStage<? extends T> other, Consumer<? super T> action);

  @Override
  LoopFuture<Void> acceptEitherAsync(CompletionStage<? extends T> other, Consumer<? super T> action);

  @Override
  LoopFuture<Void> acceptEitherAsync(CompletionStage<? extends T> other, Consumer<? super T> action, Executor executor);

  @Override
  LoopFuture<Void> runAfterEither(CompletionStage<?> other, Runnable action);

  @Override
  LoopFuture<Void> runAfterEitherAsync(CompletionStage<?> other, Runnable action);

  @Override
  LoopFuture<Void> runAfterEitherAsync(CompletionStage<?> other, Runnable action, Executor executor);

  @Override
  <U> LoopFuture<U> thenCompose(Function<? super T, ? extends CompletionStage<U>> fn);

  @Override
  <U> LoopFuture<U> thenComposeAsync(Function<? super T, ? extends CompletionStage<U>> fn);

  @Override
  <U> LoopFuture<U> thenComposeAsync(Function<? super T, ? extends CompletionStage<U>> fn, Executor executor);

  @Override
  <U> LoopFuture<U> handle(BiFunction<? super T, Throwable, ? extends U> fn);

  @Override
  <U> LoopFuture<U> handleAsync(BiFunction<? super T, Throwable, ? extends U> fn);

  @Override
  <U> LoopFuture<U> handleAsync(BiFunction<? super T, Throwable, ? extends U> fn, Executor executor);

  @Override
  LoopFuture<T> whenComplete(BiConsumer<? super T, ? super Throwable> action);

  @Override
  LoopFuture<T> whenCompleteAsync(BiConsumer<? super T, ? super Throwable> action);

  @Override
  LoopFuture<T> whenCompleteAsync(BiConsumer<? super T, ? super Throwable> action, Executor executor);

  @Override
  LoopFuture<T> exceptionally(Function<Throwable, ? extends T> fn);

  @Override
  LoopFuture<T> exceptionallyAsync(Function<Throwable, ? extends T> fn);

  @Override
  LoopFuture<T> exceptionallyAsync(Function<Throwable, ? extends T> fn, Executor executor);

  @Override
  LoopFuture<T> exceptionallyCompose(Function<Throwable, ? extends CompletionStage<T>> fn);

  @Override
  LoopFuture<T> exceptionallyComposeAsync(Function<Throwable, ? extends CompletionStage<T>> fn);

  @Override
  LoopFuture<T> exceptionallyComposeAsync(Function<Throwable, ? extends CompletionStage<T>> fn, Executor executor);
}
