package dev.loop.reactor.internal;

import dev.loop.EventLoopGroup;
import java.util.concurrent.ThreadFactory;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The {@link Schedulers.Factory} of {@code LoopSchedulers.install}: single and parallel schedulers
 * on the group's loops; bounded-elastic ones stay Reactor's (the interface's defaults), since they
 * exist for blocking work. The thread factories Reactor passes are not used: the loops' threads
 * already exist.
 */
public final class LoopSchedulerFactory implements Schedulers.Factory {

  private final EventLoopGroup group;

  /**
   * A factory over {@code group}.
   *
   * @param group the loops
   */
  public LoopSchedulerFactory(EventLoopGroup group) {
    this.group = group;
  }

  /** {@code Schedulers.parallel()} and {@code newParallel(...)}: every loop of the group. */
  @Override
  public Scheduler newParallel(int parallelism, ThreadFactory threadFactory) {
    if (parallelism <= 0) {
      throw new IllegalArgumentException("parallelism must be positive: " + parallelism);
    }
    return LoopSchedulerImpl.over(group, "parallel");
  }

  /** {@code Schedulers.single()} and {@code newSingle(...)}: the group's next loop. */
  @Override
  public Scheduler newSingle(ThreadFactory threadFactory) {
    return LoopSchedulerImpl.over(group.next(), "single");
  }

  @Override
  public String toString() {
    return "LoopSchedulerFactory[" + group + "]";
  }
}
