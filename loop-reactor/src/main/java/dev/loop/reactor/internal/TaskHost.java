package dev.loop.reactor.internal;

import reactor.core.Disposable;

/** What a task asks of the scheduler or worker that scheduled it. */
interface TaskHost {

  /**
   * Whether the host's tasks may still run: false once the host is disposed, so that the tasks it
   * had handed to the loop skip when their turn comes. Loop thread (and any thread, for {@code
   * isDisposed}).
   *
   * @return true while tasks may run
   */
  boolean runsTasks();

  /**
   * A timed task of the host is over (ran, or was disposed): the host stops tracking it. Any
   * thread.
   *
   * @param task the task
   */
  void timerDone(Disposable task);
}
