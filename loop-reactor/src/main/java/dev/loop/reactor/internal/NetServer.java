package dev.loop.reactor.internal;

import dev.loop.EventLoop;
import dev.loop.LoopFuture;
import dev.loop.Server;
import dev.loop.net.Protocol;
import dev.loop.reactor.LoopConnection;
import dev.loop.reactor.LoopServer;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * A core {@link Server} whose accepted connections go into a unicast sink, which queues them until
 * its one subscriber asks for them.
 *
 * <p>Every emission into the sink happens on the server's loop thread (connections of a group
 * server made on other loops are handed over with {@code execute}), so the sink always has a
 * single producer, as Reactor sinks require.
 */
public final class NetServer implements LoopServer {

  private final EventLoop serverLoop;
  private final Sinks.Many<LoopConnection> accepted = Sinks.many().unicast().onBackpressureBuffer();
  private final AtomicBoolean claimed = new AtomicBoolean();
  private final AtomicBoolean disposed = new AtomicBoolean();
  private volatile @Nullable Server server;
  private volatile ContextView view = Context.empty();

  private NetServer(EventLoop serverLoop) {
    this.serverLoop = serverLoop;
  }

  /**
   * A Mono that, on subscription, creates the server with {@code create} and emits it once it
   * listens; cancelling before then closes the server as soon as it exists.
   *
   * @param serverLoop the loop whose future {@code create} returns
   * @param create starts the core server with the given protocol factory
   * @return the Mono
   */
  public static Mono<LoopServer> listen(
      EventLoop serverLoop, Function<Supplier<Protocol>, LoopFuture<Server>> create) {
    return Mono.create(sink -> {
      NetServer ns = new NetServer(serverLoop);
      ContextView subscriberView = sink.contextView();
      sink.onCancel(ns::dispose);
      LoopFuture<Server> future = create.apply(() -> new ConnectionProtocol(ns::accepted));
      future.addDoneCallback(done -> {
        if (done.isCancelled()) {
          ns.dispose();
          sink.error(new CancellationException("the server's creation was cancelled"));
          return;
        }
        Throwable failure = done.exception();
        if (failure != null) {
          ns.dispose();
          sink.error(AdapterSupport.unwrap(failure));
          return;
        }
        Server s = done.result();
        ns.serverCreated(s);
        AdapterSupport.inContext(subscriberView, () -> sink.success(ns));
      });
    });
  }

  /** Server loop: the core server exists; close it at once if disposed meanwhile. */
  private void serverCreated(@Nullable Server s) {
    server = s;
    if (s != null && disposed.get()) {
      s.close();
    }
  }

  /** The connection's loop thread, from connectionMade. */
  private void accepted(ConnectionProtocol connection) {
    if (serverLoop.inEventLoop()) {
      deliver(connection);
      return;
    }
    try {
      serverLoop.execute(() -> deliver(connection));
    } catch (RejectedExecutionException closed) {
      connection.close();
    }
  }

  /** Server loop thread. */
  private void deliver(ConnectionProtocol connection) {
    if (disposed.get()) {
      connection.close();
      return;
    }
    Sinks.EmitResult[] result = new Sinks.EmitResult[1];
    AdapterSupport.inContext(view, () -> result[0] = accepted.tryEmitNext(connection));
    if (result[0].isFailure()) {
      connection.close(); // cancelled or completed meanwhile: nobody will take it
    }
  }

  @Override
  public Flux<LoopConnection> connections() {
    return Flux.deferContextual(ctx -> {
      if (!claimed.compareAndSet(false, true)) {
        return Flux.<LoopConnection>error(new IllegalStateException(
            "connections() allows a single subscriber, and it already had one"));
      }
      view = AdapterSupport.enrich(ctx, serverLoop, null).put(LoopServer.class, this);
      return accepted.asFlux();
    })
        .doOnCancel(this::dispose)
        // a cancelled unicast sink discards what it queued: those connections are closed
        .doOnDiscard(LoopConnection.class, LoopConnection::close);
  }

  @Override
  public List<SocketAddress> addresses() {
    Server s = server;
    return s == null ? List.of() : s.sockets();
  }

  @Override
  public SocketAddress address() {
    List<SocketAddress> addresses = addresses();
    if (addresses.isEmpty()) {
      throw new IllegalStateException("the server is closed");
    }
    return addresses.get(0);
  }

  @Override
  public EventLoop loop() {
    return serverLoop;
  }

  @Override
  public Server server() {
    Server s = server;
    if (s == null) {
      throw new IllegalStateException("the server is not listening yet");
    }
    return s;
  }

  @Override
  public void dispose() {
    if (!disposed.compareAndSet(false, true)) {
      return;
    }
    AdapterSupport.onLoopQuietly(serverLoop, () -> {
      Server s = server;
      if (s != null) {
        s.close();
      }
      accepted.tryEmitComplete();
      if (claimed.compareAndSet(false, true)) {
        // Nobody will ever take the queued connections: drain the queue and close them.
        accepted.asFlux().subscribe(LoopConnection::close);
      }
    });
  }

  @Override
  public boolean isDisposed() {
    return disposed.get();
  }

  @Override
  public String toString() {
    return "LoopServer" + addresses() + (isDisposed() ? "[disposed]" : "");
  }
}
