package dev.loop;

import dev.loop.internal.DefaultLoopTask;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * A body of work scheduled on the loop, whose result it becomes: asyncio's {@code Task}.
 *
 * <p>The body is called once, on the loop thread, in the loop iteration after the task is made,
 * inside a copy of the context that was current when the task was made. The task then completes as
 * the body's stage does. Cancelling the task before the body starts means the body never runs;
 * cancelling it while it waits cancels the stage too when the stage is a {@link
 * java.util.concurrent.Future}.
 *
 * @param <T> the result type
 */
public interface LoopTask<T> extends LoopFuture<T> {

  /**
   * The task's name, {@code Task-N} unless set. asyncio: {@code Task.get_name()}.
   *
   * @return the name
   */
  String getName();

  /**
   * Renames the task. asyncio: {@code Task.set_name()}.
   *
   * @param name the new name
   * @throws NullPointerException if {@code name} is null
   */
  void setName(String name);

  /**
   * The context the body runs in: a copy of the creator's. asyncio: {@code Task.get_context()}.
   *
   * @return the task's context
   */
  LoopContext context();

  /**
   * Makes the loop's own kind of task, ignoring any task factory: what a {@link TaskFactory}
   * decorates. asyncio: {@code asyncio.Task(coro, loop=loop)}.
   *
   * @param loop the loop to run on; any thread may call this while the loop is not running, only
   *     the loop thread while it runs (as {@link EventLoop#callSoon(Runnable)})
   * @param body the body, called once on the loop thread
   * @param <T> the result type
   * @return the scheduled task
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if the loop is closed, or called from another thread while the
   *     loop runs
   */
  static <T> LoopTask<T> create(EventLoop loop, Supplier<? extends CompletionStage<T>> body) {
    Objects.requireNonNull(loop, "loop");
    Objects.requireNonNull(body, "body");
    return DefaultLoopTask.start(loop, body);
  }
}
