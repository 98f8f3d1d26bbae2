package dev.loop.rxjava;

import dev.loop.EventLoopGroup;
import dev.loop.rxjava.internal.SchedulerSwitch;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.functions.Function;
import io.reactivex.rxjava3.functions.Supplier;
import io.reactivex.rxjava3.plugins.RxJavaPlugins;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The plug-in that puts Loop event loops behind RxJava's {@code Schedulers.single()} and {@code
 * Schedulers.computation()}, through {@link RxJavaPlugins}' scheduler handlers: as Reactor's
 * {@code Schedulers.setFactory}, or RxAndroid's {@code RxAndroidPlugins}, for the loop.
 *
 * <pre>{@code
 * EventLoopGroup group = EventLoopGroup.create(2);
 * LoopSchedulers.install(group);
 * try {
 *   // computation() and single() now run on the group's loops
 *   Flowable.range(1, 100).parallel().runOn(Schedulers.computation()).map(i -> i * i).sequential()
 *       .blockingSubscribe(System.out::println);
 * } finally {
 *   LoopSchedulers.uninstall();
 *   group.close();
 * }
 * }</pre>
 *
 * <p>While installed:
 *
 * <ul>
 *   <li>{@code Schedulers.computation()} is a {@link LoopScheduler#of(EventLoopGroup)} over the
 *       group: workers (one per {@code observeOn}, {@code subscribeOn}, parallel rail, ...) and
 *       direct tasks are spread over its loops.
 *   <li>{@code Schedulers.single()} is a {@link LoopScheduler#of(dev.loop.EventLoop)} over the
 *       group's first loop: one thread, everything in order, as RxJava's single scheduler.
 *   <li>{@code Schedulers.io()} and {@code Schedulers.newThread()} stay RxJava's own: they are for
 *       blocking work, and a loop thread must never block.
 *   <li>{@code Schedulers.shutdown()} does not shut the group down: it is the caller's.
 * </ul>
 *
 * <p>The plug-in sets four handlers: {@link RxJavaPlugins#setSingleSchedulerHandler} and {@link
 * RxJavaPlugins#setComputationSchedulerHandler}, consulted at every call of {@code single()} /
 * {@code computation()}, and the <em>init</em> handlers {@link
 * RxJavaPlugins#setInitSingleSchedulerHandler} and {@link
 * RxJavaPlugins#setInitComputationSchedulerHandler}. RxJava calls the init handlers only once, when
 * the {@code Schedulers} class initializes: they matter only if the plug-in is installed before
 * the first use of {@code Schedulers}, and then spare RxJava from making its own single and
 * computation schedulers at all. What they give RxJava for good is a switch that goes to the loops
 * while the plug-in is installed and to RxJava's own default (made lazily, on first use) after
 * {@link #uninstall()}; so {@code uninstall()} restores RxJava's behaviour either way.
 *
 * <p>{@link #uninstall()} puts back exactly the four handlers that were set when {@link
 * #install(EventLoopGroup)} was called (null if none), so another library's handlers survive an
 * install/uninstall pair; handlers changed in between are overwritten. {@link
 * RxJavaPlugins#reset()} removes the handlers but does not uninstall the plug-in: call {@code
 * uninstall()}. Install and uninstall may be called from any thread; they are serialized.
 */
public final class LoopSchedulers {

  private static final Object LOCK = new Object();

  /** The current installation, or null; written under {@link #LOCK}, read anywhere. */
  private static volatile @Nullable Installation installed;

  private LoopSchedulers() {}

  /**
   * Installs loops of {@code group} behind {@code Schedulers.single()} and {@code
   * Schedulers.computation()}, remembering the handlers set now so that {@link #uninstall()} can
   * restore them. The group stays the caller's: uninstall first, then shut it down.
   *
   * @param group the loops to run RxJava's computation and single work on
   * @throws NullPointerException if {@code group} is null
   * @throws IllegalStateException if the plug-in is already installed (uninstall first), if {@code
   *     group} is shutting down, or if {@code RxJavaPlugins} is locked down; nothing is changed then
   */
  public static void install(EventLoopGroup group) {
    Objects.requireNonNull(group, "group is null");
    synchronized (LOCK) {
      Installation current = installed;
      if (current != null) {
        throw new IllegalStateException(
            "LoopSchedulers is already installed over " + current.group + "; call uninstall() first");
      }
      if (group.isShuttingDown()) {
        throw new IllegalStateException("the group is shutting down: " + group);
      }
      if (RxJavaPlugins.isLockdown()) {
        throw new IllegalStateException("RxJavaPlugins is locked down: its handlers cannot be changed");
      }
      Installation next = new Installation(group,
          LoopScheduler.of(group.loops().get(0)),
          LoopScheduler.of(group),
          RxJavaPlugins.getSingleSchedulerHandler(),
          RxJavaPlugins.getComputationSchedulerHandler(),
          RxJavaPlugins.getInitSingleSchedulerHandler(),
          RxJavaPlugins.getInitComputationSchedulerHandler());
      installed = next;
      RxJavaPlugins.setInitSingleSchedulerHandler(LoopSchedulers::initSingle);
      RxJavaPlugins.setInitComputationSchedulerHandler(LoopSchedulers::initComputation);
      RxJavaPlugins.setSingleSchedulerHandler(ignored -> next.single);
      RxJavaPlugins.setComputationSchedulerHandler(ignored -> next.computation);
    }
  }

  /**
   * Restores the four scheduler handlers that were set when {@link #install(EventLoopGroup)} was
   * called; {@code Schedulers.single()} and {@code Schedulers.computation()} are RxJava's again.
   * Does nothing if the plug-in is not installed. Does not shut the group down.
   *
   * @throws IllegalStateException if {@code RxJavaPlugins} was locked down since the install (the
   *     handlers cannot be restored; the plug-in stays installed)
   */
  public static void uninstall() {
    synchronized (LOCK) {
      Installation current = installed;
      if (current == null) {
        return;
      }
      if (RxJavaPlugins.isLockdown()) {
        throw new IllegalStateException(
            "RxJavaPlugins was locked down after LoopSchedulers.install(): the handlers cannot be restored");
      }
      RxJavaPlugins.setSingleSchedulerHandler(current.previousSingle);
      RxJavaPlugins.setComputationSchedulerHandler(current.previousComputation);
      RxJavaPlugins.setInitSingleSchedulerHandler(current.previousInitSingle);
      RxJavaPlugins.setInitComputationSchedulerHandler(current.previousInitComputation);
      installed = null;
    }
  }

  /**
   * Tells whether the plug-in is installed.
   *
   * @return true between {@link #install(EventLoopGroup)} and {@link #uninstall()}
   */
  public static boolean isInstalled() {
    return installed != null;
  }

  private static Scheduler initSingle(Supplier<Scheduler> rxDefault) {
    return new SchedulerSwitch(() -> {
      Installation i = installed;
      return i == null ? null : i.single;
    }, rxDefault);
  }

  private static Scheduler initComputation(Supplier<Scheduler> rxDefault) {
    return new SchedulerSwitch(() -> {
      Installation i = installed;
      return i == null ? null : i.computation;
    }, rxDefault);
  }

  /** What one install set up, and the handlers it replaced. */
  private record Installation(
      EventLoopGroup group,
      LoopScheduler single,
      LoopScheduler computation,
      @Nullable Function<? super Scheduler, ? extends Scheduler> previousSingle,
      @Nullable Function<? super Scheduler, ? extends Scheduler> previousComputation,
      @Nullable Function<? super Supplier<Scheduler>, ? extends Scheduler> previousInitSingle,
      @Nullable Function<? super Supplier<Scheduler>, ? extends Scheduler> previousInitComputation) {}
}
