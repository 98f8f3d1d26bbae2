package dev.loop.rxjava.internal;

/**
 * A worker's immediate task: it waits in the worker's own FIFO queue, not on a loop timer, and
 * counts as disposed as soon as its worker is.
 */
final class TaskQueued extends TaskBase {

  private final WorkerOnLoop worker;

  TaskQueued(Runnable run, WorkerOnLoop worker) {
    super(run, null);
    this.worker = worker;
  }

  /** Called by the worker's drain on the loop thread. */
  @Override
  public void run() {
    if (enter()) {
      runBody();
      finish();
    }
  }

  /**
   * True once the task ran or was disposed, or once its worker was disposed: a disposed worker
   * runs nothing it still holds.
   */
  @Override
  public boolean isDisposed() {
    return super.isDisposed() || worker.isDisposed();
  }
}
