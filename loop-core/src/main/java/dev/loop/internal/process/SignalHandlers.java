package dev.loop.internal.process;

import dev.loop.LoopContext;
import dev.loop.internal.BaseEventLoop;
import dev.loop.internal.Contexts;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * {@code addSignalHandler}/{@code removeSignalHandler}: callbacks run on a loop when the JVM
 * receives a signal, through {@code sun.misc.Signal}.
 *
 * <p>The JVM has one handler per signal for the whole process, and several loops may want the same
 * signal, so the registry is process-wide: the first loop to add a handler for a signal installs a
 * {@link SignalSlot} in the JVM, remembering the handler it displaced; every loop that adds one
 * registers with that slot, which passes each signal to all of them; the last loop to remove its
 * handler (or to close) puts the displaced handler back. Per-loop installs that chain to each other
 * would restore correctly only when removed in reverse order; a registry restores correctly in
 * any order.
 *
 * <p>On a signal, a JVM thread (not the loop's) calls the slot, which schedules each loop's
 * callback with {@code callSoonThreadsafe(callback, context)}, in the context captured when the
 * handler was added; a closed loop is skipped. asyncio instead writes the signal number to the
 * loop's wakeup file descriptor from the C handler ({@code signal.set_wakeup_fd}) and looks up the
 * handler on the loop; the JVM gives Java code no C-level handler, only its signal thread.
 *
 * <p>Threads. Any thread may add or remove. One lock guards the registry and every
 * {@code Signal.handle} call it makes, so installing, replacing and restoring the JVM's handler
 * are atomic with respect to each other. The signal threads take no lock (see {@link SignalSlot}).
 * Closing races with adding: {@code close()} marks the loop closed before it calls {@link
 * #removeAll(BaseEventLoop)}, and {@code add} checks for a closed loop under the lock after it
 * registered, so whichever takes the lock second removes the registration.
 */
public final class SignalHandlers {
  private SignalHandlers() {}

  private static final System.Logger LOG = System.getLogger("dev.loop");

  private static final Object LOCK = new Object();

  /** Installed slots by signal number (aliases such as IO and POLL share one); under LOCK. */
  private static final Map<Integer, SignalSlot> SLOTS = new HashMap<>();

  /**
   * Any thread. Makes {@code callback} the loop's handler for the signal {@code name}, replacing
   * the loop's previous one; the first handler any loop adds for a signal replaces the JVM's.
   * asyncio: {@code loop.add_signal_handler(sig, callback)}.
   *
   * <p>The callback runs on the loop thread in a copy of the caller's current context, taken now
   * (asyncio's {@code copy_context()}), the same copy for every signal. A copy rather than the
   * current context object itself: that object stays entered by the calling thread, and a context
   * can be entered by one thread at a time.
   *
   * @param loop the loop, open
   * @param name the signal's name, with or without "SIG"
   * @param callback what to run on the loop thread on each signal
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the signal is unknown, cannot be caught, or the JVM keeps
   *     it
   * @throws IllegalStateException if the loop closed meanwhile
   */
  public static void add(BaseEventLoop loop, String name, Runnable callback) {
    Objects.requireNonNull(loop, "loop");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(callback, "callback");
    sun.misc.Signal signal = SignalNames.resolve(name);
    SignalNames.checkHandleable(signal);
    LoopContext context = Contexts.copyCurrent();
    synchronized (LOCK) {
      SignalSlot slot = SLOTS.get(signal.getNumber());
      if (slot == null) {
        slot = SignalSlot.install(signal); // throws if the JVM refuses: nothing to undo then
        SLOTS.put(signal.getNumber(), slot);
      }
      SignalRegistration previous = slot.find(loop);
      SignalRegistration.Binding binding =
          previous != null ? previous.binding : new SignalRegistration.Binding();
      slot.put(new SignalRegistration(loop, signal, callback, context, binding));
      if (loop.isClosed()) {
        // close() ran after the caller's check: if its removeAll already ran, this registration
        // is the loop's only one and must go; if not, removeAll will find nothing left.
        removeLocked(loop, signal.getNumber());
        throw new IllegalStateException("Event loop is closed");
      }
    }
  }

  /**
   * Any thread. Removes the loop's handler for the signal; when no loop has one left, puts back the
   * JVM handler that the first loop's displaced. A callback for a signal that came before and has
   * not started yet is dropped. asyncio: {@code loop.remove_signal_handler(sig)}.
   *
   * @param loop the loop, open or closed
   * @param name the signal's name, with or without "SIG"
   * @return true if the loop had a handler for the signal
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the signal is unknown
   */
  public static boolean remove(BaseEventLoop loop, String name) {
    Objects.requireNonNull(loop, "loop");
    Objects.requireNonNull(name, "name");
    sun.misc.Signal signal = SignalNames.resolve(name);
    synchronized (LOCK) {
      return removeLocked(loop, signal.getNumber());
    }
  }

  /**
   * Any thread; called by {@code close()}. Removes all of the loop's handlers, as {@link
   * #remove(BaseEventLoop, String)} does each. Never throws: a failure to restore a JVM handler is
   * logged.
   *
   * @param loop the loop, closed
   */
  public static void removeAll(BaseEventLoop loop) {
    Objects.requireNonNull(loop, "loop");
    synchronized (LOCK) {
      for (Integer number : new ArrayList<>(SLOTS.keySet())) {
        try {
          removeLocked(loop, number);
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.WARNING, "Error restoring the handler of signal " + number,
              e);
        }
      }
    }
  }

  private static boolean removeLocked(BaseEventLoop loop, int number) {
    SignalSlot slot = SLOTS.get(number);
    if (slot == null) {
      return false;
    }
    SignalRegistration removed = slot.remove(loop);
    if (removed == null) {
      return false;
    }
    removed.binding.removed = true; // before returning, so no queued callback starts after
    if (slot.isEmpty()) {
      SLOTS.remove(number);
      slot.uninstall();
    }
    return true;
  }
}
