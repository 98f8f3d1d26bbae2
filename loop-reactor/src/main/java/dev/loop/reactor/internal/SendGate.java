package dev.loop.reactor.internal;

import dev.loop.EventLoop;
import dev.loop.net.Transport;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * The writing side of one transport for {@code send(Publisher)}: the transport's flow-control
 * state (paused between {@code pauseWriting} and {@code resumeWriting}) and the sends in progress,
 * which it wakes when the transport drains and fails when the connection is lost.
 *
 * <p>Loop thread only, except {@link #send(Publisher)}, which only builds a Mono.
 */
public final class SendGate {

  private final Function<ContextView, Context> enrich;
  private final String name;
  private @Nullable EventLoop loop;
  private @Nullable Transport transport;
  private boolean writingPaused;
  private boolean lost;
  private @Nullable Throwable lostCause;
  private final List<SendSubscriber> active = new ArrayList<>(1);

  /**
   * A gate with no transport yet.
   *
   * @param name names the target in errors, e.g. "the connection"
   * @param enrich makes the context the data publisher is subscribed with
   */
  public SendGate(String name, Function<ContextView, Context> enrich) {
    this.name = name;
    this.enrich = enrich;
  }

  /**
   * Loop thread: binds the transport.
   *
   * @param t the transport written to
   * @param eventLoop its loop
   */
  public void attach(Transport t, EventLoop eventLoop) {
    transport = t;
    loop = eventLoop;
  }

  /**
   * Loop thread: there is nothing to write to (a process's stdin that is not a pipe).
   *
   * @param eventLoop the loop
   */
  public void attachNothing(EventLoop eventLoop) {
    loop = eventLoop;
    lost = true;
    lostCause = new IllegalStateException(name + " is not a pipe");
  }

  /**
   * The Mono of one send: on subscription, subscribes to {@code data} with the enriched context.
   *
   * @param data the buffers to write
   * @return the Mono
   */
  public Mono<Void> send(Publisher<? extends ByteBuffer> data) {
    return Mono.create(sink -> {
      EventLoop l = loop;
      if (l == null) {
        sink.error(new IllegalStateException("send() before " + name + " was connected"));
        return;
      }
      SendSubscriber subscriber = new SendSubscriber(this, l, sink, enrich.apply(sink.contextView()));
      sink.onCancel(subscriber::cancelledByDownstream);
      data.subscribe(subscriber);
    });
  }

  // ------------------------------------------------------------------ loop thread

  /** Called by a subscriber when it starts; false (and the reason set) if writing is over. */
  boolean register(SendSubscriber subscriber) {
    if (lost || transport == null || transport.isClosing()) {
      return false;
    }
    active.add(subscriber);
    return true;
  }

  void unregister(SendSubscriber subscriber) {
    active.remove(subscriber);
  }

  /** Why writing is over: the connection's error, or a closed channel. */
  Throwable closedError() {
    Throwable cause = lostCause;
    if (cause != null) {
      return cause;
    }
    ClosedChannelException closed = new ClosedChannelException();
    closed.initCause(new IllegalStateException(name + " is closed"));
    return closed;
  }

  @Nullable Transport transport() {
    return transport;
  }

  boolean writingPaused() {
    return writingPaused;
  }

  boolean closing() {
    Transport t = transport;
    return lost || t == null || t.isClosing();
  }

  /** From the protocol's {@code pauseWriting}. */
  public void pauseWriting() {
    writingPaused = true;
  }

  /** From the protocol's {@code resumeWriting}: wakes every send in progress. */
  public void resumeWriting() {
    writingPaused = false;
    for (SendSubscriber s : List.copyOf(active)) {
      s.resumed();
    }
  }

  /**
   * From {@code connectionLost} (or a pipe's end): fails every send in progress.
   *
   * @param cause the error, or null for an orderly close
   */
  public void lost(@Nullable Throwable cause) {
    if (lost) {
      return;
    }
    lost = true;
    lostCause = cause;
    for (SendSubscriber s : List.copyOf(active)) {
      s.lost();
    }
    active.clear();
  }
}
