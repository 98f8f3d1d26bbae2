package dev.loop.reactor;

import dev.loop.EventLoop;
import dev.loop.Server;
import java.net.SocketAddress;
import java.util.List;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * A listening server whose accepted connections are a {@link Flux}: what {@link
 * ReactorLoop#listen(EventLoop, String, int)} gives, for when the bound address is needed (port 0)
 * before connections are handled. reactor-netty's {@code DisposableServer}; {@link
 * ReactorLoop#serve(EventLoop, String, int)} is {@code listen(...).flatMapMany(LoopServer::connections)}.
 *
 * <p>Connections accepted before {@link #connections()} is subscribed, or while its subscriber has
 * no demand, wait in a queue with their reading paused. All methods may be called from any thread.
 */
public interface LoopServer extends Disposable {

  /**
   * The accepted connections, in order; one subscriber, once (a second subscription fails with
   * {@link IllegalStateException}). Each is emitted once its connection is made (after the TLS
   * handshake with TLS), on the server's loop thread. Completes when the server is disposed, after
   * the connections already queued. Cancelling disposes the server: it stops listening, and the
   * connections still queued are closed; emitted ones stay open until their own {@code receive()}
   * is cancelled or they are closed.
   *
   * @return the connections
   */
  Flux<LoopConnection> connections();

  /**
   * The addresses the server listens on, with the port the system picked for port 0.
   *
   * @return the bound addresses; empty once the server is closed
   */
  List<SocketAddress> addresses();

  /**
   * The first of {@link #addresses()}: for a server on one address, its address.
   *
   * @return the address
   * @throws IllegalStateException if the server is closed
   */
  SocketAddress address();

  /**
   * The loop the server listens on (for a group server, the group's first loop).
   *
   * @return the loop
   */
  EventLoop loop();

  /**
   * The core server, for what this interface does not cover ({@code closeClients()}, {@code
   * waitClosed()}, {@code startServing()}).
   *
   * @return the server
   */
  Server server();

  /**
   * Stops listening. {@link #connections()} then completes after emitting the connections already
   * queued; if nobody ever subscribed to it, those are closed instead. Emitted connections stay
   * open. Disposing twice does nothing. Any thread.
   */
  @Override
  void dispose();

  /**
   * Tells whether {@link #dispose()} was called (or {@code connections()} cancelled).
   *
   * @return true once disposed
   */
  @Override
  boolean isDisposed();
}
