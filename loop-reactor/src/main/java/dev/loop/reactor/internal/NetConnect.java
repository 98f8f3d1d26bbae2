package dev.loop.reactor.internal;

import dev.loop.LoopFuture;
import dev.loop.net.Connection;
import dev.loop.reactor.LoopConnection;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;
import reactor.util.context.ContextView;

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
    Mono<LoopConnection> mono = Mono.create(sink -> {
      AtomicBoolean cancelled = new AtomicBoolean();
      ContextView view = sink.contextView();
      LoopFuture<Connection<ConnectionProtocol>> future = connect.apply(() -> new ConnectionProtocol(null));
      sink.onCancel(() -> {
        cancelled.set(true);
        future.cancel();
      });
      future.addDoneCallback(done -> {
        if (done.isCancelled()) {
          sink.error(new CancellationException("the connection attempt was cancelled"));
          return;
        }
        Throwable failure = done.exception();
        if (failure != null) {
          sink.error(AdapterSupport.unwrap(failure));
          return;
        }
        Connection<ConnectionProtocol> made = done.result();
        if (made == null) {
          sink.error(new IllegalStateException("the loop completed a connection attempt without a connection"));
          return;
        }
        ConnectionProtocol connection = made.protocol();
        if (cancelled.get()) {
          connection.close();
          return;
        }
        AdapterSupport.inContext(view, () -> sink.success(connection));
      });
    });
    // A success that races with a cancel is discarded by the sink: close what it discards.
    return mono.doOnDiscard(LoopConnection.class, LoopConnection::close);
  }
}
