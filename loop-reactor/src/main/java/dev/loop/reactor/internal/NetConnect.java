package dev.loop.reactor.internal;

import dev.loop.LoopFuture;
import dev.loop.net.Connection;
import dev.loop.reactor.LoopConnection;
import java.util.function.Function;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;

/** Client connections as {@code Mono<LoopConnection>}. */
public final class NetConnect {

  private NetConnect() {}

  /**
   * A Mono that, on subscription, connects with {@code connect} and emits the connection once it
   * is made; cancelling cancels the attempt, and closes the connection should it be made anyway.
   *
   * @param connect starts the core connection with the given protocol factory
   * @return the Mono
   */
  public static Mono<LoopConnection> connect(
      Function<Supplier<ConnectionProtocol>, LoopFuture<Connection<ConnectionProtocol>>> connect) {
    return AdapterSupport.opened(() -> connect.apply(() -> new ConnectionProtocol(null)),
        made -> (LoopConnection) made.protocol(), LoopConnection::close, LoopConnection.class,
        "connection attempt", true);
  }
}
