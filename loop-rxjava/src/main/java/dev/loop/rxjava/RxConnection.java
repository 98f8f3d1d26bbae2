package dev.loop.rxjava;

import dev.loop.EventLoop;
import dev.loop.net.Transport;
import io.reactivex.rxjava3.core.Completable;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Observable;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;

/**
 * A stream connection of the loop (TCP or Unix-domain socket, or any transport made with {@link
 * RxLoop#newProtocol()}) seen through RxJava: incoming bytes as a {@link Flowable} whose demand
 * drives the transport's {@code pauseReading}/{@code resumeReading}, and outgoing bytes taken from a
 * {@link Publisher} as fast as the transport's write buffer drains. The RxJava counterpart of
 * reactor-netty's {@code Connection} ({@code inbound().receive()}, {@code outbound().send(...)}),
 * and of asyncio's {@code StreamReader}/{@code StreamWriter} pair.
 *
 * <p>Obtained from {@link RxLoop#serve(EventLoop, String, int)}, {@link RxLoop#connect(EventLoop,
 * String, int)} and their variants, or {@link RxProtocol#connection()}. Every method may be called
 * from any thread; the work happens on the {@linkplain #loop() connection's loop}, and every signal
 * of the streams returned here ({@code onNext}, {@code onComplete}, {@code onError}) is delivered on
 * that loop's thread.
 *
 * <p><b>Reading.</b> The connection reads only while someone wants bytes: until {@link #receive()}
 * is subscribed it reads at most one chunk and then pauses, and afterwards it reads only while the
 * subscriber has outstanding requests, so at most the requested chunks plus the one read in hand
 * (the loop reads up to 256 KiB at a time) are held in memory. The rest waits in the operating
 * system's socket buffers, and TCP's own flow control slows the peer down.
 *
 * <p><b>Writing.</b> {@link #send(Publisher)} requests one buffer at a time, writes it, and asks for
 * the next only while the transport's write buffer is below its high water mark; above it, it waits
 * for the transport's {@code resumeWriting}. So a fast producer never makes the transport buffer
 * more than the high water mark plus one buffer.
 *
 * <p><b>Closing.</b> Cancelling (disposing) the subscription of {@link #receive()} before it has
 * completed closes the connection, as does {@link #close()}. When the peer shuts down its output,
 * {@code receive()} completes and the connection stays open for sending (a half-close, as asyncio's
 * streams keep it): close it when done. {@link #onClose()} completes once the connection is closed.
 *
 * <p><b>Errors.</b> A read or write error, or a reset by the peer, arrives as {@code onError} on
 * {@code receive()}, on every active {@code send}, and on {@code onClose()}. Sending on a
 * connection that is closed or closing fails with {@link java.nio.channels.ClosedChannelException}.
 */
public interface RxConnection {

  /**
   * The bytes the peer sends, as a {@code Flowable} of chunks with backpressure: each {@code
   * onNext} is one read of the socket (up to 256 KiB), copied into a new heap buffer that the
   * subscriber owns. The connection reads only while there is outstanding demand (it pauses the
   * transport when demand reaches zero and resumes it on {@code request(n)}), so memory stays at
   * the requested chunks plus one read. Completes when the peer shuts down its output (EOF) or the
   * connection is closed locally; fails with the error that broke the connection otherwise.
   *
   * <p>A connection's bytes can be consumed once: a second subscription (to this or to {@link
   * #receiveObservable()}) fails at once with {@link IllegalStateException}. Cancelling the
   * subscription before it completes closes the connection. Operators that prefetch (such as
   * {@code observeOn}, 128 items by default) make the connection read that many chunks ahead; give
   * them a small prefetch to keep memory tight. Requesting zero or a negative number fails the
   * subscription with {@link IllegalArgumentException} (Reactive Streams rule 3.9) and closes the
   * connection.
   *
   * <p>Signals arrive on the connection's loop thread. Reactor: reactor-netty's {@code
   * NettyInbound.receive()}; asyncio: {@code StreamReader.read()} in a loop.
   *
   * @return the incoming bytes; subscribe once
   */
  Flowable<ByteBuffer> receive();

