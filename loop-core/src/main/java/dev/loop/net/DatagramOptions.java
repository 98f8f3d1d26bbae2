package dev.loop.net;

import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * Options of {@code createDatagramEndpoint}: asyncio's keyword arguments of
 * {@code create_datagram_endpoint}. At least one address must be given.
 *
 * @param localAddress the address to bind, or null for an ephemeral one
 * @param remoteAddress the address to connect to (then {@code sendto} may omit the target and only
 *     datagrams from it are received), or null
 * @param reuseAddress SO_REUSEADDR
 * @param reusePort SO_REUSEPORT
 * @param allowBroadcast SO_BROADCAST
 */
public record DatagramOptions(
    @Nullable InetSocketAddress localAddress,
    @Nullable InetSocketAddress remoteAddress,
    boolean reuseAddress,
    boolean reusePort,
    boolean allowBroadcast) {

  /**
   * Checks the options.
   *
   * @param localAddress local address, or null
   * @param remoteAddress remote address, or null
   * @param reuseAddress SO_REUSEADDR
   * @param reusePort SO_REUSEPORT
   * @param allowBroadcast SO_BROADCAST
   * @throws IllegalArgumentException if neither address is given
   */
  public DatagramOptions {
    if (localAddress == null && remoteAddress == null) {
      throw new IllegalArgumentException("a datagram endpoint needs a local or a remote address");
    }
  }

  /**
   * An endpoint bound to {@code address}.
   *
   * @param address the local address (port 0 picks a free port)
   * @return the options
   */
  public static DatagramOptions local(InetSocketAddress address) {
    return new DatagramOptions(address, null, false, false, false);
  }

  /**
   * An endpoint connected to {@code address}, bound to an ephemeral local port.
   *
   * @param address the remote address
   * @return the options
   */
  public static DatagramOptions remote(InetSocketAddress address) {
    return new DatagramOptions(null, address, false, false, false);
  }

  /**
   * These options with a remote address.
   *
   * @param address the remote address
   * @return a copy
   */
  public DatagramOptions withRemoteAddress(@Nullable InetSocketAddress address) {
    return new DatagramOptions(localAddress, address, reuseAddress, reusePort, allowBroadcast);
  }

  /**
   * These options with SO_REUSEADDR set or not.
   *
   * @param value the flag
   * @return a copy
   */
  public DatagramOptions withReuseAddress(boolean value) {
    return new DatagramOptions(localAddress, remoteAddress, value, reusePort, allowBroadcast);
  }

  /**
   * These options with SO_REUSEPORT set or not.
   *
   * @param value the flag
   * @return a copy
   */
  public DatagramOptions withReusePort(boolean value) {
    return new DatagramOptions(localAddress, remoteAddress, reuseAddress, value, allowBroadcast);
  }

  /**
   * These options with SO_BROADCAST set or not.
   *
   * @param value the flag
   * @return a copy
   */
  public DatagramOptions withAllowBroadcast(boolean value) {
    return new DatagramOptions(localAddress, remoteAddress, reuseAddress, reusePort, value);
  }
}
