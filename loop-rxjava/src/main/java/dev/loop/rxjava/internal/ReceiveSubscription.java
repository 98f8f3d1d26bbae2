package dev.loop.rxjava.internal;

import dev.loop.EventLoop;
import dev.loop.net.Transport;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * The read side of one connection, as the one {@link Subscription} of its {@code receive()}
 * publisher: a copy of each read waits here until requested, and the transport reads only while
 * there is demand.
 *
 * <p>Every signal to the subscriber is sent from {@link #drain()}, which runs only on the loop
 * thread and never re-enters itself, so signals are serial (Reactive Streams 1.3) and a {@code
 * request} made inside {@code onNext} does not recurse (3.3): it only adds to {@link #requested}
 * and the running drain loop sees it. {@code request} and {@code cancel} from other threads touch
 * only atomic fields and then schedule a drain on the loop.
 *
 * <p>Flow control (loop thread, after every drain): the transport reads while nothing is queued and
 * either no subscriber is ready yet or the subscriber has outstanding demand; otherwise it is
 * paused. A read that arrives when demand is zero is queued and pauses the transport, so the queue
 * never holds more than that one read: bytes held are at most the requested chunks plus one read.
 * After EOF the transport is never touched again (resuming a half-closed socket would read the EOF
 * a second time).
 */
final class ReceiveSubscription implements Subscription {

  private final ConnectionProtocol connection;

  // ---- any thread
  /** Set by the one subscription this publisher accepts. */
  private final AtomicBoolean subscribed = new AtomicBoolean();
  /** The subscriber, dropped once cancelled or terminated so it can be collected (rule 3.13). */
  private volatile @Nullable Subscriber<? super ByteBuffer> subscriber;
  /** Set after the subscriber's onSubscribe returned: no signal may precede it (rule 1.9, 1.3). */
  private volatile boolean ready;
  /** Outstanding demand; Long.MAX_VALUE means unbounded (rule 3.17) and is never decremented. */
  private final AtomicLong requested = new AtomicLong();
  private final AtomicBoolean cancelled = new AtomicBoolean();
  /** A request(n) with n <= 0, waiting for the drain to fail the subscription (rule 3.9). */
  private volatile long badRequest = 1;
  /** The terminal signal was sent: a later cancel must not close the connection (rule 3.7). */
  private volatile boolean done;
  /** A drain task is queued on the loop: coalesces the requests of other threads. */
  private final AtomicBoolean drainQueued = new AtomicBoolean();
  private final Runnable drainTask = () -> {
    drainQueued.set(false); // before draining: a signal arriving from now on queues another drain
    drain();
  };

  // ---- loop thread only
  private final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>(2);
  private boolean draining;
  private boolean eof;
  private boolean lost;
  private @Nullable Throwable failure;

  ReceiveSubscription(ConnectionProtocol connection) {
    this.connection = connection;
  }

  // ------------------------------------------------------------------ subscribing (any thread)

  void subscribe(Subscriber<? super ByteBuffer> s) {
    if (connection.loopOrNull() == null) {
      refuse(s, new IllegalStateException(
          "the connection is not made yet: its transport has not called connectionMade"));
      return;
    }
    if (!subscribed.compareAndSet(false, true)) {
      refuse(s, new IllegalStateException(
          "receive() allows one subscriber: this connection's bytes are already being consumed"));
      return;
    }
    subscriber = s;
    s.onSubscribe(this);
    ready = true;
    signal();
  }

  private static void refuse(Subscriber<? super ByteBuffer> s, Throwable error) {
    s.onSubscribe(NoSubscription.INSTANCE);
    s.onError(error);
  }

  // ------------------------------------------------------------------ Subscription (any thread)

  @Override
  public void request(long n) {
    if (cancelled.get()) {
      return; // rule 3.6
    }
    if (n <= 0) {
      badRequest = n;
      signal();
      return;
    }
    for (;;) {
      long r = requested.get();
      if (r == Long.MAX_VALUE) {
        break;
      }
      long u = r + n;
      if (u < 0) {
        u = Long.MAX_VALUE; // rule 3.17: demand beyond Long.MAX_VALUE is unbounded
      }
      if (requested.compareAndSet(r, u)) {
        break;
      }
    }
    signal();
  }

  @Override
  public void cancel() {
    if (!cancelled.compareAndSet(false, true)) {
      return; // rule 3.5: idempotent
    }
    subscriber = null; // rule 3.13: no reference to the subscriber once cancelled
    if (!done) {
      // Cancelling an unfinished receive means nobody will read this connection: close it. After
      // the terminal signal (a half-closed connection still sending) cancel is a no-op (rule 3.7).
      connection.closeQuietly();
    }
    signal(); // the drain drops what is queued
  }

  /** Runs the drain on the loop: inline on the loop thread, else as one queued task. */
  private void signal() {
    EventLoop loop = connection.loopOrNull();
    if (loop == null) {
      return; // not connected: subscribe refuses, and nothing else can have happened yet
    }
    if (loop.inEventLoop()) {
      drain();
      return;
    }
    if (drainQueued.compareAndSet(false, true)) {
      try {
        loop.execute(drainTask);
      } catch (RejectedExecutionException closedLoop) {
        // The loop is closed: nothing is delivered any more, so there is nothing to drain.
        drainQueued.set(false);
      }
    }
  }

  // ------------------------------------------------------------------ transport events (loop)

  void dataReceived(ByteBuffer data) {
    if (done || cancelled.get()) {
      return; // the connection is closing: reading has stopped, this is the last read
    }
    // The transport's buffer is valid only during this call: copy it.
    ByteBuffer copy = ByteBuffer.allocate(data.remaining());
    copy.put(data).flip();
    queue.add(copy);
    drain();
  }

  void eofReceived() {
    eof = true;
    drain();
  }

  void connectionLost(@Nullable Throwable cause) {
    lost = true;
    failure = cause;
    drain();
  }

  // ------------------------------------------------------------------ the drain (loop thread)

  /** Sends what can be sent, then pauses or resumes the transport. Loop thread. */
  void drain() {
    if (draining) {
      return; // called from inside onNext: the running loop below re-reads every field
    }
    draining = true;
    try {
      emit();
    } finally {
      draining = false;
    }
    flowControl();
  }

  private void emit() {
    Subscriber<? super ByteBuffer> s = subscriber;
    for (;;) {
      if (cancelled.get()) {
        queue.clear();
        return;
      }
      if (s == null || !ready || done) {
        return;
      }
      long bad = badRequest;
      if (bad <= 0) {
        cancelled.set(true);
        subscriber = null;
        queue.clear();
        done = true;
        connection.closeOnLoop();
        signalError(s, new IllegalArgumentException(
            "§3.9 violated: positive request amount required but it was " + bad));
        return;
      }
      if (!queue.isEmpty()) {
        long r = requested.get();
        if (r == 0) {
          return;
        }
        ByteBuffer chunk = queue.poll();
        if (r != Long.MAX_VALUE) {
          requested.decrementAndGet();
        }
        try {
          s.onNext(chunk);
        } catch (Throwable t) {
          subscriberFailed("onNext", t);
          return;
        }
        continue; // onNext may have requested, cancelled or (via the loop) changed anything
      }
      if (eof || lost) {
        done = true;
        subscriber = null; // terminated: nothing more goes to it (rule 3.13)
        Throwable error = eof ? null : failure;
        if (error == null) {
          try {
            s.onComplete();
          } catch (Throwable t) {
            connection.report("receive() subscriber's onComplete threw", t);
          }
        } else {
          signalError(s, error);
        }
      }
      return;
    }
  }

  private void signalError(Subscriber<? super ByteBuffer> s, Throwable error) {
    try {
      s.onError(error);
    } catch (Throwable t) {
      connection.report("receive() subscriber's onError threw", t);
    }
  }

  /**
   * A subscriber broke rule 2.13 by throwing: it is treated as cancelled, the connection closes
   * (nobody can read it any more), and the exception goes to the loop's exception handler with the
   * transport and protocol.
   */
  private void subscriberFailed(String method, Throwable t) {
    cancelled.set(true);
    subscriber = null;
    done = true;
    queue.clear();
    connection.closeOnLoop();
    connection.report("receive() subscriber's " + method + " threw", t);
  }

  private void flowControl() {
    if (eof || lost || cancelled.get()) {
      return; // nothing more to read, or the connection is closing
    }
    Transport t = connection.transportOrThrow();
    if (t.isClosing()) {
      return;
    }
    boolean demandDriven = ready && subscriber != null;
    boolean wantRead = queue.isEmpty() && !done && (!demandDriven || requested.get() > 0);
    if (wantRead) {
      if (!t.isReading()) {
        t.resumeReading();
      }
    } else if (t.isReading()) {
      t.pauseReading();
    }
  }

  /** The subscription handed to a refused subscriber: does nothing. */
  private enum NoSubscription implements Subscription {
    INSTANCE;

    @Override
    public void request(long n) {}

    @Override
    public void cancel() {}
  }
}
