package dev.loop.reactor.internal;

import dev.loop.EventLoop;
import dev.loop.net.Transport;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.util.context.ContextView;

/**
 * The bytes a transport reads, as a {@code Flux<ByteBuffer>} whose demand drives {@link
 * Transport#pauseReading()} and {@link Transport#resumeReading()}: {@code LoopConnection.receive()}
 * and a process's {@code stdout()}/{@code stderr()}.
 *
 * <p>The transport reads only while the subscriber has demand. Each read is copied out of the
 * loop's read buffer and emitted at once when there is demand; when the emission uses up the
 * demand, reading pauses before the call returns. So the only bytes ever held here are the reads
 * that arrived with no demand: the one read a transport may deliver around a pause (a compliant
 * transport delivers nothing after {@code pauseReading()}), or, before anybody subscribed, nothing
 * at all, because the owner pauses the transport when it attaches it.
 *
 * <p>Threads: the {@code on*} methods and {@link #attach(Transport, EventLoop)} run on the loop
 * thread (protocol callbacks); subscription, requests and cancellation come from any thread and
 * reach the loop through {@link EventLoop#execute(Runnable)}. Every field but the two flags is
 * confined to the loop thread.
 */
public final class ReceivePump {

  private final String name;
  private final Function<ContextView, ContextView> enrich;
  private final Runnable onCancel;
  private final Flux<ByteBuffer> flux;

  /** One subscriber per pump, ever: its bytes cannot be read twice. */
  private final AtomicBoolean subscribed = new AtomicBoolean();
  /** A drain is queued on the loop; requests arriving meanwhile fold into it. */
  private final AtomicBoolean drainQueued = new AtomicBoolean();
  private final Runnable drainTask = this::drain;

  private @Nullable EventLoop loop;
  private @Nullable Transport transport;
  private final ArrayDeque<ByteBuffer> pending = new ArrayDeque<>(2);
  private @Nullable FluxSink<ByteBuffer> sink;
  private ContextView view = reactor.util.context.Context.empty();
  private boolean readingPaused;
  /** EOF or connection lost: nothing more will be read. */
  private boolean ended;
  private @Nullable Throwable failure;
  /** The subscriber got its terminal signal, or cancelled. */
  private boolean finished;

  /**
   * A pump that is not attached yet.
   *
   * @param name for the single-subscriber error message, e.g. "receive()"
   * @param enrich adds the adapter's entries to the subscriber's context
   * @param onCancel run on the loop thread when the subscriber cancels
   */
  public ReceivePump(String name, Function<ContextView, ContextView> enrich, Runnable onCancel) {
    this.name = name;
    this.enrich = enrich;
    this.onCancel = onCancel;
    this.flux = Flux.create(this::subscribe, FluxSink.OverflowStrategy.ERROR);
  }

  /**
   * The stream; one subscriber may subscribe, once.
   *
   * @return the Flux
   */
  public Flux<ByteBuffer> flux() {
    return flux;
  }

  /**
   * Loop thread: binds the transport and pauses it until a subscriber asks for bytes.
   *
   * @param t the transport to read from
   * @param eventLoop its loop
   */
  public void attach(Transport t, EventLoop eventLoop) {
    loop = eventLoop;
    transport = t;
    readingPaused = false;
    pause();
  }

  /**
   * Loop thread: binds no transport (the stream is not a pipe): the stream completes empty.
   *
   * @param eventLoop the loop
   */
  public void attachNothing(EventLoop eventLoop) {
    loop = eventLoop;
    onEnd(null);
  }

  // ------------------------------------------------------------------ subscriber side (any thread)

  private void subscribe(FluxSink<ByteBuffer> s) {
    EventLoop l = loop;
    if (l == null) {
      s.error(new IllegalStateException(name + " before the stream was connected"));
      return;
    }
    if (!subscribed.compareAndSet(false, true)) {
      s.error(new IllegalStateException(name + " allows a single subscriber, and it already had one"));
      return;
    }
    ContextView v = enrich.apply(s.contextView());
    try {
      // The attachment and the drains that requests queue may reach the loop in either order:
      // callbacks from different threads (a request can come from the loop thread itself) are
      // not ordered. A drain that finds no sink does nothing, and the attachment serves the demand
      // already there itself, so neither order loses a request.
      AdapterSupport.onLoop(l, () -> attachSink(s, v));
      s.onCancel(() -> AdapterSupport.onLoopQuietly(l, this::cancelled));
      s.onRequest(n -> requested(l, s));
    } catch (RejectedExecutionException | IllegalStateException closed) {
      s.error(closed);
    }
  }

