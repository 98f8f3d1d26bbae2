package dev.loop.internal.net;

import dev.loop.internal.BaseEventLoop;
import dev.loop.internal.DefaultLoopFuture;
import dev.loop.net.DatagramEndpoint;
import dev.loop.net.DatagramOptions;
import dev.loop.net.DatagramProtocol;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * create_datagram_endpoint: a UDP transport on the selector.
 *
 * <p>Opens a channel of the addresses' family (IPv6 if either address is IPv6, else IPv4), sets
 * the options, binds the local address (or lets the system pick one when only a remote address is
 * given), connects the remote address if there is one, and wraps it in a transport. As in asyncio,
 * {@code connectionMade} is called soon, reading starts after it, and the future completes after
 * that. Addresses must be resolved: resolve names first with {@code getaddrinfo}.
 */
public final class DatagramEndpoints {
  private DatagramEndpoints() {}

  /**
   * Opens the endpoint. Loop thread.
   *
   * @param loop the loop
   * @param factory makes the protocol
   * @param options addresses and socket options
   * @param f completes with the endpoint once {@code connectionMade} has run
   * @param <P> the protocol type
   * @throws IllegalArgumentException if an address is unresolved or the two are of different
   *     families
   * @throws UnsupportedOperationException if SO_REUSEPORT is asked for and not supported here
   */
  public static <P extends DatagramProtocol> void create(BaseEventLoop loop, Supplier<P> factory,
      DatagramOptions options, DefaultLoopFuture<DatagramEndpoint<P>> f) {
    if (f.isDone()) {
      return; // cancelled before the loop got to it: open nothing
    }
    InetSocketAddress local = options.localAddress();
    InetSocketAddress remote = options.remoteAddress();
    checkResolved(local, "localAddress");
    checkResolved(remote, "remoteAddress");
    ProtocolFamily family = familyOf(local != null ? local : remote);
    if (local != null && remote != null && familyOf(remote) != family) {
      throw new IllegalArgumentException(
          "localAddress " + local + " and remoteAddress " + remote + " are of different address families");
    }
    DatagramChannel channel = null;
    DatagramTransportImpl transport = null;
    try {
      channel = DatagramChannel.open(family);
      if (options.reuseAddress()) {
        channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      }
      if (options.reusePort()) {
        if (!channel.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)) {
          throw new UnsupportedOperationException("SO_REUSEPORT (reusePort) is not supported on this platform");
        }
        channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
      }
      if (options.allowBroadcast()) {
        channel.setOption(StandardSocketOptions.SO_BROADCAST, true);
      }
      if (local != null) {
        channel.bind(local);
      }
      if (remote != null) {
        channel.connect(remote);
      }
      channel.configureBlocking(false);
      P protocol = factory.get();
      if (protocol == null) {
        throw new NullPointerException("the protocol factory returned null");
      }
      DatagramTransportImpl t = new DatagramTransportImpl(loop, channel, protocol, remote);
      transport = t;
      DatagramEndpoint<P> endpoint = new DatagramEndpoint<>(t, protocol);
      loop.callSoon(() -> {
        try {
          protocol.connectionMade(t);
        } catch (Throwable e) {
          t.reportProtocolError("protocol.connectionMade() failed", e);
        }
      });
      loop.callSoon(() -> {
        try {
          t.startReading();
        } catch (IOException | RuntimeException e) {
          t.abort();
          f.completeExceptionally(e);
          return;
        }
        if (!f.complete(endpoint) && f.isCancelled()) {
          t.abort(); // nobody will get the endpoint: close it (asyncio closes it too)
        }
      });
    } catch (IOException | RuntimeException | Error e) {
      if (transport != null) {
        transport.closeChannel();
      } else if (channel != null) {
        try {
          channel.close();
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      if (e instanceof IOException io) {
        f.completeExceptionally(io);
      } else if (e instanceof RuntimeException re) {
        throw re;
      } else {
        throw (Error) e;
      }
    }
  }

  private static void checkResolved(@Nullable InetSocketAddress address, String name) {
    if (address != null && address.isUnresolved()) {
      throw new IllegalArgumentException(name + " is unresolved: " + address + " (resolve it first)");
    }
  }

  private static ProtocolFamily familyOf(@Nullable InetSocketAddress address) {
    return address != null && address.getAddress() instanceof Inet6Address
        ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
  }

}
