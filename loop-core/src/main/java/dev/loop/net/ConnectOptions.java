package dev.loop.net;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * Options of {@code createConnection}: asyncio's keyword arguments of {@code create_connection}.
 *
 * @param ssl TLS on the connection with this context, or null for plain TCP
 * @param serverHostname the name to verify the server's certificate against and send as SNI; null
 *     means the host connected to
 * @param connectTimeout the most all connect attempts together may take
 * @param sslHandshakeTimeout the most the TLS handshake may take
 * @param localAddress the local address to bind before connecting, or null
 */
public record ConnectOptions(
    @Nullable SSLContext ssl,
    @Nullable String serverHostname,
    Duration connectTimeout,
    Duration sslHandshakeTimeout,
    @Nullable InetSocketAddress localAddress) {

  /** asyncio's {@code SSL_HANDSHAKE_TIMEOUT}: 60 seconds. */
  public static final Duration DEFAULT_SSL_HANDSHAKE_TIMEOUT = Duration.ofSeconds(60);

  /** A generous connect timeout: the operating system's own gives up after about two minutes. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(30);

  /**
   * Checks the options.
   *
   * @param ssl TLS context, or null
   * @param serverHostname SNI and verification name, or null
   * @param connectTimeout the connect timeout
   * @param sslHandshakeTimeout the handshake timeout
   * @param localAddress the local address, or null
   * @throws NullPointerException if a timeout is null
   * @throws IllegalArgumentException if a timeout is zero or negative
   */
  public ConnectOptions {
    positive(connectTimeout, "connectTimeout");
    positive(sslHandshakeTimeout, "sslHandshakeTimeout");
  }

  static void positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive: " + d);
    }
  }

  /**
   * Plain TCP, default timeouts, no local address.
   *
   * @return the defaults
   */
  public static ConnectOptions defaults() {
    return new ConnectOptions(null, null, DEFAULT_CONNECT_TIMEOUT, DEFAULT_SSL_HANDSHAKE_TIMEOUT, null);
  }

  /**
   * These options with TLS.
   *
   * @param context the TLS context
   * @return a copy with {@code ssl} set
   * @throws NullPointerException if {@code context} is null
   */
  public ConnectOptions withSsl(SSLContext context) {
    Objects.requireNonNull(context, "context");
    return new ConnectOptions(context, serverHostname, connectTimeout, sslHandshakeTimeout, localAddress);
  }

  /**
   * These options with a server name for TLS.
   *
   * @param name the name to verify and send as SNI
   * @return a copy with {@code serverHostname} set
   */
  public ConnectOptions withServerHostname(@Nullable String name) {
    return new ConnectOptions(ssl, name, connectTimeout, sslHandshakeTimeout, localAddress);
  }

  /**
   * These options with a connect timeout.
   *
   * @param timeout the timeout
   * @return a copy with {@code connectTimeout} set
   */
  public ConnectOptions withConnectTimeout(Duration timeout) {
    return new ConnectOptions(ssl, serverHostname, timeout, sslHandshakeTimeout, localAddress);
  }

  /**
   * These options with a TLS handshake timeout.
   *
   * @param timeout the timeout
   * @return a copy with {@code sslHandshakeTimeout} set
   */
  public ConnectOptions withSslHandshakeTimeout(Duration timeout) {
    return new ConnectOptions(ssl, serverHostname, connectTimeout, timeout, localAddress);
  }

  /**
   * These options with a local address.
   *
   * @param address the address to bind before connecting, or null
   * @return a copy with {@code localAddress} set
   */
  public ConnectOptions withLocalAddress(@Nullable InetSocketAddress address) {
    return new ConnectOptions(ssl, serverHostname, connectTimeout, sslHandshakeTimeout, address);
  }
}
