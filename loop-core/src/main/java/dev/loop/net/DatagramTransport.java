package dev.loop.net;

import dev.loop.EventLoop;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * The sending side of a datagram endpoint: asyncio's {@code DatagramTransport}. Loop thread only.
 */
public interface DatagramTransport {

  /**
   * Sends one datagram: the buffer's remaining bytes. Copied if it cannot be sent at once. asyncio:
   * {@code sendto(data, addr)}.
   *
   * @param data the datagram
   * @param target where to send it, or null on an endpoint made with a remote address
   * @throws NullPointerException if {@code data} is null
   * @throws IllegalArgumentException if {@code target} is null on an unconnected endpoint, or
   *     differs from the remote address of a connected one
   */
  void sendto(ByteBuffer data, @Nullable SocketAddress target);

  /** Closes once buffered datagrams are sent; {@code connectionLost(null)} follows. */
  void close();

  /** Closes at once, dropping buffered datagrams. */
  void abort();

  /**
   * Tells whether the endpoint is closing or closed.
   *
   * @return true after close, abort or a fatal error
   */
  boolean isClosing();

  /**
   * How many bytes of datagrams wait to be sent.
   *
   * @return the buffered byte count
   */
  long getWriteBufferSize();

  /**
   * Information about the endpoint: {@code "sockname"}, {@code "peername"}, {@code "socket"}.
   *
   * @param name the item
   * @return its value, or null
   */
  @Nullable Object getExtraInfo(String name);

  /**
   * The loop this endpoint runs on.
   *
   * @return the loop
   */
  EventLoop getLoop();
}
