package dev.loop.net;

import java.time.Duration;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * Options of {@code createServer}: asyncio's keyword arguments of {@code create_server}.
 *
 * @param backlog the listen backlog, and how many connections one readiness event accepts at most
 * @param reuseAddress SO_REUSEADDR on the listening socket
 * @param reusePort SO_REUSEPORT; on a loop group, one listener per loop
 * @param ssl TLS for every accepted connection with this context, or null
 * @param sslHandshakeTimeout the most a TLS handshake may take
 * @param startServing whether to accept at once; if false, call {@code Server.startServing()}
 */
public record ServerOptions(
    int backlog,
    boolean reuseAddress,
    boolean reusePort,
    @Nullable SSLContext ssl,
    Duration sslHandshakeTimeout,
    boolean startServing) {

  /** asyncio's default backlog. */
  public static final int DEFAULT_BACKLOG = 100;

  /**
   * Checks the options.
   *
   * @param backlog the backlog
   * @param reuseAddress SO_REUSEADDR
   * @param reusePort SO_REUSEPORT
   * @param ssl TLS context, or null
   * @param sslHandshakeTimeout the handshake timeout
   * @param startServing accept at once
   * @throws IllegalArgumentException if {@code backlog} is below 1 or the timeout not positive
   * @throws NullPointerException if the timeout is null
   */
  public ServerOptions {
    if (backlog < 1) {
      throw new IllegalArgumentException("backlog must be at least 1: " + backlog);
    }
    ConnectOptions.positive(sslHandshakeTimeout, "sslHandshakeTimeout");
  }

  /**
   * Backlog 100, SO_REUSEADDR on, no SO_REUSEPORT, no TLS, serving at once.
   *
   * @return the defaults
   */
  public static ServerOptions defaults() {
    return new ServerOptions(DEFAULT_BACKLOG, true, false, null,
        ConnectOptions.DEFAULT_SSL_HANDSHAKE_TIMEOUT, true);
  }

  /**
   * These options with a backlog.
   *
   * @param value the backlog, at least 1
   * @return a copy
   */
  public ServerOptions withBacklog(int value) {
    return new ServerOptions(value, reuseAddress, reusePort, ssl, sslHandshakeTimeout, startServing);
  }

  /**
   * These options with SO_REUSEADDR set or not.
   *
   * @param value the flag
   * @return a copy
   */
  public ServerOptions withReuseAddress(boolean value) {
    return new ServerOptions(backlog, value, reusePort, ssl, sslHandshakeTimeout, startServing);
  }

  /**
   * These options with SO_REUSEPORT set or not.
   *
   * @param value the flag
   * @return a copy
   */
  public ServerOptions withReusePort(boolean value) {
    return new ServerOptions(backlog, reuseAddress, value, ssl, sslHandshakeTimeout, startServing);
  }

  /**
   * These options with TLS.
   *
   * @param context the server's TLS context
   * @return a copy
   * @throws NullPointerException if {@code context} is null
   */
  public ServerOptions withSsl(SSLContext context) {
    Objects.requireNonNull(context, "context");
    return new ServerOptions(backlog, reuseAddress, reusePort, context, sslHandshakeTimeout, startServing);
  }

  /**
   * These options with a TLS handshake timeout.
   *
   * @param timeout the timeout
   * @return a copy
   */
  public ServerOptions withSslHandshakeTimeout(Duration timeout) {
    return new ServerOptions(backlog, reuseAddress, reusePort, ssl, timeout, startServing);
  }

  /**
   * These options with serving at once or not.
   *
   * @param value whether to accept at once
   * @return a copy
   */
  public ServerOptions withStartServing(boolean value) {
    return new ServerOptions(backlog, reuseAddress, reusePort, ssl, sslHandshakeTimeout, value);
  }
}
