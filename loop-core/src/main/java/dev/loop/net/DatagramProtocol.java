package dev.loop.net;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * Receives the events of a datagram endpoint: asyncio's {@code DatagramProtocol}. Loop thread only;
 * every method does nothing by default.
 */
public interface DatagramProtocol {

  /**
   * The endpoint is ready. asyncio: {@code connection_made(transport)}.
   *
   * @param transport the endpoint's transport
   */
  default void connectionMade(DatagramTransport transport) {}

  /**
   * A datagram arrived. The buffer is valid only during the call. asyncio:
   * {@code datagram_received(data, addr)}.
   *
   * @param data the datagram's bytes
   * @param sender where it came from
   */
  default void datagramReceived(ByteBuffer data, SocketAddress sender) {}

  /**
   * A send or receive failed (for instance ICMP port unreachable on a connected endpoint); the
   * endpoint stays open. asyncio: {@code error_received(exc)}.
   *
   * @param error the error
   */
  default void errorReceived(Exception error) {}

  /**
   * The endpoint is closed: called exactly once. asyncio: {@code connection_lost(exc)}.
   *
   * @param cause the error that closed it, or null
   */
  default void connectionLost(@Nullable Throwable cause) {}

  /** The send buffer passed its high water mark. asyncio: {@code pause_writing()}. */
  default void pauseWriting() {}

  /** The send buffer drained to its low water mark. asyncio: {@code resume_writing()}. */
  default void resumeWriting() {}
}
