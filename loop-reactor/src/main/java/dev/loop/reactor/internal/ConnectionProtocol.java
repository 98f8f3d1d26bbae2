package dev.loop.reactor.internal;

import dev.loop.EventLoop;
import dev.loop.net.Protocol;
import dev.loop.net.Transport;
import dev.loop.reactor.LoopConnection;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A stream connection of the loop as a {@link LoopConnection}: the protocol that the loop calls,
 * feeding a {@link ReceivePump} and a {@link SendGate}.
 *
 * <p>Protocol methods run on the loop thread. The {@code LoopConnection} methods may be called
 * from any thread once the connection was handed out, which happens after {@code connectionMade}
 * set the fields they read (the hand-off through a Reactor sink publishes them).
 */
public final class ConnectionProtocol implements Protocol, LoopConnection {

  private final @Nullable Consumer<ConnectionProtocol> onConnected;
  private final ReceivePump receive;
  private final SendGate sendGate;
  private final Sinks.Empty<Void> closed = Sinks.empty();

  // Written once by connectionMade, before the connection is handed out; volatile so that any
  // thread reads them safely even if a user hands the object over without a Reactor sink.
  private volatile @Nullable EventLoop loop;
  private volatile @Nullable Transport transport;
  private volatile @Nullable SocketAddress local;
  private volatile @Nullable SocketAddress remote;
  private volatile boolean closeRequested;
  private volatile boolean lost;

  /**
   * A protocol for one connection.
   *
   * @param onConnected called on the loop thread from {@code connectionMade}, or null
   */
  public ConnectionProtocol(@Nullable Consumer<ConnectionProtocol> onConnected) {
    this.onConnected = onConnected;
    this.receive = new ReceivePump("receive()",
        view -> AdapterSupport.enrich(view, loop(), this),
        this::closeOnLoop);
    this.sendGate = new SendGate("the connection", view -> AdapterSupport.enrich(view, loop(), this));
  }

  // ------------------------------------------------------------------ Protocol (loop thread)

  @Override
  public void connectionMade(Transport t) {
    transport = t;
    EventLoop l = t.getLoop();
    loop = l;
    local = asAddress(t.getExtraInfo("sockname"));
    remote = asAddress(t.getExtraInfo("peername"));
    receive.attach(t, l);
    sendGate.attach(t, l);
    if (onConnected != null) {
      onConnected.accept(this);
    }
  }

  private static @Nullable SocketAddress asAddress(@Nullable Object info) {
    return info instanceof SocketAddress address ? address : null;
  }

  @Override
  public void dataReceived(ByteBuffer data) {
    receive.onData(data);
  }

  @Override
  public boolean eofReceived() {
    receive.onEof();
    // Half-close: the peer is done sending, but we may still answer; the application closes.
    // Transports that cannot half-close (TLS) close now.
    Transport t = transport;
    return t != null && t.canWriteEof();
  }

  @Override
  public void connectionLost(@Nullable Throwable cause) {
    lost = true;
    receive.onLost(cause);
    sendGate.lost(cause);
    closed.tryEmitEmpty();
  }

  @Override
  public void pauseWriting() {
    sendGate.pauseWriting();
  }

  @Override
  public void resumeWriting() {
    sendGate.resumeWriting();
  }

  // ------------------------------------------------------------------ LoopConnection (any thread)

  @Override
  public Flux<ByteBuffer> receive() {
    return receive.flux();
  }

  @Override
  public Mono<Void> send(Publisher<? extends ByteBuffer> data) {
    Objects.requireNonNull(data, "data");
    return sendGate.send(data);
  }

  @Override
  public Mono<Void> onClose() {
    return closed.asMono();
  }

  @Override
  public void close() {
    closeRequested = true;
    AdapterSupport.onLoopQuietly(loop(), this::closeOnLoop);
  }

  private void closeOnLoop() {
    closeRequested = true;
    Transport t = transport;
    if (t != null) {
      t.close();
    }
    // A closing transport drops further writes, and a send waiting for a drain that a peer who
    // does not read never allows would wait forever: sends in progress fail now.
    sendGate.lost(null);
  }

  @Override
  public void dispose() {
    close();
  }

  @Override
  public boolean isDisposed() {
    return closeRequested || lost;
  }

  @Override
  public @Nullable SocketAddress address() {
    return local;
  }

  @Override
  public @Nullable SocketAddress remoteAddress() {
    return remote;
  }

  @Override
  public EventLoop loop() {
    EventLoop l = loop;
    if (l == null) {
      throw new IllegalStateException("the connection is not made yet");
    }
    return l;
  }

  @Override
  public Transport transport() {
    Transport t = transport;
    if (t == null) {
      throw new IllegalStateException("the connection is not made yet");
    }
    return t;
  }

  @Override
  public String toString() {
    return "LoopConnection[" + local + " <-> " + remote + (isDisposed() ? ", closed" : "") + "]";
  }
}
