package dev.loop;

import java.util.function.Supplier;
import java.util.concurrent.CompletionStage;

/**
 * Makes the tasks of {@link EventLoop#createTask(Supplier)}: asyncio's task factory.
 *
 * <p>Set with {@link EventLoop#setTaskFactory(TaskFactory)}. An implementation usually decorates
 * the task the loop would make itself, which {@link EventLoop#createTask(Supplier)} makes when no
 * factory is set.
 */
public interface TaskFactory {

  /**
   * Makes a task that runs {@code body} on {@code loop} and completes as its stage does.
   *
   * @param loop the loop the task belongs to
   * @param body the body: called once on the loop thread, in a copy of the caller's context
   * @param <T> the result type
   * @return the new task, already scheduled
   */
  <T> LoopTask<T> createTask(EventLoop loop, Supplier<? extends CompletionStage<T>> body);
}
