package dev.loop.net;

import java.util.Objects;

/**
 * A connection's transport and protocol: what asyncio's {@code create_connection} returns as a
 * {@code (transport, protocol)} pair.
 *
 * @param transport the transport
 * @param protocol the protocol the factory made
 * @param <P> the protocol type
 */
public record Connection<P extends Protocol>(Transport transport, P protocol) {

  /**
   * Checks both parts are present.
   *
   * @param transport the transport
   * @param protocol the protocol
   * @throws NullPointerException if either is null
   */
  public Connection {
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(protocol, "protocol");
  }
}
