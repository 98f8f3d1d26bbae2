package dev.loop.internal.net;

import dev.loop.internal.BaseEventLoop;
import dev.loop.internal.DefaultLoopFuture;
import dev.loop.net.Protocol;
import dev.loop.net.TlsOptions;
import dev.loop.net.Transport;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * TLS on {@link javax.net.ssl.SSLEngine}, as asyncio's {@code sslproto.py}: an adapter protocol
 * ({@link TlsProtocol}) between a raw transport and the application protocol, and the application's
 * transport ({@link TlsTransport}) on top of it.
 */
public final class Tls {
  private Tls() {}

  /**
   * The protocol to give a new raw transport so that it speaks TLS to {@code app}. Once the
   * handshake is done, {@code app.connectionMade(tlsTransport)} is called and {@code handshakeDone}
   * completes with the TLS transport; a failed or timed-out handshake fails it and closes the raw
   * transport. Closing waits at most {@link TlsOptions#DEFAULT_SHUTDOWN_TIMEOUT} for the raw
   * transport to flush before aborting it.
   *
   * @param loop the loop
   * @param app the application protocol
   * @param context the TLS context
   * @param serverSide whether this end is the TLS server
   * @param serverHostname on a client, the name to send as SNI and verify the server's certificate
   *     against (HTTPS endpoint identification); null for neither
   * @param peerHost the peer's host (a hint for session resumption), or null
   * @param peerPort the peer's port, or -1
   * @param handshakeTimeout the most the handshake may take
   * @param handshakeDone completed with the TLS transport when the handshake is done; failed with
   *     the handshake's {@code SSLException}, or a {@code TimeoutException}
   * @return the adapter, to be the raw transport's protocol
   */
  public static Protocol adapter(BaseEventLoop loop, Protocol app, SSLContext context, boolean serverSide,
      @Nullable String serverHostname, @Nullable String peerHost, int peerPort, Duration handshakeTimeout,
      DefaultLoopFuture<Transport> handshakeDone) {
    return new TlsProtocol(loop, app, context, serverSide, serverHostname, peerHost, peerPort,
        handshakeTimeout, TlsOptions.DEFAULT_SHUTDOWN_TIMEOUT, handshakeDone);
  }

  /**
   * Upgrades a connected plain transport to TLS (asyncio's {@code start_tls}): pauses reading,
   * puts a TLS adapter in as the transport's protocol, starts the handshake, resumes reading, and
   * completes {@code f} with the TLS transport when the handshake is done. Loop thread only.
   *
   * @param loop the loop
   * @param transport the plain transport
   * @param protocol the application protocol that will receive the decrypted data
   * @param context the TLS context
   * @param options side, server name, timeouts
   * @param f completed with the TLS transport, or failed as {@link #adapter} describes
   */
  public static void startTls(BaseEventLoop loop, Transport transport, Protocol protocol, SSLContext context,
      TlsOptions options, DefaultLoopFuture<Transport> f) {
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(protocol, "protocol");
    Objects.requireNonNull(context, "context");
    Objects.requireNonNull(options, "options");
    if (transport.getLoop() != loop) {
      throw new IllegalArgumentException("the transport belongs to another loop: " + transport);
    }
    if (transport.isClosing()) {
      throw new IllegalStateException("cannot start TLS on a closing transport: " + transport);
    }
    String peerHost = null;
    int peerPort = -1;
    if (transport.getExtraInfo("peername") instanceof InetSocketAddress peer) {
      peerHost = peer.getHostString();
      peerPort = peer.getPort();
    }
    TlsProtocol adapter = new TlsProtocol(loop, protocol, context, options.serverSide(),
        options.serverHostname(), peerHost, peerPort, options.handshakeTimeout(),
        options.shutdownTimeout(), f);
    transport.pauseReading();
    transport.setProtocol(adapter);
    adapter.connectionMade(transport);
    if (!transport.isClosing()) {
      transport.resumeReading(); // the handshake needs to read, as asyncio's start_tls does
    }
  }
}
