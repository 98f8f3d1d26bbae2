package dev.loop.net;

import dev.loop.EventLoop;
import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * The sending side of a stream connection, with flow control: asyncio's {@code Transport}.
 *
 * <p>Every method must be called on the loop thread (from protocol callbacks, or callbacks
 * scheduled on the loop). Writes never block: what the socket does not take at once is buffered,
 * and the protocol is told to pause when the buffer passes the high water mark (64 KiB by default)
 * and to resume when it drains to the low one (16 KiB).
 */
public interface Transport {

  /**
   * Writes the buffer's remaining bytes, in order after everything written before. The transport
   * copies what the socket does not take at once, so the caller may reuse the buffer when this
   * returns. Writes after {@link #close()} or {@link #abort()} are dropped (the connection is going
   * away), as in asyncio. asyncio: {@code write(data)}.
   *
   * @param data the bytes, from position to limit; the position is moved to the limit
   * @throws NullPointerException if {@code data} is null
   * @throws IllegalStateException if called after {@link #writeEof()} (asyncio's "Cannot call
   *     write() after write_eof()")
   */
  void write(ByteBuffer data);

  /**
   * Writes every buffer, in order, as {@link #write(ByteBuffer)} each. asyncio:
   * {@code writelines(list)}.
   *
   * @param data the buffers
   * @throws NullPointerException if {@code data} or an element is null
   */
  default void writeLines(ByteBuffer... data) {
    for (ByteBuffer buffer : data) {
      write(buffer);
    }
  }

  /**
   * Shuts down the sending side once everything buffered is sent (a half-close); the peer sees
   * EOF. asyncio: {@code write_eof()}.
   *
   * @throws UnsupportedOperationException if {@link #canWriteEof()} is false
   */
  void writeEof();

  /**
   * Tells whether {@link #writeEof()} is supported (plain TCP and Unix sockets: yes; TLS: no).
   *
   * @return true if a half-close is possible
   */
  boolean canWriteEof();

  /**
   * Closes once everything buffered is sent; the protocol's {@code connectionLost(null)} follows.
   * Reading stops at once. Closing twice does nothing. asyncio: {@code close()}.
   */
  void close();

  /**
   * Closes at once, dropping whatever is buffered; {@code connectionLost(null)} follows. asyncio:
   * {@code abort()}.
   */
  void abort();

  /**
   * Tells whether the transport is closing or closed. asyncio: {@code is_closing()}.
   *
   * @return true after {@code close()}, {@code abort()} or a fatal error
   */
  boolean isClosing();

  /** Stops reading from the socket until {@link #resumeReading()}. asyncio: {@code pause_reading()}. */
  void pauseReading();

  /** Resumes reading from the socket. asyncio: {@code resume_reading()}. */
  void resumeReading();

  /**
   * Tells whether the transport is reading. asyncio: {@code is_reading()}.
   *
   * @return false while paused or closing
   */
  boolean isReading();

  /**
   * Sets the write buffer's water marks. asyncio: {@code set_write_buffer_limits(high, low)}.
   *
   * @param high pause writing above this many buffered bytes
   * @param low resume writing at or below this many
   * @throws IllegalArgumentException if either is negative or {@code low > high}
   */
  void setWriteBufferLimits(int high, int low);

  /**
   * The write buffer's high water mark. asyncio: {@code get_write_buffer_limits()[1]}.
   *
   * @return the high water mark in bytes
   */
  int getWriteBufferHigh();

  /**
   * The write buffer's low water mark. asyncio: {@code get_write_buffer_limits()[0]}.
   *
   * @return the low water mark in bytes
   */
  int getWriteBufferLow();

  /**
   * How many bytes wait to be sent. asyncio: {@code get_write_buffer_size()}.
   *
   * @return the buffered byte count
   */
  long getWriteBufferSize();

  /**
   * Information about the connection. asyncio: {@code get_extra_info(name)}. Names: {@code
   * "peername"} and {@code "sockname"} ({@link java.net.SocketAddress}), {@code "socket"} (the
   * channel), and over TLS {@code "sslcontext"}, {@code "sslsession"}, {@code "peercert"} (the
   * peer's first certificate), {@code "cipher"} (the cipher suite name).
   *
   * @param name the item
   * @return its value, or null if unknown or not applicable
   */
  @Nullable Object getExtraInfo(String name);

  /**
   * The protocol this transport delivers to. asyncio: {@code get_protocol()}.
   *
   * @return the protocol
   */
  Protocol getProtocol();

  /**
   * Switches the protocol that receives the following events. asyncio: {@code set_protocol()}.
   *
   * @param protocol the new protocol
   * @throws NullPointerException if {@code protocol} is null
   */
  void setProtocol(Protocol protocol);

  /**
   * The loop this transport runs on.
   *
   * @return the loop
   */
  EventLoop getLoop();
}
