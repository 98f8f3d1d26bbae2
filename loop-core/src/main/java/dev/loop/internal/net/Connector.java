package dev.loop.internal.net;

import dev.loop.TimerHandle;
import dev.loop.internal.BaseEventLoop;
import dev.loop.internal.DefaultLoopFuture;
import dev.loop.internal.SelectorEventLoop;
import dev.loop.net.ConnectOptions;
import dev.loop.net.Connection;
import dev.loop.net.Protocol;
import dev.loop.net.Transport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * create_connection: resolve, then try each address in order (no happy eyeballs, as asyncio
 * without it), all within one connect timeout; then wrap the channel in a transport (and TLS).
 */
public final class Connector {

  /** The handshake timeout passed where there is no TLS (Unix sockets): never used. */
  private static final Duration NO_TLS = ConnectOptions.DEFAULT_SSL_HANDSHAKE_TIMEOUT;

  private Connector() {}

  /**
   * Connects over TCP. Loop thread.
   *
   * @param loop the loop
   * @param factory makes the protocol
   * @param host the host
   * @param port the port
   * @param options the options
   * @param result completed with the connection
   * @param <P> the protocol type
   */
  public static <P extends Protocol> void connect(BaseEventLoop loop, Supplier<P> factory, String host,
      int port, ConnectOptions options, DefaultLoopFuture<Connection<P>> result) {
    Attempts<P> attempts = new Attempts<>(loop, factory, host, port, options, result);
    Resolver.resolve(loop, host, port).whenComplete((addresses, error) -> {
      if (error != null) {
        attempts.fail(error instanceof java.util.concurrent.CompletionException && error.getCause() != null
            ? error.getCause() : error);
      } else if (addresses.isEmpty()) {
        attempts.fail(new java.net.UnknownHostException(host + ": no addresses"));
      } else {
        attempts.start(addresses);
      }
    });
  }

  /** The connect attempts of one createConnection, sharing one deadline. */
  private static final class Attempts<P extends Protocol> implements SelectorEventLoop.IoHandler {
    private final BaseEventLoop loop;
    private final Supplier<P> factory;
    private final String host;
    private final ConnectOptions options;
    private final DefaultLoopFuture<Connection<P>> result;
    private final TimerHandle deadline;
    private List<InetSocketAddress> addresses = List.of();
    private int next;
    private @Nullable SocketChannel channel;
    private @Nullable SelectionKey key;
    private @Nullable IOException lastError;

    Attempts(BaseEventLoop loop, Supplier<P> factory, String host, int port, ConnectOptions options,
        DefaultLoopFuture<Connection<P>> result) {
      this.loop = loop;
      this.factory = factory;
      this.host = host;
      this.options = options;
      this.result = result;
      Duration timeout = options.connectTimeout();
      this.deadline = loop.callLater(timeout, () -> fail(new TimeoutException(
          "connect to " + host + ":" + port + " timed out after " + timeout)));
      result.addDoneCallback(f -> {
        if (f.isCancelled()) {
          abandon();
        }
      });
    }

    void start(List<InetSocketAddress> resolved) {
      addresses = resolved;
      tryNext();
    }

    private void tryNext() {
      if (result.isDone()) {
        return;
      }
      if (next >= addresses.size()) {
        fail(lastError != null ? lastError : new IOException("no address to connect to"));
        return;
      }
      InetSocketAddress address = addresses.get(next++);
      SocketChannel ch = null;
      try {
        ch = SocketChannel.open(address.getAddress() instanceof java.net.Inet6Address
            ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
        ch.configureBlocking(false);
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        if (options.localAddress() != null) {
          ch.bind(options.localAddress());
        }
        channel = ch;
        if (ch.connect(address)) {
          established();
        } else {
          key = ch.register(loop.selector(), SelectionKey.OP_CONNECT, this);
        }
      } catch (IOException e) {
        closeQuietly(ch);
        channel = null;
        lastError = connectError(e, address);
        tryNext();
      }
    }

    @Override
    public void ready(SelectionKey selected) {
      SocketChannel ch = channel;
      if (ch == null || result.isDone()) {
        return;
      }
      try {
        if (ch.finishConnect()) {
          established();
        }
      } catch (IOException e) {
        selected.cancel();
        key = null;
        closeQuietly(ch);
        channel = null;
        lastError = connectError(e, addresses.get(next - 1));
        tryNext();
      }
    }

    private static IOException connectError(IOException e, InetSocketAddress address) {
      IOException described = new java.net.ConnectException(
          "connect to " + address + " failed: " + e.getMessage());
      described.initCause(e);
      return described;
    }

    private void established() {
      deadline.cancel();
      SocketChannel ch = channel;
      SelectionKey k = key;
      channel = null;
      key = null;
      adopt(loop, factory, ch, options.ssl(), options.sslHandshakeTimeout(), false,
          options.serverHostname() != null ? options.serverHostname() : host, k, null, result);
    }

    void fail(Throwable error) {
      if (result.completeExceptionally(error)) {
        abandon();
      }
    }

    private void abandon() {
      deadline.cancel();
      if (key != null) {
        key.cancel();
        key = null;
      }
      closeQuietly(channel);
      channel = null;
    }
  }

