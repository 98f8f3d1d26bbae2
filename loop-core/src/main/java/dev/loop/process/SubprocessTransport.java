package dev.loop.process;

import dev.loop.EventLoop;
import dev.loop.net.Transport;
import org.jspecify.annotations.Nullable;

/**
 * Controls a subprocess started on the loop. asyncio: {@code SubprocessTransport}.
 *
 * <p>All methods may be called from any thread; the protocol's callbacks run on the loop thread.
 */
public interface SubprocessTransport extends AutoCloseable {

  /**
   * The process id. asyncio: {@code get_pid()}.
   *
   * @return the operating system's process id
   */
  long getPid();

  /**
   * The exit status once the process has exited, as the JDK reports it: the exit code, or 128 plus
   * the signal number for a process killed by a signal (a shell's {@code $?}; asyncio gives the
   * negated signal number, which the JDK does not expose). asyncio: {@code get_returncode()}.
   *
   * @return the exit status, or null while the process runs
   */
  @Nullable Integer getReturncode();

  /**
   * The transport of one of the child's standard streams, when it is a pipe: a write-only {@link
   * Transport} for stdin (0), a read-only one for stdout (1) and stderr (2). asyncio: {@code
   * get_pipe_transport()}.
   *
   * @param fd 0, 1 or 2
   * @return the pipe's transport, or null if that stream is not a pipe
   * @throws IllegalArgumentException if {@code fd} is not 0, 1 or 2
   */
  @Nullable Transport getPipeTransport(int fd);

  /**
   * Sends a signal to the process: "TERM" and "KILL" through the JDK, any other name (such as
   * "INT", "HUP", "USR1", "STOP", "CONT") through the system's {@code kill} command, which this
   * waits for (a millisecond or two), so that, as in asyncio, the signal has been sent when it
   * returns. Does nothing once the process has exited. asyncio: {@code send_signal()}.
   *
   * @param name the signal's name, without "SIG" (a "SIG" prefix is accepted)
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if the name is not a known POSIX signal
   * @throws IllegalStateException if the {@code kill} command fails while the process is alive
   * @throws java.io.UncheckedIOException if the {@code kill} command cannot be run
   */
  void sendSignal(String name);

  /** Asks the process to end (SIGTERM). asyncio: {@code terminate()}. */
  void terminate();

  /** Kills the process (SIGKILL). asyncio: {@code kill()}. */
  void kill();

  /**
   * Closes the pipes (stdin once what is buffered is written) and, if the process still runs, kills
   * it (SIGKILL); the protocol then gets its last callbacks, on the loop thread. Closing twice does
   * nothing. asyncio: {@code close()}.
   */
  @Override
  void close();

  /**
   * Whether {@link #close()} was called or the process has ended and its pipes closed. asyncio:
   * {@code is_closing()}.
   *
   * @return true once {@link #close()} was called or the transport finished
   */
  boolean isClosing();

  /**
   * The loop the process belongs to.
   *
   * @return the loop
   */
  EventLoop getLoop();
}
