package dev.loop.net;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Options of {@code startTls}: asyncio's keyword arguments of {@code start_tls}.
 *
 * @param serverSide whether this end is the TLS server
 * @param serverHostname the client's name for the server (SNI and verification), or null
 * @param handshakeTimeout the most the handshake may take
 * @param shutdownTimeout the most the closing handshake may take before the transport is aborted
 */
public record TlsOptions(
    boolean serverSide,
    @Nullable String serverHostname,
    Duration handshakeTimeout,
    Duration shutdownTimeout) {

  /** asyncio's {@code SSL_SHUTDOWN_TIMEOUT}: 30 seconds. */
  public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

  /**
   * Checks the options.
   *
   * @param serverSide server or client
   * @param serverHostname SNI name, or null
   * @param handshakeTimeout handshake timeout
   * @param shutdownTimeout shutdown timeout
   * @throws NullPointerException if a timeout is null
   * @throws IllegalArgumentException if a timeout is not positive
   */
  public TlsOptions {
    ConnectOptions.positive(handshakeTimeout, "handshakeTimeout");
    ConnectOptions.positive(shutdownTimeout, "shutdownTimeout");
  }

  /**
   * The client side, verifying {@code serverHostname}.
   *
   * @param serverHostname the server's name, or null to skip SNI
   * @return the options
   */
  public static TlsOptions client(@Nullable String serverHostname) {
    return new TlsOptions(false, serverHostname, ConnectOptions.DEFAULT_SSL_HANDSHAKE_TIMEOUT,
        DEFAULT_SHUTDOWN_TIMEOUT);
  }

  /**
   * The server side.
   *
   * @return the options
   */
  public static TlsOptions server() {
    return new TlsOptions(true, null, ConnectOptions.DEFAULT_SSL_HANDSHAKE_TIMEOUT,
        DEFAULT_SHUTDOWN_TIMEOUT);
  }

  /**
   * These options with a handshake timeout.
   *
   * @param timeout the timeout
   * @return a copy
   */
  public TlsOptions withHandshakeTimeout(Duration timeout) {
    return new TlsOptions(serverSide, serverHostname, timeout, shutdownTimeout);
  }

  /**
   * These options with a shutdown timeout.
   *
   * @param timeout the timeout
   * @return a copy
   */
  public TlsOptions withShutdownTimeout(Duration timeout) {
    return new TlsOptions(serverSide, serverHostname, handshakeTimeout, timeout);
  }
}