  private void requested(EventLoop l, FluxSink<ByteBuffer> s) {
    // Never inline, even on the loop thread: a request made inside onNext would re-enter the
    // emission. Coalesced: one queued drain reads the demand afresh.
    if (drainQueued.compareAndSet(false, true)) {
      try {
        l.execute(drainTask);
      } catch (RejectedExecutionException closed) {
        s.error(closed);
      }
    }
  }

  // ------------------------------------------------------------------ loop side

  private void attachSink(FluxSink<ByteBuffer> s, ContextView v) {
    if (finished) {
      return; // cancelled before the attachment arrived
    }
    sink = s;
    view = v;
    serve(); // ended already (terminal signals need no demand), or demand already there
  }

  private void drain() {
    // Cleared before the demand is read: a request that lands after this line queues another
    // drain, and one that landed before it is already counted in requestedFromDownstream (the
    // sink adds the demand before it calls onRequest), so no request is ever left unserved.
    drainQueued.set(false);
    serve();
  }

  /** Emits what is held as far as the demand goes, then ends, or reads on if demand is left. */
  private void serve() {
    FluxSink<ByteBuffer> s = sink;
    if (s == null || finished) {
      return;
    }
    while (!pending.isEmpty() && s.requestedFromDownstream() > 0 && !finished) {
      emit(s, pending.poll());
    }
    if (finished || !pending.isEmpty()) {
      return;
    }
    if (ended) {
      finish();
    } else if (s.requestedFromDownstream() > 0) {
      resume();
    }
  }

  private void cancelled() {
    if (finished) {
      return;
    }
    finished = true;
    sink = null;
    pending.clear();
    onCancel.run();
  }

  /**
   * Loop thread, from {@code dataReceived}: emits a copy now if there is demand, else holds it;
   * pauses reading when no demand is left.
   *
   * @param data the loop's buffer, valid only during the call
   */
  public void onData(ByteBuffer data) {
    if (finished) {
      return; // cancelled: the transport is closing
    }
    ByteBuffer copy = AdapterSupport.copy(data);
    FluxSink<ByteBuffer> s = sink;
    // Demand only shrinks through our emissions, all on this thread, so the check holds.
    if (s != null && pending.isEmpty() && s.requestedFromDownstream() > 0) {
      emit(s, copy);
    } else {
      pending.add(copy);
    }
    s = sink;
    if (s == null || s.requestedFromDownstream() == 0) {
      pause();
    }
  }

  /** Loop thread, from {@code eofReceived}: completes once what is held has been emitted. */
  public void onEof() {
    onEnd(null);
  }

  /**
   * Loop thread, from {@code connectionLost}: an error cuts ahead of held bytes; an orderly end
   * completes after them.
   *
   * @param cause the error, or null for an orderly close
   */
  public void onLost(@Nullable Throwable cause) {
    onEnd(cause);
  }

  private void onEnd(@Nullable Throwable cause) {
    if (cause != null && failure == null) {
      failure = cause;
      pending.clear();
    }
    ended = true;
    if (sink != null && pending.isEmpty()) {
      finish();
    }
  }

  private void finish() {
    FluxSink<ByteBuffer> s = sink;
    if (finished || s == null) {
      return;
    }
    finished = true;
    sink = null;
    Throwable e = failure;
    AdapterSupport.inContext(view, () -> {
      if (e != null) {
        s.error(e);
      } else {
        s.complete();
      }
    });
  }

  private void emit(FluxSink<ByteBuffer> s, ByteBuffer b) {
    AdapterSupport.inContext(view, () -> s.next(b));
  }

  private void pause() {
    Transport t = transport;
    if (t != null && !readingPaused) {
      readingPaused = true;
      t.pauseReading();
    }
  }

  private void resume() {
    Transport t = transport;
    if (t != null && readingPaused && !ended) {
      readingPaused = false;
      t.resumeReading();
    }
  }
}
