package dev.loop.net;

import java.util.Objects;

/**
 * A datagram endpoint's transport and protocol: what asyncio's {@code create_datagram_endpoint}
 * returns.
 *
 * @param transport the transport
 * @param protocol the protocol the factory made
 * @param <P> the protocol type
 */
public record DatagramEndpoint<P extends DatagramProtocol>(DatagramTransport transport, P protocol) {

  /**
   * Checks both parts are present.
   *
   * @param transport the transport
   * @param protocol the protocol
   * @throws NullPointerException if either is null
   */
  public DatagramEndpoint {
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(protocol, "protocol");
  }
}