  /**
   * Connects to a Unix-domain socket. Loop thread.
   *
   * @param loop the loop
   * @param factory makes the protocol
   * @param path the socket path
   * @param result completed with the connection
   * @param <P> the protocol type
   */
  public static <P extends Protocol> void connectUnix(BaseEventLoop loop, Supplier<P> factory, Path path,
      DefaultLoopFuture<Connection<P>> result) {
    SocketChannel ch = null;
    try {
      ch = SocketChannel.open(StandardProtocolFamily.UNIX);
      ch.configureBlocking(false);
      SocketChannel opened = ch;
      if (ch.connect(UnixDomainSocketAddress.of(path))) {
        adopt(loop, factory, ch, null, NO_TLS, false, null, null, null, result);
      } else {
        SelectionKey[] holder = new SelectionKey[1];
        holder[0] = ch.register(loop.selector(), SelectionKey.OP_CONNECT, (SelectorEventLoop.IoHandler) k -> {
          try {
            if (opened.finishConnect()) {
              adopt(loop, factory, opened, null, NO_TLS, false, null, holder[0], null, result);
            }
          } catch (IOException e) {
            k.cancel();
            closeQuietly(opened);
            result.completeExceptionally(e);
          }
        });
      }
    } catch (IOException e) {
      closeQuietly(ch);
      result.completeExceptionally(e);
    }
  }

  /**
   * Wraps a connected channel in a transport (with TLS when {@code ssl} is set) and completes
   * {@code result} once the protocol's {@code connectionMade} ran (after the handshake, with TLS).
   * Loop thread.
   *
   * @param loop the loop
   * @param factory makes the protocol
   * @param channel the connected channel
   * @param ssl TLS context, or null
   * @param handshakeTimeout TLS handshake timeout
   * @param serverSide whether this end is the TLS server
   * @param serverHostname the TLS peer name (SNI, verification), or null
   * @param key the channel's existing selection key, or null
   * @param server the server that accepted the channel, or null
   * @param result completed with the connection, or null when nobody waits (accepted sockets)
   * @param <P> the protocol type
   */
  public static <P extends Protocol> void adopt(BaseEventLoop loop, Supplier<P> factory, SocketChannel channel,
      @Nullable SSLContext ssl, Duration handshakeTimeout, boolean serverSide, @Nullable String serverHostname,
      @Nullable SelectionKey key, @Nullable StreamServer server, @Nullable DefaultLoopFuture<Connection<P>> result) {
    P protocol;
    try {
      channel.configureBlocking(false);
      protocol = java.util.Objects.requireNonNull(factory.get(), "the protocol factory returned null");
    } catch (Throwable t) {
      if (key != null) {
        key.cancel();
      }
      closeQuietly(channel);
      if (result != null) {
        result.completeExceptionally(t);
      } else {
        loop.callExceptionHandler(dev.loop.ExceptionContext.of("Error creating a protocol for an accepted connection", t)
            .withSocket(channel));
      }
      return;
    }
    try {
      if (ssl == null) {
        StreamTransport[] made = new StreamTransport[1];
        made[0] = new StreamTransport(loop, channel, key, protocol, server,
            result == null ? null : () -> result.complete(new Connection<>(made[0], protocol)));
        return;
      }
      DefaultLoopFuture<Transport> handshake = new DefaultLoopFuture<>(loop);
      InetSocketAddress peer = channel.getRemoteAddress() instanceof InetSocketAddress inet ? inet : null;
      Protocol tls = Tls.adapter(loop, protocol, ssl, serverSide, serverHostname,
          peer != null ? peer.getHostString() : null, peer != null ? peer.getPort() : -1, handshakeTimeout, handshake);
      new StreamTransport(loop, channel, key, tls, server, null);
      if (result != null) {
        // Whoever waits may give up: then the handshake stops and the connection is aborted.
        result.addDoneCallback(f -> {
          if (f.isCancelled()) {
            handshake.cancel();
          }
        });
      }
      handshake.whenComplete((transport, error) -> {
        if (result == null) {
          return;
        }
        if (error != null) {
          result.completeExceptionally(error instanceof java.util.concurrent.CompletionException
              && error.getCause() != null ? error.getCause() : error);
        } else {
          result.complete(new Connection<>(transport, protocol));
        }
      });
    } catch (Throwable t) {
      if (key != null) {
        key.cancel();
      }
      closeQuietly(channel);
      if (result != null) {
        result.completeExceptionally(t);
      }
    }
  }

  static void closeQuietly(java.nio.channels.@Nullable Channel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // closing after a failure: the first error is the one reported
      }
    }
  }
}
