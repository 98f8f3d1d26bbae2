package dev.loop.reactor;

import dev.loop.EventLoop;
import dev.loop.net.Transport;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A TCP, Unix-domain or TLS connection of an {@link EventLoop} as Reactor streams: what {@link
 * ReactorLoop#connect(EventLoop, String, int)} gives and {@link ReactorLoop#serve(EventLoop, String,
 * int)} emits. reactor-netty's {@code Connection} with its {@code NettyInbound}/{@code
 * NettyOutbound}, on asyncio's protocol and transport.
 *
 * <p><b>Reading</b> is driven by demand: {@link #receive()} reads from the socket only while its
 * subscriber has requested buffers, and the transport is paused ({@link
 * Transport#pauseReading()}) otherwise, so the peer is held back by TCP itself. <b>Writing</b>
 * follows the transport's water marks: {@link #send(Publisher)} asks its publisher for more only
 * while the write buffer is under its high-water mark.
 *
 * <p><b>Closing</b>: {@link #close()} (or {@link #dispose()}) closes gracefully, sending what is
 * buffered first; cancelling {@code receive()} closes too. When the peer ends its side (EOF),
 * {@code receive()} completes and the connection stays open for writing (a half-close) where the
 * transport allows it (TCP, Unix; not TLS, which closes): the application closes it when it is
 * done, for instance {@code c.send(c.receive()).doFinally(s -> c.close())}. {@link #onClose()}
 * completes once the connection is closed, whatever closed it.
 *
 * <p><b>Threads</b>: every method may be called from any thread, except {@link #transport()}'s
 * methods (loop thread only, as for any transport). Signals of {@code receive()}, {@code send()}
 * and {@code onClose()} arrive on the connection's loop thread, where subscribers must not block.
 *
 * <p><b>Context</b>: the publisher given to {@code send()}, and everything upstream of it, sees the
 * subscriber's Reactor context plus {@code EventLoop.class} (this connection's loop) and {@code
 * LoopConnection.class} (this connection), so {@code Mono.deferContextual} finds them. While
 * {@code receive()} emits, {@link ReactorLoop#CONTEXT} holds its subscriber's context with those
 * two entries added.
 */
public interface LoopConnection extends Disposable {

  /**
   * The bytes the peer sends, as they arrive; one subscriber, once. Each buffer is the connection's
   * own copy of one read (at most the loop's 256 KiB read buffer), ready to read. The socket is
   * read only while there is demand, and reading pauses when the demand is used up: bytes held for
   * a subscriber never exceed its demand plus the one read in hand when it ran out.
   *
   * <p>Completes when the peer ends its side (EOF) or the connection closes in an orderly way, after
   * every byte read was emitted; fails with the error that broke the connection (for instance
   * {@code java.io.IOException: Connection reset}), without waiting for the held bytes. Cancelling
   * the subscription closes the connection. A second subscription fails with {@link
   * IllegalStateException}.
   *
   * @return the incoming bytes
   */
  Flux<ByteBuffer> receive();

  /**
   * Writes every buffer {@code data} emits, in order, on subscription. Buffers are requested a few
   * at a time (16 at first, 12 more after each 12 written) and only while the transport's write
   * buffer is under its high-water mark: a replenishment due while the transport is paused waits
   * for it to drain to the low-water mark. The buffers are handed to the transport, which copies
   * what the socket does not take at once; the publisher may reuse a buffer once the next one was
   * requested.
   *
   * <p>Completes when {@code data} completed and its last buffer was handed to the transport with
   * the write buffer under the high-water mark (asyncio's {@code write()} then {@code drain()});
   * the transport sends what it buffers in order, also before a {@link #close()}. Fails with {@code
   * data}'s error, or, if the connection closes first, with its error or a {@link
   * java.nio.channels.ClosedChannelException}. Cancelling stops {@code data} and leaves the
   * connection open. Sends that run at the same time interleave their buffers; chain them with
   * {@code then} to keep messages whole. The Mono is lazy: each subscription sends {@code data}
   * again.
   *
   * @param data the buffers to write
   * @return completes once everything was written
   * @throws NullPointerException if {@code data} is null
   */
  Mono<Void> send(Publisher<? extends ByteBuffer> data);

  /**
   * Completes on the loop thread once the connection is closed, for whatever reason (it never
   * fails: errors surface on {@code receive()} and {@code send()}). Netty's {@code closeFuture()}.
   * Late subscribers complete at once.
   *
   * @return completes on close
   */
  Mono<Void> onClose();

  /**
   * Closes gracefully: reading stops, what is buffered is sent, then the socket closes and {@link
   * #onClose()} completes. Closing twice does nothing. asyncio's {@code transport.close()}.
   */
  void close();

  /** Same as {@link #close()}, as {@link Disposable} asks. */
  @Override
  void dispose();

  /**
   * Tells whether {@link #close()} was called or the connection was lost.
   *
   * @return true once closing or closed
   */
  @Override
  boolean isDisposed();

  /**
   * The local address (asyncio's {@code get_extra_info("sockname")}).
   *
   * @return the address, or null if the transport does not know it
   */
  @Nullable SocketAddress address();

  /**
   * The peer's address (asyncio's {@code get_extra_info("peername")}).
   *
   * @return the address, or null if the transport does not know it (an unnamed Unix socket)
   */
  @Nullable SocketAddress remoteAddress();

  /**
   * The loop the connection lives on: its callbacks and signals run on this loop's thread.
   *
   * @return the loop
   */
  EventLoop loop();

  /**
   * The underlying transport, for what this interface does not cover ({@code getExtraInfo("peercert")},
   * write-buffer limits, {@code writeEof()}, {@code abort()}). Its methods must be called on the
   * loop thread. Pausing or resuming its reading behind {@code receive()}'s back defeats the
   * demand-driven reading.
   *
   * @return the transport
   */
  Transport transport();
}
