package dev.loop.reactor.internal;

import dev.loop.EventLoop;
import dev.loop.LoopFuture;
import dev.loop.net.Datagram;
import dev.loop.net.DatagramEndpoint;
import dev.loop.net.DatagramProtocol;
import dev.loop.net.DatagramTransport;
import dev.loop.reactor.LoopDatagrams;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.context.ContextView;

/**
 * A datagram endpoint's protocol as {@link LoopDatagrams}. Protocol methods and the fields but the
 * volatile ones are loop-thread only.
 */
public final class NetDatagrams implements DatagramProtocol, LoopDatagrams {

  private final AtomicBoolean subscribed = new AtomicBoolean();
  private final Sinks.Empty<Void> closed = Sinks.empty();
  private volatile @Nullable EventLoop loop;
  private volatile @Nullable DatagramTransport transport;
  private volatile @Nullable SocketAddress local;
  private volatile boolean closeRequested;
  private volatile boolean lost;

  // loop thread only
  private @Nullable FluxSink<Datagram> sink;
  private ContextView view = reactor.util.context.Context.empty();
  private boolean ended;
  private @Nullable Throwable failure;

  private NetDatagrams() {}

  /**
   * A Mono that opens the endpoint with {@code open} on subscription and emits it once it is ready.
   *
   * @param open opens the core endpoint with the given protocol factory
   * @return the Mono
   */
  public static Mono<LoopDatagrams> open(
      java.util.function.Function<Supplier<NetDatagrams>, LoopFuture<DatagramEndpoint<NetDatagrams>>> open) {
    return AdapterSupport.opened(() -> open.apply(NetDatagrams::new),
        endpoint -> (LoopDatagrams) endpoint.protocol(), LoopDatagrams::close, LoopDatagrams.class,
        "endpoint's creation", false);
  }

  // ------------------------------------------------------------------ DatagramProtocol (loop)

  @Override
  public void connectionMade(DatagramTransport t) {
    transport = t;
    loop = t.getLoop();
    Object sockname = t.getExtraInfo("sockname");
    local = sockname instanceof SocketAddress address ? address : null;
  }

  @Override
  public void datagramReceived(ByteBuffer data, SocketAddress sender) {
    FluxSink<Datagram> s = sink;
    // No subscriber or no demand: dropped, as UDP drops (demand only shrinks here, on the loop).
    if (s != null && s.requestedFromDownstream() > 0) {
      Datagram datagram = new Datagram(AdapterSupport.copy(data), sender);
      AdapterSupport.inContext(view, () -> s.next(datagram));
    }
  }

  @Override
  public void errorReceived(Exception error) {
    // A single datagram failed (e.g. ICMP port unreachable); the endpoint stays open.
  }

  @Override
  public void connectionLost(@Nullable Throwable cause) {
    lost = true;
    ended = true;
    failure = cause;
    FluxSink<Datagram> s = sink;
    sink = null;
    if (s != null) {
      finish(s);
    }
    closed.tryEmitEmpty();
  }

  private void finish(FluxSink<Datagram> s) {
    Throwable e = failure;
    AdapterSupport.inContext(view, () -> {
      if (e != null) {
        s.error(e);
      } else {
        s.complete();
      }
    });
  }

  // ------------------------------------------------------------------ LoopDatagrams (any thread)

  @Override
  public Flux<Datagram> receive() {
    return Flux.create(s -> {
      EventLoop l = loop();
      if (!subscribed.compareAndSet(false, true)) {
        s.error(new IllegalStateException("receive() allows a single subscriber, and it already had one"));
        return;
      }
      ContextView v = AdapterSupport.enrich(s.contextView(), l, null).put(LoopDatagrams.class, this);
      s.onCancel(() -> AdapterSupport.onLoopQuietly(l, () -> {
        sink = null;
        closeOnLoop();
      }));
      AdapterSupport.onLoop(l, () -> {
        if (ended) {
          finish(s);
          return;
        }
        view = v;
        sink = s;
      });
    }, FluxSink.OverflowStrategy.ERROR);
  }

  @Override
  public Mono<Void> send(ByteBuffer data, @Nullable SocketAddress target) {
    Objects.requireNonNull(data, "data");
    return Mono.create(s -> {
      EventLoop l = loop();
      try {
        AdapterSupport.onLoop(l, () -> {
          DatagramTransport t = transport;
          if (t == null || t.isClosing() || lost) {
            s.error(new ClosedChannelException());
            return;
          }
          try {
            t.sendto(data, target);
          } catch (RuntimeException e) {
            s.error(e);
            return;
          }
          s.success();
        });
      } catch (RejectedExecutionException | IllegalStateException closedLoop) {
        s.error(closedLoop);
      }
    });
  }

  @Override
  public @Nullable SocketAddress address() {
    return local;
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
    DatagramTransport t = transport;
    if (t != null) {
      t.close();
    }
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
  public EventLoop loop() {
    EventLoop l = loop;
    if (l == null) {
      throw new IllegalStateException("the endpoint is not ready yet");
    }
    return l;
  }

  @Override
  public DatagramTransport transport() {
    DatagramTransport t = transport;
    if (t == null) {
      throw new IllegalStateException("the endpoint is not ready yet");
    }
    return t;
  }

  @Override
  public String toString() {
    return "LoopDatagrams[" + local + (isDisposed() ? ", closed" : "") + "]";
  }
}
