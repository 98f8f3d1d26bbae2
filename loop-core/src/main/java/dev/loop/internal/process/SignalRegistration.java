package dev.loop.internal.process;

import dev.loop.LoopContext;
import dev.loop.internal.BaseEventLoop;

/**
 * One loop's callback for one signal, with the context it runs in. Immutable; what a removal
 * changes is its {@link Binding}.
 *
 * <p>The JVM's signal thread schedules the registration itself on the loop ({@link #dispatch()});
 * the loop runs it ({@link #run()}) in the context captured by {@code addSignalHandler}. Between
 * the two, the handler may be removed from another thread (or the loop's own): the registration
 * then finds its binding removed and does nothing, so that no callback starts after
 * {@code removeSignalHandler} returned. A callback the loop has already started runs to its end.
 */
final class SignalRegistration implements Runnable {

  /**
   * What a loop's successive callbacks for one signal share, from the first {@code add} to the
   * {@code remove} (or the loop's close). Replacing the callback keeps the binding, so a signal
   * that arrived just before the replacement still runs the old callback (it was the handler when
   * the signal came, and nothing is lost), while removing it stops both the old and the new.
   */
  static final class Binding {
    /** Written under {@link SignalHandlers}' lock, read by the loop thread. */
    volatile boolean removed;
  }

  private static final System.Logger LOG = System.getLogger("dev.loop");

  final BaseEventLoop loop;
  final Binding binding;
  private final sun.misc.Signal signal;
  private final Runnable callback;
  private final LoopContext context;

  SignalRegistration(
      BaseEventLoop loop,
      sun.misc.Signal signal,
      Runnable callback,
      LoopContext context,
      Binding binding) {
    this.loop = loop;
    this.signal = signal;
    this.callback = callback;
    this.context = context;
    this.binding = binding;
  }

  /**
   * A JVM signal thread. Schedules {@link #run()} on the loop; never throws, as there is nobody on
   * that thread to report to.
   */
  void dispatch() {
    if (binding.removed || loop.isClosed()) {
      return; // read from a snapshot taken just before the removal: the loop no longer wants it
    }
    try {
      loop.callSoonThreadsafe(this, context);
    } catch (RuntimeException e) {
      // The loop closed between the check and the call (IllegalStateException): as asyncio, a
      // signal for a closed loop is dropped. Anything else is a bug worth a line in the log.
      if (!loop.isClosed()) {
        LOG.log(System.Logger.Level.WARNING, "Cannot schedule " + this + " on " + loop, e);
      }
    }
  }

  /** Loop thread. Runs the callback unless the handler was removed since the signal came. */
  @Override
  public void run() {
    if (!binding.removed) {
      callback.run(); // what it throws goes to the loop's exception handler, with this handle
    }
  }

  @Override
  public String toString() {
    return signal + " handler " + callback;
  }
}