  /**
   * The bytes the peer sends, without backpressure: the connection never pauses reading, and every
   * chunk is emitted as soon as it is read, so a slow observer makes chunks pile up wherever it
   * queues them. Otherwise as {@link #receive()}: the same single subscription, disposing closes
   * the connection, signals on the loop thread.
   *
   * @return the incoming bytes; subscribe once
   */
  Observable<ByteBuffer> receiveObservable();

  /**
   * Writes the buffers {@code data} emits, in order, following the transport's flow control: it
   * requests one buffer, writes it, and requests the next only while the transport's write buffer
   * is at or below its high water mark, otherwise when the transport calls {@code resumeWriting}.
   * Nothing happens until the returned {@code Completable} is subscribed; each subscription
   * subscribes to {@code data} once.
   *
   * <p>Each buffer's remaining bytes are written; the buffer must not be changed once emitted (its
   * position moves to its limit as it is written). The {@code Completable} completes on the loop
   * thread once every buffer has been handed to the transport (which may still be sending the last
   * ones: {@link #close()} waits for them), and fails with {@code data}'s error, with the error that
   * broke the connection, or with {@link java.nio.channels.ClosedChannelException} if the connection
   * is closed first. Disposing it cancels {@code data} and leaves the connection open. Sends
   * subscribed at the same time interleave their buffers: chain them ({@code andThen}, {@code
   * concat}) to keep their order. Reactor: reactor-netty's {@code NettyOutbound.send(...)};
   * asyncio: {@code StreamWriter.write()} with {@code await drain()}.
   *
   * @param data the buffers to send
   * @return completes once everything is written to the transport
   * @throws NullPointerException if {@code data} is null
   */
  Completable send(Publisher<? extends ByteBuffer> data);

  /**
   * Shuts down the sending side once everything written so far is sent, so the peer sees EOF (a
   * half-close), when subscribed. Completes on the loop thread once the transport has been told;
   * fails with {@link UnsupportedOperationException} on a transport that cannot half-close (TLS),
   * or {@link java.nio.channels.ClosedChannelException} if the connection is closed. asyncio:
   * {@code StreamWriter.write_eof()}.
   *
   * @return a {@code Completable} that half-closes when subscribed
   */
  Completable writeEof();

  /**
   * Completes once the connection is closed, whoever closed it; fails with the error that broke it
   * (a reset, a read or write error). Subscribing after that completes (or fails) at once, on the
   * subscribing thread; otherwise the signal comes on the loop thread. Disposing the subscription
   * does not close anything. asyncio: {@code StreamWriter.wait_closed()}.
   *
   * @return the connection's end
   */
  Completable onClose();

  /**
   * Closes the connection gracefully: reading stops at once, buffered writes are sent, then the
   * socket closes and {@link #onClose()} completes. Any thread; closing twice does nothing.
   * asyncio: {@code StreamWriter.close()}.
   *
   * @throws IllegalStateException if the connection is not made yet (only possible with {@link
   *     RxLoop#newProtocol()})
   */
  void close();

  /**
   * The loop that runs this connection: every signal of its streams arrives on its thread.
   *
   * @return the loop
   * @throws IllegalStateException if the connection is not made yet (only possible with {@link
   *     RxLoop#newProtocol()})
   */
  EventLoop loop();

  /**
   * The underlying transport, for what this interface does not cover (write-buffer limits, extra
   * information). Like every transport method, its methods must be called on the loop thread (for
   * instance in {@code loop().execute(...)}); do not pause or resume reading on it yourself, as
   * {@link #receive()} drives that.
   *
   * @return the transport
   * @throws IllegalStateException if the connection is not made yet (only possible with {@link
   *     RxLoop#newProtocol()})
   */
  Transport transport();

  /**
   * The local address of the connection: the transport's {@code "sockname"}, read when the
   * connection was made. Any thread.
   *
   * @return the address, or null when the transport has none (a pipe)
   * @throws IllegalStateException if the connection is not made yet (only possible with {@link
   *     RxLoop#newProtocol()})
   */
  @Nullable SocketAddress localAddress();

  /**
   * The peer's address: the transport's {@code "peername"}, read when the connection was made. Any
   * thread.
   *
   * @return the address, or null when the transport has none (a pipe, or an unnamed Unix socket)
   * @throws IllegalStateException if the connection is not made yet (only possible with {@link
   *     RxLoop#newProtocol()})
   */
  @Nullable SocketAddress remoteAddress();
}
