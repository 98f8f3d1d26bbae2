package dev.loop.rxjava.internal;

import dev.loop.EventLoop;
import dev.loop.net.Transport;
import io.reactivex.rxjava3.core.CompletableEmitter;
import io.reactivex.rxjava3.core.FlowableSubscriber;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;

/**
 * One {@code send(data)}: subscribes to {@code data} and writes what it emits to the transport,
 * requesting one buffer at a time and only while the transport is not paused for writing.
 *
 * <p>The publisher may emit on any thread, so buffers and the terminal event go through a
 * lock-free queue and are written by {@link #drain()}, which runs only on the loop thread and never
 * re-enters itself (a request inside the drain that makes the publisher emit synchronously only
 * queues the buffer; the running loop writes it). The demand is one buffer: {@link #outstanding} is
 * 1 from a request until its buffer is written, and a new request is made only when it is 0 and the
 * protocol has not been told {@code pauseWriting}. {@code resumeWriting} drains every active sender,
 * which then requests again. So the transport never holds more than its high water mark plus one
 * buffer from this sender.
 */
final class SendSubscriber implements FlowableSubscriber<ByteBuffer> {

  private final ConnectionProtocol connection;
  private final EventLoop loop;
  private final CompletableEmitter downstream;

  // ---- any thread
  private final AtomicReference<@Nullable Subscription> upstream = new AtomicReference<>();
  private final ConcurrentLinkedQueue<ByteBuffer> queue = new ConcurrentLinkedQueue<>();
  /** The publisher finished; {@link #error} is written before it. */
  private volatile boolean done;
  private @Nullable Throwable error;
  private volatile boolean cancelled;
  private final AtomicBoolean drainQueued = new AtomicBoolean();
  private final Runnable drainTask = () -> {
    drainQueued.set(false); // before draining: a signal arriving from now on queues another drain
    drain();
  };

  // ---- loop thread only
  private boolean registered;
  private boolean terminated;
  private boolean draining;
  private long outstanding;

  SendSubscriber(ConnectionProtocol connection, EventLoop loop, CompletableEmitter downstream) {
    this.connection = connection;
    this.loop = loop;
    this.downstream = downstream;
  }

  // ------------------------------------------------------------------ from the publisher (any thread)

  @Override
  public void onSubscribe(Subscription s) {
    if (!upstream.compareAndSet(null, s)) {
      s.cancel(); // rule 2.5: a second subscription is refused
      return;
    }
    // Re-check after publishing the subscription: a cancel() that ran before it could not cancel it.
    if (cancelled) {
      s.cancel();
      return;
    }
    signal();
  }

  @Override
  public void onNext(ByteBuffer buffer) {
    queue.offer(buffer);
    signal();
  }

  @Override
  public void onError(Throwable t) {
    error = t;
    done = true;
    signal();
  }

  @Override
  public void onComplete() {
    done = true;
    signal();
  }

  // ------------------------------------------------------------------ disposal (any thread)

  /** The returned Completable was disposed: stop the publisher; the connection stays open. */
  void cancel() {
    cancelled = true;
    Subscription s = upstream.get();
    if (s != null) {
      s.cancel();
    }
    signal(); // the drain drops what is queued and unregisters
  }

  private void signal() {
    if (loop.inEventLoop()) {
      drain();
      return;
    }
    if (drainQueued.compareAndSet(false, true)) {
      try {
        loop.execute(drainTask);
      } catch (RejectedExecutionException closedLoop) {
        drainQueued.set(false);
        cancelUpstream();
        downstream.tryOnError(new ClosedChannelException());
      }
    }
  }

  // ------------------------------------------------------------------ the drain (loop thread)

  /** Writes what has arrived, finishes, or asks for the next buffer. Loop thread. */
  void drain() {
    if (draining || terminated) {
      return;
    }
    draining = true;
    try {
      if (!registered) {
        registered = true;
        if (!connection.register(this)) {
          fail(connection.closedError());
          return;
        }
      }
      Transport transport = connection.transportOrThrow();
      for (;;) {
        if (terminated) {
          return;
        }
        if (cancelled) {
          terminated = true;
          queue.clear();
          connection.unregister(this);
          return;
        }
        boolean finished = done; // read before polling: a buffer is always queued before done is set
        ByteBuffer buffer = queue.poll();
        if (buffer != null) {
          if (outstanding > 0) {
            outstanding--;
          }
          if (connection.isLost() || transport.isClosing()) {
            // The transport would drop the bytes silently: tell the sender instead.
            fail(new ClosedChannelException());
            return;
          }
          try {
            transport.write(buffer); // may call pauseWriting synchronously
          } catch (RuntimeException e) {
            fail(e); // e.g. write after writeEof
            return;
          }
          continue;
        }
        if (finished) {
          terminated = true;
          connection.unregister(this);
          Throwable e = error;
          if (e != null) {
            downstream.tryOnError(e);
          } else {
            downstream.onComplete();
          }
          return;
        }
        Subscription s = upstream.get();
        if (s != null && outstanding == 0 && !connection.writePaused()) {
          outstanding = 1;
          s.request(1); // may emit synchronously: the buffer is then in the queue, loop again
          continue;
        }
        return; // waiting for a buffer, or for resumeWriting
      }
    } finally {
      draining = false;
    }
  }

  /** Loop thread: ends this send with {@code e}, cancelling the publisher. */
  void fail(Throwable e) {
    if (terminated) {
      return;
    }
    terminated = true;
    cancelUpstream();
    queue.clear();
    connection.unregister(this);
    downstream.tryOnError(e);
  }

  private void cancelUpstream() {
    Subscription s = upstream.get();
    if (s != null) {
      s.cancel();
    }
  }
}
