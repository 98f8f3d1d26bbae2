package dev.loop.net;

import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * Receives the events of a stream connection: asyncio's {@code Protocol}.
 *
 * <p>Every method is called on the loop thread, in this order: {@code connectionMade} once, then
 * {@code dataReceived} any number of times, {@code eofReceived} at most once, and {@code
 * connectionLost} exactly once. {@code pauseWriting}/{@code resumeWriting} come in pairs when the
 * transport's write buffer crosses its high and low water marks. All methods do nothing by default.
 * A method that throws is reported to the loop's exception handler and closes only this connection.
 */
public interface Protocol {

  /**
   * The connection is made. asyncio: {@code connection_made(transport)}.
   *
   * @param transport the transport of this connection; keep it to write
   */
  default void connectionMade(Transport transport) {}

  /**
   * Bytes arrived. The buffer is the transport's and is valid only during the call: read it (or copy
   * it) before returning. asyncio: {@code data_received(data)}.
   *
   * @param data the bytes, from position to limit
   */
  default void dataReceived(ByteBuffer data) {}

  /**
   * The peer will send no more (it shut down its output). asyncio: {@code eof_received()}.
   *
   * @return true to keep the transport open for writing (a half-close); false closes it
   */
  default boolean eofReceived() {
    return false;
  }

  /**
   * The connection is closed: called exactly once. asyncio: {@code connection_lost(exc)}.
   *
   * @param cause the error that closed it, or null for an orderly close or EOF
   */
  default void connectionLost(@Nullable Throwable cause) {}

  /**
   * The transport's write buffer went over its high water mark: stop writing until {@link
   * #resumeWriting()}. asyncio: {@code pause_writing()}.
   */
  default void pauseWriting() {}

  /**
   * The transport's write buffer drained to its low water mark. asyncio: {@code resume_writing()}.
   */
  default void resumeWriting() {}
}
