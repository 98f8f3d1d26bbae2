package dev.loop.internal.process;

import dev.loop.internal.BaseEventLoop;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * The process's handler for one signal while at least one loop has a handler for it: the
 * {@link sun.misc.SignalHandler} installed in the JVM, which passes each signal to every registered
 * loop, and the handler that was there before, restored when the last loop removes its own.
 *
 * <p>Threads. Registrations change only under {@link SignalHandlers}' lock, by copying the array
 * and publishing the copy through a volatile field; the JVM's signal threads read whichever array
 * is current without a lock, so a signal never waits for an {@code add} or {@code remove}. A
 * signal that comes while a loop is being removed may still see that loop in its snapshot; the
 * registration's {@link SignalRegistration.Binding} then keeps its callback from running.
 */
final class SignalSlot implements sun.misc.SignalHandler {

  private static final SignalRegistration[] NONE = new SignalRegistration[0];

  private final sun.misc.Signal signal;

  /** The JVM's handler before the first loop's; guarded by {@link SignalHandlers}' lock. */
  private sun.misc.@Nullable SignalHandler original;

  /** One per loop; replaced, never changed in place (copy on write). */
  private volatile SignalRegistration[] registrations = NONE;

  private SignalSlot(sun.misc.Signal signal) {
    this.signal = signal;
  }

  /**
   * Under {@link SignalHandlers}' lock. Installs a new slot as the JVM's handler of {@code signal}.
   *
   * @param signal the signal, already checked by {@link SignalNames#checkHandleable}
   * @return the installed slot, with no registration yet
   * @throws IllegalArgumentException if the JVM refuses, or would never call the handler
   */
  static SignalSlot install(sun.misc.Signal signal) {
    SignalSlot slot = new SignalSlot(signal);
    sun.misc.SignalHandler previous;
    try {
      previous = sun.misc.Signal.handle(signal, slot);
    } catch (IllegalArgumentException refused) { // "Signal already used by VM or OS: SIGQUIT"
      throw SignalNames.reserved(signal.getName(), null, refused);
    }
    if (previous == sun.misc.SignalHandler.SIG_IGN && SignalNames.staysIgnored(signal)) {
      // HotSpot keeps an ignored HUP, INT or TERM ignored: Signal.handle "succeeded" but only
      // the JDK's bookkeeping changed. Undo that, and say why the handler could never run.
      sun.misc.Signal.handle(signal, previous);
      throw new IllegalArgumentException(
          "signal " + signal.getName() + " is ignored by this process (it started with the"
              + " signal ignored, as under nohup or in a background job) and the JVM does not"
              + " install handlers for an ignored HUP, INT or TERM");
    }
    slot.original = previous;
    return slot;
  }

  /**
   * Under {@link SignalHandlers}' lock. Puts back the handler that was there before {@link
   * #install}. If other code replaced this slot in the JVM since then, its handler is left in place
   * (restoring ours would undo it); {@code Signal.handle} tells which by returning what it
   * displaced: {@code sun.misc} returns a Java handler as the very object that was installed.
   */
  void uninstall() {
    sun.misc.SignalHandler before = original;
    if (before == null) {
      return;
    }
    original = null;
    sun.misc.SignalHandler displaced = sun.misc.Signal.handle(signal, before);
    if (displaced != this) {
      // Not ours any more: put the other code's handler back. For the instant between the two
      // calls the original one is installed; there is no compare-and-set in sun.misc to avoid it.
      sun.misc.Signal.handle(signal, displaced);
    }
  }

  /**
   * Under the lock.
   *
   * @param loop a loop
   * @return its registration, or null
   */
  @Nullable SignalRegistration find(BaseEventLoop loop) {
    for (SignalRegistration r : registrations) {
      if (r.loop == loop) {
        return r;
      }
    }
    return null;
  }

  /**
   * Under the lock. Adds {@code registration}, replacing its loop's previous one.
   *
   * @param registration the new registration
   */
  void put(SignalRegistration registration) {
    SignalRegistration[] current = registrations;
    for (int i = 0; i < current.length; i++) {
      if (current[i].loop == registration.loop) {
        SignalRegistration[] copy = current.clone();
        copy[i] = registration;
        registrations = copy;
        return;
      }
    }
    SignalRegistration[] copy = Arrays.copyOf(current, current.length + 1);
    copy[current.length] = registration;
    registrations = copy;
  }

  /**
   * Under the lock. Removes the loop's registration.
   *
   * @param loop the loop
   * @return the registration removed, or null if the loop had none
   */
  @Nullable SignalRegistration remove(BaseEventLoop loop) {
    SignalRegistration[] current = registrations;
    for (int i = 0; i < current.length; i++) {
      if (current[i].loop == loop) {
        SignalRegistration[] copy = new SignalRegistration[current.length - 1];
        System.arraycopy(current, 0, copy, 0, i);
        System.arraycopy(current, i + 1, copy, i, current.length - i - 1);
        registrations = copy;
        return current[i];
      }
    }
    return null;
  }

  /**
   * Under the lock.
   *
   * @return true when no loop is registered
   */
  boolean isEmpty() {
    return registrations.length == 0;
  }

  /**
   * A JVM signal thread (the JDK starts one per signal it dispatches). Passes the signal to every
   * loop registered at this moment.
   *
   * @param sig the signal
   */
  @Override
  public void handle(sun.misc.Signal sig) {
    for (SignalRegistration r : registrations) {
      r.dispatch();
    }
  }

  @Override
  public String toString() {
    return "dev.loop handler of " + signal;
  }
}
