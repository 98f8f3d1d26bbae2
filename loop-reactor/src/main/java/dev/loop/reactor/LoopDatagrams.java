package dev.loop.reactor;

import dev.loop.EventLoop;
import dev.loop.net.Datagram;
import dev.loop.net.DatagramTransport;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A UDP endpoint of an {@link EventLoop} as Reactor streams: what {@link
 * ReactorLoop#datagrams(EventLoop, dev.loop.net.DatagramOptions)} gives. asyncio's {@code
 * create_datagram_endpoint} with its {@code DatagramProtocol} as a {@code Flux<Datagram>}.
 *
 * <p>UDP has no flow control to push back with: the endpoint always reads, and a datagram that
 * arrives while {@link #receive()} has no subscriber or no demand is dropped, as the kernel drops
 * datagrams when its buffer is full. A subscriber that wants a queue says so with {@code
 * onBackpressureBuffer(n)}, which keeps up to {@code n}.
 *
 * <p>All methods may be called from any thread; signals arrive on the endpoint's loop thread.
 */
public interface LoopDatagrams extends Disposable {

  /**
   * The datagrams that arrive, each with its own copy of the bytes and its sender; one subscriber,
   * once. Errors of single datagrams (asyncio's {@code error_received}, such as an ICMP port
   * unreachable) do not end the stream. Completes when the endpoint closes; fails if it breaks.
   * Cancelling closes the endpoint. A second subscription fails with {@link IllegalStateException}.
   *
   * @return the datagrams received
   */
  Flux<Datagram> receive();

  /**
   * Sends {@code data}'s remaining bytes as one datagram, on subscription, on the loop thread; the
   * bytes must not change until the Mono completes. asyncio's {@code sendto}.
   *
   * @param data the datagram
   * @param target where to, or null on an endpoint made with a remote address
   * @return completes once the transport took the datagram; fails with {@link
   *     IllegalArgumentException} for a wrong target, or {@link
   *     java.nio.channels.ClosedChannelException} once the endpoint is closed
   * @throws NullPointerException if {@code data} is null
   */
  Mono<Void> send(ByteBuffer data, @Nullable SocketAddress target);

  /**
   * The local address (with the port the system picked for port 0).
   *
   * @return the address, or null if unknown
   */
  @Nullable SocketAddress address();

  /**
   * Completes on the loop thread once the endpoint is closed; never fails.
   *
   * @return completes on close
   */
  Mono<Void> onClose();

  /** Closes the endpoint once buffered datagrams are sent. Closing twice does nothing. */
  void close();

  /** Same as {@link #close()}. */
  @Override
  void dispose();

  /**
   * Tells whether {@link #close()} was called or the endpoint closed.
   *
   * @return true once closing or closed
   */
  @Override
  boolean isDisposed();

  /**
   * The loop the endpoint lives on.
   *
   * @return the loop
   */
  EventLoop loop();

  /**
   * The underlying transport; loop thread only.
   *
   * @return the transport
   */
  DatagramTransport transport();
}
