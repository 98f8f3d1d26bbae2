package dev.loop.internal.net;

import dev.loop.LoopFuture;
import dev.loop.internal.BaseEventLoop;
import dev.loop.internal.DefaultLoopFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * getaddrinfo and getnameinfo: name resolution blocks, so it runs on the loop's default executor;
 * a literal address needs no resolution and completes at once.
 */
public final class Resolver {

  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  private Resolver() {}

  /**
   * Tells whether {@code host} is a literal IPv4 or IPv6 address.
   *
   * @param host the host
   * @return true for a literal
   */
  static boolean isLiteral(String host) {
    return IPV4.matcher(host).matches() || host.indexOf(':') >= 0;
  }

  /**
   * The addresses of {@code host}, in the resolver's order.
   *
   * @param loop the loop whose executor resolves
   * @param host a name or literal
   * @param port the port of each address
   * @return the addresses; fails with {@link java.net.UnknownHostException}
   */
  public static LoopFuture<List<InetSocketAddress>> resolve(BaseEventLoop loop, String host, int port) {
    if (isLiteral(host)) {
      DefaultLoopFuture<List<InetSocketAddress>> done = new DefaultLoopFuture<>(loop);
      try {
        done.complete(List.of(new InetSocketAddress(InetAddress.getByName(host), port)));
      } catch (Exception e) {
        done.completeExceptionally(e);
      }
      return done;
    }
    return loop.runInExecutor(null, () -> {
      InetAddress[] all = InetAddress.getAllByName(host);
      List<InetSocketAddress> addresses = new ArrayList<>(all.length);
      for (InetAddress a : all) {
        addresses.add(new InetSocketAddress(a, port));
      }
      return List.copyOf(addresses);
    });
  }

  /**
   * The host name of {@code address}.
   *
   * @param loop the loop whose executor looks it up
   * @param address the address
   * @return the name, or the literal address when it has none
   */
  public static LoopFuture<String> nameOf(BaseEventLoop loop, InetSocketAddress address) {
    return loop.runInExecutor(null, () -> address.getAddress() != null
        ? address.getAddress().getHostName() : address.getHostString());
  }
}
