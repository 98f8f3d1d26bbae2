package dev.loop;

import dev.loop.internal.BaseEventLoop;
import dev.loop.internal.DefaultEventLoopPolicy;
import dev.loop.internal.RunningLoops;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The module-level functions of asyncio's {@code events.py} and {@code runners.py}: the running
 * loop of a thread, the policy, and {@link #run(Function)}.
 */
public final class Loops {

  private static volatile @Nullable EventLoopPolicy policy;

  private Loops() {}

  /**
   * The loop running on the calling thread. asyncio: {@code get_running_loop()}.
   *
   * @return the running loop
   * @throws IllegalStateException with "no running event loop" if none runs on this thread
   */
  public static EventLoop getRunningLoop() {
    EventLoop loop = RunningLoops.get();
    if (loop == null) {
      throw new IllegalStateException("no running event loop");
    }
    return loop;
  }

  /**
   * The running loop of this thread if there is one, else the policy's loop for this thread.
   * asyncio: {@code get_event_loop()}.
   *
   * @return the loop
   * @throws IllegalStateException if no loop runs here and the policy has none for this thread
   */
  public static EventLoop getEventLoop() {
    EventLoop running = RunningLoops.get();
    return running != null ? running : getEventLoopPolicy().getEventLoop();
  }

  /**
   * Sets the policy's loop for the calling thread. asyncio: {@code set_event_loop()}.
   *
   * @param loop the loop, or null to clear it
   */
  public static void setEventLoop(@Nullable EventLoop loop) {
    getEventLoopPolicy().setEventLoop(loop);
  }

  /**
   * A new loop from the policy, not running. asyncio: {@code new_event_loop()}.
   *
   * @return the new loop
   */
  public static EventLoop newEventLoop() {
    return getEventLoopPolicy().newEventLoop();
  }

  /**
   * The current policy. asyncio: {@code get_event_loop_policy()}.
   *
   * @return the policy, the default one unless set
   */
  public static EventLoopPolicy getEventLoopPolicy() {
    EventLoopPolicy p = policy;
    if (p == null) {
      synchronized (Loops.class) {
        p = policy;
        if (p == null) {
          p = new DefaultEventLoopPolicy();
          policy = p;
        }
      }
    }
    return p;
  }

  /**
   * Sets the policy. asyncio: {@code set_event_loop_policy()}.
   *
   * @param newPolicy the policy, or null to restore a fresh default policy
   */
  public static void setEventLoopPolicy(@Nullable EventLoopPolicy newPolicy) {
    synchronized (Loops.class) {
      policy = newPolicy;
    }
  }

  /**
   * The tasks of {@code loop} that are not done yet. asyncio: {@code all_tasks(loop)}.
   *
   * @param loop the loop
   * @return a snapshot of its pending tasks
   * @throws NullPointerException if {@code loop} is null
   */
  public static Set<LoopTask<?>> allTasks(EventLoop loop) {
    Objects.requireNonNull(loop, "loop");
    return loop instanceof BaseEventLoop base ? base.pendingTasks() : Set.of();
  }

  /**
   * Runs {@code main} on a new loop and returns its result: asyncio's {@code asyncio.run()}.
   *
   * <p>Makes a loop, calls {@code main} as a task on it (on the loop thread, which is the calling
   * thread), runs the loop until the task's stage completes, then cancels the tasks still pending,
   * shuts down the default executor, and closes the loop, whatever happened.
   *
   * @param main makes the main stage, given the new loop
   * @param <T> the result type
   * @return the result of {@code main}'s stage
   * @throws NullPointerException if {@code main} is null
   * @throws IllegalStateException if a loop is already running on this thread
   * @throws RuntimeException the failure of {@code main}'s stage when unchecked, as {@link
   *     EventLoop#runUntilComplete(CompletionStage)}
   */
  public static <T> @Nullable T run(Function<EventLoop, ? extends CompletionStage<T>> main) {
    Objects.requireNonNull(main, "main");
    if (RunningLoops.get() != null) {
      throw new IllegalStateException("Loops.run() cannot be called from a running event loop");
    }
    EventLoop loop = newEventLoop();
    try {
      LoopTask<T> task = loop.createTask(() -> main.apply(loop));
      return loop.runUntilComplete(task);
    } finally {
      try {
        for (LoopTask<?> t : allTasks(loop)) {
          t.cancel();
        }
        loop.runUntilComplete(loop.shutdownDefaultExecutor());
      } finally {
        loop.close();
      }
    }
  }
}
