package dev.loop.rxjava.internal;

import dev.loop.EventLoop;
import dev.loop.ExceptionContext;
import dev.loop.net.Transport;
import dev.loop.rxjava.RxConnection;
import dev.loop.rxjava.RxProtocol;
import io.reactivex.rxjava3.core.Completable;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.FlowableSubscriber;
import io.reactivex.rxjava3.core.Observable;
import io.reactivex.rxjava3.plugins.RxJavaPlugins;
import io.reactivex.rxjava3.subjects.CompletableSubject;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;

/**
 * The protocol behind every {@link RxConnection}: it receives the transport's callbacks on the loop
 * thread and feeds them to the one {@link ReceiveSubscription} and the active {@link
 * SendSubscriber}s.
 *
 * <p>Threads: the transport, the loop, the addresses are written once in {@link
 * #connectionMade(Transport)} (volatile, so any thread that sees the connection sees them); the
 * rest of the state ({@link #lost}, {@link #writePaused}, {@link #senders}) is touched only on the
 * loop thread.
 */
public final class ConnectionProtocol implements RxProtocol, RxConnection {

  private static final int OWNED = 0;
  private static final int HANDED_OVER = 1;
  private static final int RECLAIMED = 2;

  private final @Nullable ConnectionOwner owner;
  /** Who must close this connection: its owner until {@link #handOver()}, then the subscriber. */
  private final AtomicInteger ownership = new AtomicInteger(OWNED);
  private final ReceiveSubscription receive = new ReceiveSubscription(this);
  private final Flowable<ByteBuffer> receiveFlowable = RxJavaPlugins.onAssembly(new ReceiveFlowable(receive));
  private final CompletableSubject closed = CompletableSubject.create();

  private volatile @Nullable Transport transport;
  private volatile @Nullable EventLoop loop;
  private volatile @Nullable SocketAddress localAddress;
  private volatile @Nullable SocketAddress remoteAddress;

  // ---- loop thread only
  private boolean lost;
  private @Nullable Throwable lostCause;
  private boolean writePaused;
  private final ArrayList<SendSubscriber> senders = new ArrayList<>(1);

  /**
   * A protocol that belongs to nobody but its user.
   */
  public ConnectionProtocol() {
    this(null);
  }

  /**
   * A protocol that reports to {@code owner} (a server that has not handed it out yet).
   *
   * @param owner told when the connection is made and when it ends, or null
   */
  ConnectionProtocol(@Nullable ConnectionOwner owner) {
    this.owner = owner;
  }

  // ------------------------------------------------------------------ Protocol (loop thread)

  @Override
  public void connectionMade(Transport t) {
    Objects.requireNonNull(t, "transport");
    if (transport != null) {
      throw new IllegalStateException("connectionMade called twice on " + this);
    }
    localAddress = extraAddress(t, "sockname");
    remoteAddress = extraAddress(t, "peername");
    transport = t;
    loop = t.getLoop(); // last: a thread that sees the loop (the "connected" mark) sees the rest
    if (owner != null) {
      owner.connectionMade(this);
    }
    receive.drain();
  }

  private static @Nullable SocketAddress extraAddress(Transport t, String name) {
    return t.getExtraInfo(name) instanceof SocketAddress address ? address : null;
  }

  @Override
  public void dataReceived(ByteBuffer data) {
    receive.dataReceived(data);
  }

  @Override
  public boolean eofReceived() {
    receive.eofReceived();
    return true; // half-open: the user may still send, and closes when done
  }

  @Override
  public void connectionLost(@Nullable Throwable cause) {
    if (lost) {
      return;
    }
    lost = true;
    lostCause = cause;
    receive.connectionLost(cause);
    if (!senders.isEmpty()) {
      Throwable error = cause != null ? cause : new ClosedChannelException();
      // A copy: a failing sender unregisters itself while we iterate.
      for (SendSubscriber sender : new ArrayList<>(senders)) {
        sender.fail(error);
      }
      senders.clear();
    }
    if (owner != null) {
      owner.connectionReleased(this);
    }
    if (cause == null) {
      closed.onComplete();
    } else {
      closed.onError(cause);
    }
  }

  @Override
  public void pauseWriting() {
    writePaused = true;
  }

  @Override
  public void resumeWriting() {
    writePaused = false;
    if (!senders.isEmpty()) {
      for (SendSubscriber sender : new ArrayList<>(senders)) {
        sender.drain();
      }
    }
  }

  @Override
  public RxConnection connection() {
    return this;
  }

  // ------------------------------------------------------------------ RxConnection (any thread)

  @Override
  public Flowable<ByteBuffer> receive() {
    return receiveFlowable;
  }

  @Override
  public Observable<ByteBuffer> receiveObservable() {
    return receiveFlowable.toObservable();
  }

