package dev.loop.internal.process;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Signal names and what may be handled: turns "USR1", "SIGUSR1" or "sigusr1" into a
 * {@link sun.misc.Signal}, and explains, with an {@link IllegalArgumentException}, the signals a
 * handler cannot be installed for.
 *
 * <p>What HotSpot on Linux reserves was found with a probe on JDK 17.0.15 and 25.0.3 (the same on
 * both): {@code Signal.handle} itself refuses QUIT (thread dumps), ILL, FPE, SEGV (fault
 * handling) and KILL, STOP (the kernel's); with {@code -Xrs} it also refuses HUP, INT and TERM. It
 * accepts USR2 and BUS, but HotSpot owns them: USR2 suspends threads (JFR's execution sampler: with
 * a Java handler installed, JFR records no sample and the handler receives the sampler's signals)
 * and BUS turns faults in memory-mapped files into errors. So those two are refused here, before
 * asking the JVM. Finally, when HUP, INT or TERM are ignored as the JVM starts (nohup, a background
 * job), the JVM "accepts" a handler but never installs it; {@link SignalSlot} detects that.
 *
 * <p>{@code sun.misc} types are written out in full in this package: importing them makes javadoc
 * (run with {@code --release}) warn about a proprietary API, and the build fails on warnings.
 */
final class SignalNames {
  private SignalNames() {}

  /**
   * HotSpot's suspend/resume signal: {@code _JAVA_SR_SIGNUM} if set to a number it accepts (from
   * above SIGSEGV and SIGBUS up to 64), else SIGUSR2 (its default on every POSIX platform).
   */
  private static final int SUSPEND_RESUME_SIGNAL = suspendResumeSignal();

  /** What the JVM uses these signals for: in the message that explains why one is refused. */
  private static final Map<String, String> JVM_USES =
      Map.of(
          "QUIT", "it prints thread dumps on it (and keeps it under -Xrs too)",
          "ILL", "it handles faults with it",
          "FPE", "it handles faults with it",
          "SEGV", "it handles faults with it",
          "BUS", "it turns faults in memory-mapped files into errors with it",
          "HUP", "with -Xrs, Java code may not handle the shutdown signals HUP, INT and TERM",
          "INT", "with -Xrs, Java code may not handle the shutdown signals HUP, INT and TERM",
          "TERM", "with -Xrs, Java code may not handle the shutdown signals HUP, INT and TERM");

  /**
   * Any thread. The signal called {@code name}: with or without the "SIG" prefix, in any case.
   *
   * @param name the signal's name, as the caller gave it
   * @return the signal
   * @throws IllegalArgumentException if the platform has no signal of that name
   */
  static sun.misc.Signal resolve(String name) {
    Objects.requireNonNull(name, "name");
    String bare = name.toUpperCase(Locale.ROOT);
    if (bare.startsWith("SIG")) {
      bare = bare.substring(3); // sun.misc.Signal wants "INT", and rejects "SIGINT"
    }
    try {
      return new sun.misc.Signal(bare);
    } catch (IllegalArgumentException unknown) { // "Unknown signal: X", also for "" and "SIG"
      throw new IllegalArgumentException("unknown signal: " + name, unknown);
    }
  }

  /**
   * Any thread. Refuses the signals that can never be handled, and those HotSpot uses although
   * {@code Signal.handle} would let a handler replace its own.
   *
   * @param signal the signal
   * @throws IllegalArgumentException if it is KILL, STOP, BUS or HotSpot's suspend signal (USR2)
   */
  static void checkHandleable(sun.misc.Signal signal) {
    String name = signal.getName();
    if (name.equals("KILL") || name.equals("STOP")) {
      throw new IllegalArgumentException(
          "signal " + name + " cannot be caught: the kernel never delivers it to a handler");
    }
    if (name.equals("BUS")) {
      throw reserved(name, JVM_USES.get(name), null);
    }
    if (signal.getNumber() == SUSPEND_RESUME_SIGNAL) {
      throw reserved(
          name,
          "HotSpot suspends threads with it (JFR's sampler; _JAVA_SR_SIGNUM moves it elsewhere);"
              + " a handler would break that and receive the JVM's own signals. Use USR1 or HUP",
          null);
    }
  }

  /**
   * The exception for a signal the JVM keeps for itself.
   *
   * @param name the signal's name, without "SIG"
   * @param why what the JVM uses it for, or null to look it up
   * @param cause what {@code Signal.handle} threw, if it refused
   * @return the exception to throw
   */
  static IllegalArgumentException reserved(
      String name, @Nullable String why, @Nullable Throwable cause) {
    String reason = why != null ? why : JVM_USES.getOrDefault(name, "it uses it itself");
    String jvmSaid = cause == null ? "" : " (" + cause.getMessage() + ")";
    return new IllegalArgumentException(
        "signal " + name + " is reserved by the JVM and cannot be handled: " + reason + jvmSaid,
        cause);
  }

  /**
   * Any thread. Whether the JVM refuses to install a handler for {@code signal} while it is
   * ignored (HotSpot's "shutdown signals"; they keep the SIG_IGN a process inherits from nohup).
   *
   * @param signal the signal
   * @return true for HUP, INT and TERM
   */
  static boolean staysIgnored(sun.misc.Signal signal) {
    String name = signal.getName();
    return name.equals("HUP") || name.equals("INT") || name.equals("TERM");
  }

  private static int suspendResumeSignal() {
    int usr2 = numberOf("USR2");
    String configured = System.getenv("_JAVA_SR_SIGNUM");
    if (configured != null) {
      try {
        int n = Integer.parseInt(configured.trim());
        // HotSpot ignores values it cannot use: at most SIGSEGV/SIGBUS, or beyond NSIG (65).
        if (n > Math.max(numberOf("SEGV"), numberOf("BUS")) && n < 65) {
          return n;
        }
      } catch (NumberFormatException ignored) {
        // HotSpot keeps its default too
      }
    }
    return usr2;
  }

  private static int numberOf(String name) {
    try {
      return new sun.misc.Signal(name).getNumber();
    } catch (IllegalArgumentException absent) {
      return -1; // not on this platform (Windows has no USR2 nor BUS)
    }
  }
}
