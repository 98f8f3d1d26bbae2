package dev.loop.net;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * One received datagram: what asyncio's {@code sock_recvfrom} returns as {@code (data, address)}.
 *
 * @param data the datagram's bytes (a buffer of its own, ready to read)
 * @param sender where it came from
 */
public record Datagram(ByteBuffer data, SocketAddress sender) {

  /**
   * Checks both parts are present.
   *
   * @param data the bytes
   * @param sender the sender
   * @throws NullPointerException if either is null
   */
  public Datagram {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(sender, "sender");
  }
}
