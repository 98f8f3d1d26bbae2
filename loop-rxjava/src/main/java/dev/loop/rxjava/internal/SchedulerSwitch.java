package dev.loop.rxjava.internal;

import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.disposables.Disposable;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * What {@code LoopSchedulers}' init handlers give RxJava: a scheduler that delegates to the loop
 * scheduler while the plug-in is installed, and to RxJava's own default (made on first use, from
 * the supplier RxJava passed to the init handler) otherwise.
 *
 * <p>Why not the loop scheduler itself: RxJava calls an init handler once, when the {@code
 * Schedulers} class initializes, and keeps what it returns in a static field for the life of the
 * class loader. Returning the loop scheduler would keep {@code Schedulers.single()} /
 * {@code computation()} on the loops after {@code uninstall()}, on a group that may be shut down.
 * This switch keeps the default lazy too: RxJava's own threads are started only if they are used
 * after an uninstall.
 */
public final class SchedulerSwitch extends Scheduler {

  private static final VarHandle FALLBACK;

  static {
    try {
      FALLBACK = MethodHandles.lookup().findVarHandle(SchedulerSwitch.class, "fallback", Scheduler.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Supplier<? extends @Nullable Scheduler> installed;
  private final io.reactivex.rxjava3.functions.Supplier<Scheduler> rxDefault;

  /** RxJava's default, once made. */
  @SuppressWarnings("unused") // through FALLBACK
  private volatile @Nullable Scheduler fallback;

  /**
   * A switch.
   *
   * @param installed the loop scheduler while installed, else null; read at each call
   * @param rxDefault RxJava's supplier of its own default scheduler
   */
  public SchedulerSwitch(Supplier<? extends @Nullable Scheduler> installed,
      io.reactivex.rxjava3.functions.Supplier<Scheduler> rxDefault) {
    this.installed = Objects.requireNonNull(installed, "installed");
    this.rxDefault = Objects.requireNonNull(rxDefault, "rxDefault");
  }

  /** The scheduler to use now. */
  Scheduler current() {
    Scheduler s = installed.get();
    return s != null ? s : fallback();
  }

  private Scheduler fallback() {
    Scheduler f = (Scheduler) FALLBACK.getVolatile(this);
    if (f != null) {
      return f;
    }
    Scheduler made;
    try {
      made = Objects.requireNonNull(rxDefault.get(), "RxJava's default scheduler supplier returned null");
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable checked) {
      throw new IllegalStateException("RxJava's default scheduler supplier failed", checked);
    }
    // Two threads may both get here: RxJava's suppliers return one shared instance, and only the
    // first one stored is ever used.
    Scheduler witness = (Scheduler) FALLBACK.compareAndExchange(this, (Scheduler) null, made);
    return witness != null ? witness : made;
  }

  @Override
  public Worker createWorker() {
    return current().createWorker();
  }

  @Override
  public Disposable scheduleDirect(Runnable run) {
    return current().scheduleDirect(run);
  }

  @Override
  public Disposable scheduleDirect(Runnable run, long delay, TimeUnit unit) {
    return current().scheduleDirect(run, delay, unit);
  }

  @Override
  public Disposable schedulePeriodicallyDirect(Runnable run, long initialDelay, long period, TimeUnit unit) {
    return current().schedulePeriodicallyDirect(run, initialDelay, period, unit);
  }

  @Override
  public long now(TimeUnit unit) {
    return current().now(unit);
  }

  @Override
  public void start() {
    current().start();
  }

  /** Shuts down RxJava's default if it was made, and the loop scheduler if installed. */
  @Override
  public void shutdown() {
    Scheduler s = installed.get();
    if (s != null) {
      s.shutdown();
    }
    Scheduler f = (Scheduler) FALLBACK.getVolatile(this);
    if (f != null) {
      f.shutdown();
    }
  }

  @Override
  public String toString() {
    // Not current(): a toString() must not make RxJava's default scheduler.
    Scheduler s = installed.get();
    return "SchedulerSwitch[" + (s != null ? s : "RxJava's default") + "]";
  }
}
