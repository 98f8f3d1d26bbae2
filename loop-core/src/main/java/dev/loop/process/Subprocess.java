package dev.loop.process;

import java.util.Objects;

/**
 * A started subprocess's transport and protocol: what asyncio's {@code subprocess_exec} returns as
 * a {@code (transport, protocol)} pair.
 *
 * @param transport the transport
 * @param protocol the protocol the factory made
 * @param <P> the protocol type
 */
public record Subprocess<P extends SubprocessProtocol>(SubprocessTransport transport, P protocol) {

  /**
   * Checks both parts are present.
   *
   * @param transport the transport
   * @param protocol the protocol
   * @throws NullPointerException if either is null
   */
  public Subprocess {
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(protocol, "protocol");
  }
}
