package dev.loop;

import java.net.SocketAddress;
import java.util.List;

/**
 * A listening server: asyncio's {@code Server} ({@code AbstractServer}).
 *
 * <p>Made by {@code EventLoop.createServer} (or {@code createUnixServer}). Closing stops accepting
 * but leaves accepted connections open; {@link #closeClients()} or {@link #abortClients()} end them,
 * and {@link #waitClosed()} completes once the server is closed and every connection it accepted
 * has closed. Methods may be called from any thread; they act on the loop.
 */
public interface Server extends AutoCloseable {

  /**
   * Stops listening: the listening sockets are closed; accepted connections stay. Closing twice
   * does nothing. asyncio: {@code close()}.
   */
  @Override
  void close();

  /**
   * Closes every accepted connection gracefully (buffered writes are sent first). Over TLS this
   * closes the underlying connection: the peer sees the connection end without a close_notify.
   */
  void closeClients();

  /** Aborts every accepted connection at once, dropping what is buffered. */
  void abortClients();

  /**
   * Completes when the server is closed and every connection it accepted has closed. asyncio:
   * {@code wait_closed()}.
   *
   * @return a future of the server's loop
   */
  LoopFuture<Void> waitClosed();

  /**
   * Starts accepting, for a server made with {@code startServing(false)}; does nothing when already
   * serving. asyncio: {@code start_serving()}.
   *
   * @throws IllegalStateException if the server is closed
   */
  void startServing();

  /**
   * Starts serving and returns a future that completes only when the server is closed; cancelling
   * it closes the server. asyncio: {@code serve_forever()}.
   *
   * @return a future of the server's loop
   * @throws IllegalStateException if the server is closed
   */
  LoopFuture<Void> serveForever();

  /**
   * Tells whether the server accepts connections now. asyncio: {@code is_serving()}.
   *
   * @return true while serving
   */
  boolean isServing();

  /**
   * The addresses the server listens on (with the port the system picked for port 0). asyncio:
   * {@code sockets} (as addresses).
   *
   * @return the bound addresses; empty once closed
   */
  List<SocketAddress> sockets();

  /**
   * The loop the server runs on (for a group server, the loop that made it).
   *
   * @return the loop
   */
  EventLoop getLoop();
}
