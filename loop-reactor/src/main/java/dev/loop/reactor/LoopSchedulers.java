package dev.loop.reactor;

import dev.loop.EventLoopGroup;
import dev.loop.reactor.internal.KnownLoops;
import dev.loop.reactor.internal.LoopSchedulerFactory;
import dev.loop.reactor.internal.NonBlockingThreadFactory;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Schedulers;

/**
 * The plug-in that puts an {@link EventLoopGroup} behind Reactor's {@code Schedulers.single()} and
 * {@code Schedulers.parallel()}, and the thread factory that makes loop threads Reactor {@link
 * reactor.core.scheduler.NonBlocking NonBlocking}. The RxJava bridge's counterpart sets {@code
 * RxJavaPlugins} scheduler handlers; Reactor's own mechanism is a {@code Schedulers.Factory}.
 *
 * <p>{@link #install(EventLoopGroup)} sets a {@link Schedulers.Factory} with {@link
 * Schedulers#setFactoryWithSnapshot(Schedulers.Factory)}. While it is installed:
 *
 * <ul>
 *   <li>{@code Schedulers.parallel()} and every {@code Schedulers.newParallel(...)} are {@link
 *       LoopScheduler#of(EventLoopGroup)} schedulers over the group (the group's size, not the
 *       requested parallelism, sets how many threads they use);
 *   <li>{@code Schedulers.single()} and every {@code Schedulers.newSingle(...)} are {@link
 *       LoopScheduler#of(dev.loop.EventLoop)} schedulers over one loop of the group ({@link
 *       EventLoopGroup#next()} at creation);
 *   <li>{@code Schedulers.boundedElastic()} and {@code newBoundedElastic(...)} stay Reactor's own,
 *       on threads of their own: they exist for blocking work, which a loop thread must never do.
 * </ul>
 *
 * <p>Reactor's {@code Schedulers.Factory} cannot tell {@code parallel()} from {@code
 * newParallel("name")}, so both go to the loops; the thread factory Reactor passes is not used.
 * Disposing those schedulers (Reactor does it when the factory changes) never shuts the group down.
 * {@link #uninstall()} restores the factory and the cached schedulers that were in place before
 * ({@link Schedulers#resetFrom(Schedulers.Snapshot)}), and disposes the loop schedulers Reactor had
 * cached. The factory is process-wide: install once, at start-up, and uninstall at shut-down (or
 * after a test). The hooks ({@code Schedulers.onScheduleHook}, {@code onHandleError}) apply to the
 * loop schedulers as to Reactor's.
 */
public final class LoopSchedulers {

  /** What {@link #install} replaced; guarded by {@code LoopSchedulers.class}. */
  private static @Nullable Installation installed;

  private record Installation(Schedulers.Snapshot previous, EventLoopGroup group, boolean owned) {}

  private LoopSchedulers() {}

  /**
   * Puts {@code group} behind {@code Schedulers.single()}/{@code parallel()} (and {@code
   * newSingle}/{@code newParallel}), as the class comment says. The group stays the caller's:
   * {@link #uninstall()} does not shut it down. Threads of a group made without {@link
   * #nonBlockingThreadFactory(String)} count as non-blocking only while they run a loop of the group
   * (see {@link LoopScheduler}). Any thread.
   *
   * @param group the loops to run Reactor's single and parallel work on
   * @throws NullPointerException if {@code group} is null
   * @throws IllegalArgumentException if {@code group} is shutting down
   * @throws IllegalStateException if the plug-in is already installed
   */
  public static synchronized void install(EventLoopGroup group) {
    Objects.requireNonNull(group, "group");
    if (group.isShuttingDown()) {
      throw new IllegalArgumentException("the event loop group is shutting down: " + group);
    }
    doInstall(group, false);
  }

  /**
   * Makes a group of {@code nThreads} loops on {@link #nonBlockingThreadFactory(String)
   * non-blocking} threads named {@code loop-reactor-N} and installs it as {@link
   * #install(EventLoopGroup)} does. The plug-in owns this group: {@link #uninstall()} shuts it down.
   * Any thread.
   *
   * @param nThreads how many loops, at least 1 (Reactor's {@code parallel()} uses one per core)
   * @return the group, for running other loop work on the same threads
   * @throws IllegalArgumentException if {@code nThreads} is below 1
   * @throws IllegalStateException if the plug-in is already installed
   */
  public static synchronized EventLoopGroup install(int nThreads) {
    if (nThreads < 1) {
      throw new IllegalArgumentException("nThreads must be at least 1: " + nThreads);
    }
    checkNotInstalled();
    EventLoopGroup group = EventLoopGroup.create(nThreads, nonBlockingThreadFactory("loop-reactor"));
    doInstall(group, true);
    return group;
  }

  private static void checkNotInstalled() {
    if (installed != null) {
      throw new IllegalStateException(
          "LoopSchedulers is already installed (on " + installed.group() + "); call uninstall() first");
    }
  }

  private static void doInstall(EventLoopGroup group, boolean owned) {
    checkNotInstalled();
    KnownLoops.register(group);
    Schedulers.Snapshot previous = Schedulers.setFactoryWithSnapshot(new LoopSchedulerFactory(group));
    installed = new Installation(previous, group, owned);
  }

  /**
   * Restores the Reactor factory and cached schedulers that {@link #install} replaced, disposing
   * the loop schedulers Reactor cached meanwhile; shuts the group down (without waiting) if {@link
   * #install(int)} made it. Does nothing if the plug-in is not installed. Any thread.
   */
  public static synchronized void uninstall() {
    Installation current = installed;
    if (current == null) {
      return;
    }
    installed = null;
    Schedulers.resetFrom(current.previous());
    if (current.owned()) {
      current.group().shutdownGracefully();
    }
  }

  /**
   * Tells whether the plug-in is installed. Any thread.
   *
   * @return true between {@link #install} and {@link #uninstall()}
   */
  public static synchronized boolean isInstalled() {
    return installed != null;
  }

  /**
   * A thread factory for {@link EventLoopGroup#create(int, ThreadFactory)} whose threads are Reactor
   * {@link reactor.core.scheduler.NonBlocking NonBlocking} (so {@code block()} on them fails fast,
   * and BlockHound watches them), daemon, and named {@code prefix-1}, {@code prefix-2}, ... Their
   * {@link Thread.UncaughtExceptionHandler} passes what it gets (Reactor reports task errors there)
   * to the exception handler of the loop running on the thread, if any, and to the thread group
   * otherwise. Any thread. Reactor: the factory behind {@code Schedulers.newParallel(name, n)}.
   *
   * @param prefix the threads' name prefix
   * @return a new factory with its own counter
   * @throws NullPointerException if {@code prefix} is null
   * @throws IllegalArgumentException if {@code prefix} is empty
   */
  public static ThreadFactory nonBlockingThreadFactory(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    if (prefix.isEmpty()) {
      throw new IllegalArgumentException("prefix must not be empty");
    }
    return new NonBlockingThreadFactory(prefix);
  }
}
