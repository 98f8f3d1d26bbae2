package dev.loop.internal;

import dev.loop.EventLoop;
import dev.loop.LoopContext;
import dev.loop.LoopTask;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * asyncio's {@code Task}: a body called once on the loop, in a copy of its creator's context, and
 * completed as the body's stage completes. Cancelling is immediate: the task is cancelled at once,
 * and the stage it waits on is cancelled too when it is a {@link Future}.
 *
 * @param <T> the result type
 */
public final class DefaultLoopTask<T> extends DefaultLoopFuture<T> implements LoopTask<T> {

  private static final AtomicLong COUNTER = new AtomicLong();

  private final LoopContext context;
  private final Supplier<? extends CompletionStage<T>> body;
  private volatile String name;
  private volatile @Nullable CompletionStage<T> waitingOn;

  private DefaultLoopTask(EventLoop loop, Supplier<? extends CompletionStage<T>> body) {
    super(loop);
    this.body = body;
    this.context = Contexts.copyCurrent();
    this.name = "Task-" + COUNTER.incrementAndGet();
  }

  /**
   * Makes a task and schedules its body with {@code callSoon}.
   *
   * @param loop the loop
   * @param body the body
   * @param <T> the result type
   * @return the scheduled task
   */
  public static <T> LoopTask<T> start(EventLoop loop, Supplier<? extends CompletionStage<T>> body) {
    Objects.requireNonNull(loop, "loop");
    Objects.requireNonNull(body, "body");
    DefaultLoopTask<T> task = new DefaultLoopTask<>(loop, body);
    loop.callSoon(task::step, task.context);
    if (loop instanceof BaseEventLoop base) {
      base.registerTask(task);
      task.onDone(() -> base.unregisterTask(task));
    }
    return task;
  }

  private void step() {
    if (isDone()) {
      return; // cancelled before it started: the body never runs
    }
    CompletionStage<T> stage;
    try {
      stage = body.get();
    } catch (Throwable t) {
      completeExceptionally(t);
      return;
    }
    if (stage == null) {
      completeExceptionally(new NullPointerException("the body of " + name + " returned null"));
      return;
    }
    waitingOn = stage;
    if (isDone()) {
      cancelWaited(stage); // the body cancelled its own task
      return;
    }
    stage.whenComplete((result, failure) -> {
      if (failure == null) {
        complete(result);
        return;
      }
      Throwable cause = failure instanceof CompletionException && failure.getCause() != null
          ? failure.getCause() : failure;
      if (cause instanceof CancellationException) {
        super.cancel();
      } else {
        completeExceptionally(cause);
      }
    });
  }

  @Override
  public boolean cancel() {
    boolean cancelled = super.cancel();
    CompletionStage<T> stage = waitingOn;
    if (cancelled && stage != null) {
      cancelWaited(stage);
    }
    return cancelled;
  }

  private static void cancelWaited(CompletionStage<?> stage) {
    if (stage instanceof Future<?> future) {
      future.cancel(false);
    }
  }

  @Override
  public String getName() {
    return name;
  }

  @Override
  public void setName(String name) {
    this.name = Objects.requireNonNull(name, "name");
  }

  @Override
  public LoopContext context() {
    return context;
  }

  @Override
  String kind() {
    return "Task " + name;
  }
}
