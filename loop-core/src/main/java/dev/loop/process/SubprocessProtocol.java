package dev.loop.process;

import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * Receives a subprocess's events, on the loop thread. Every method has an empty default, so a
 * protocol overrides only what it needs. asyncio: {@code SubprocessProtocol}.
 *
 * <p>Order, as asyncio's: {@link #connectionMade} first; then {@link #pipeDataReceived} for each
 * chunk of output and {@link #pipeConnectionLost} once per pipe as it closes; {@link
 * #processExited} once, after the process has exited <em>and</em> all its pipes have closed; {@link
 * #connectionLost} last.
 */
public interface SubprocessProtocol {

  /**
   * The process has started and its pipes are connected. asyncio: {@code connection_made()}.
   *
   * @param transport the process's transport
   */
  default void connectionMade(SubprocessTransport transport) {}

  /**
   * The child wrote {@code data} to its stdout (fd 1) or stderr (fd 2). The buffer is valid only
   * during the call. asyncio: {@code pipe_data_received()}.
   *
   * @param fd 1 or 2
   * @param data the bytes, position to limit
   */
  default void pipeDataReceived(int fd, ByteBuffer data) {}

  /**
   * One of the child's pipes closed: end of file on stdout or stderr, or stdin closed or broken.
   * asyncio: {@code pipe_connection_lost()}.
   *
   * @param fd 0, 1 or 2
   * @param cause null on a normal close, else what broke the pipe
   */
  default void pipeConnectionLost(int fd, @Nullable Throwable cause) {}

  /** The process exited and all its pipes closed. Called once. asyncio: {@code process_exited()}. */
  default void processExited() {}

  /**
   * The transport is closed; nothing more will be called. asyncio: {@code connection_lost()}.
   *
   * @param cause null on a normal end
   */
  default void connectionLost(@Nullable Throwable cause) {}

  /** The stdin pipe's write buffer went over its high-water mark. asyncio: {@code pause_writing()}. */
  default void pauseWriting() {}

  /** The stdin pipe's write buffer drained to its low-water mark. asyncio: {@code resume_writing()}. */
  default void resumeWriting() {}
}