  @Override
  public Completable send(Publisher<? extends ByteBuffer> data) {
    Objects.requireNonNull(data, "data");
    return Completable.create(emitter -> {
      EventLoop l = loop;
      if (l == null) {
        emitter.onError(notConnected());
        return;
      }
      SendSubscriber sender = new SendSubscriber(this, l, emitter);
      emitter.setCancellable(sender::cancel);
      Flowable.fromPublisher(data).subscribe((FlowableSubscriber<ByteBuffer>) sender);
    });
  }

  @Override
  public Completable writeEof() {
    return Completable.create(emitter -> {
      EventLoop l = loop;
      if (l == null) {
        emitter.onError(notConnected());
        return;
      }
      runOnLoop(l, () -> {
        if (lost || transportOrThrow().isClosing()) {
          emitter.tryOnError(new ClosedChannelException());
          return;
        }
        try {
          transportOrThrow().writeEof();
        } catch (RuntimeException e) {
          emitter.tryOnError(e);
          return;
        }
        emitter.onComplete();
      });
    });
  }

  @Override
  public Completable onClose() {
    return closed.hide();
  }

  @Override
  public void close() {
    EventLoop l = loop();
    runOnLoop(l, this::closeOnLoop);
  }

  @Override
  public EventLoop loop() {
    EventLoop l = loop;
    if (l == null) {
      throw notConnected();
    }
    return l;
  }

  @Override
  public Transport transport() {
    return transportOrThrow();
  }

  @Override
  public @Nullable SocketAddress localAddress() {
    transportOrThrow();
    return localAddress;
  }

  @Override
  public @Nullable SocketAddress remoteAddress() {
    transportOrThrow();
    return remoteAddress;
  }

  @Override
  public String toString() {
    Transport t = transport;
    return "RxConnection[" + (t == null ? "not connected" : localAddress + " <-> " + remoteAddress) + "]";
  }

  // ------------------------------------------------------------------ for the internals

  /** The transport; only after connectionMade. */
  Transport transportOrThrow() {
    Transport t = transport;
    if (t == null) {
      throw notConnected();
    }
    return t;
  }

  /** The loop, or null before connectionMade. Any thread. */
  @Nullable EventLoop loopOrNull() {
    return loop;
  }

  private static IllegalStateException notConnected() {
    return new IllegalStateException(
        "the connection is not made yet: its transport has not called connectionMade");
  }

  /** Loop thread: closes the transport unless it is already gone. */
  void closeOnLoop() {
    Transport t = transport;
    if (t != null && !lost) {
      t.close();
    }
  }

  /** Any thread: closes the transport on the loop; nothing if not connected or the loop is closed. */
  void closeQuietly() {
    EventLoop l = loop;
    if (l != null) {
      runOnLoop(l, this::closeOnLoop);
    }
  }

  /** Loop thread: registers an active sender; false if the connection is already lost. */
  boolean register(SendSubscriber sender) {
    if (lost) {
      return false;
    }
    senders.add(sender);
    return true;
  }

  /** Loop thread. */
  void unregister(SendSubscriber sender) {
    senders.remove(sender);
  }

  /** Loop thread: the error a sender gets when the connection is gone. */
  Throwable closedError() {
    Throwable cause = lostCause;
    return cause != null ? cause : new ClosedChannelException();
  }

  /** Loop thread: whether writing must wait (write buffer above its high water mark). */
  boolean writePaused() {
    return writePaused;
  }

  /** Loop thread: whether connectionLost was called. */
  boolean isLost() {
    return lost;
  }

  /** Loop thread: reports an exception a subscriber threw to the loop's exception handler. */
  void report(String message, Throwable error) {
    EventLoop l = loop;
    if (l != null) {
      l.callExceptionHandler(ExceptionContext.of(message, error)
          .withTransport(transport).withProtocol(this));
    }
  }

  /**
   * The subscriber of a server's connections takes this connection: from now on closing it is the
   * subscriber's business. Any thread.
   */
  void handOver() {
    if (ownership.compareAndSet(OWNED, HANDED_OVER) && owner != null) {
      owner.connectionReleased(this);
    }
  }

  /**
   * The owner takes the connection back to close it, unless it was handed over first. Any thread.
   *
   * @return true if the caller must close it
   */
  boolean reclaim() {
    return ownership.compareAndSet(OWNED, RECLAIMED);
  }

  /**
   * Runs {@code action} on {@code l}'s thread: inline when already there, queued otherwise. A loop
   * that is closed runs nothing any more, so the action is dropped: whatever it would have done to
   * the connection cannot matter.
   */
  static void runOnLoop(EventLoop l, Runnable action) {
    if (l.inEventLoop()) {
      action.run();
      return;
    }
    try {
      l.execute(action);
    } catch (RejectedExecutionException closedLoop) {
      // the loop is closed: nothing runs on it any more
    }
  }
}
