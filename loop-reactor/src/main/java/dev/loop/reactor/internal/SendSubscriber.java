package dev.loop.reactor.internal;

import dev.loop.EventLoop;
import dev.loop.net.Transport;
import java.nio.ByteBuffer;
import java.util.Queue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.Exceptions;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.MonoSink;
import reactor.util.concurrent.Queues;
import reactor.util.context.Context;

/**
 * One {@code send(Publisher)}: subscribes to the buffers and writes them to the transport on the
 * loop thread, asking for more only while the transport's write buffer is under its high-water
 * mark.
 *
 * <p>Demand: {@link #PREFETCH} buffers at first, then {@link #LIMIT} more after every {@code LIMIT}
 * written, as Reactor's {@code limitRate} does; a replenishment due while the transport is paused
 * ({@code pauseWriting}) waits for {@code resumeWriting}. So at most {@code PREFETCH} buffers are
 * ever requested and not yet written, and the transport's buffer exceeds its high-water mark by at
 * most the buffers that were already requested when it paused.
 *
 * <p>Threads: the publisher signals on any thread; buffers go through a single-producer queue to a
 * drain that runs on the loop thread only (inline when the signal arrives there, else through
 * {@code execute}), serialised by {@link #wip}. Every other field is loop-thread only but {@code
 * done} and {@code error}, published by the volatile {@code done} write before the drain reads
 * them.
 */
final class SendSubscriber extends BaseSubscriber<ByteBuffer> {

  /** Buffers requested at first and outstanding at most. */
  static final int PREFETCH = 16;
  /** Buffers written between replenishments. */
  static final int LIMIT = PREFETCH - (PREFETCH >> 2);

  private static final AtomicIntegerFieldUpdater<SendSubscriber> WIP =
      AtomicIntegerFieldUpdater.newUpdater(SendSubscriber.class, "wip");

  private final SendGate gate;
  private final EventLoop loop;
  private final MonoSink<Void> result;
  private final Context context;
  private final Queue<ByteBuffer> queue = Queues.<ByteBuffer>get(PREFETCH).get();
  private final Runnable drainTask = this::drainLoop;

  private volatile int wip;
  private volatile boolean done;
  private @Nullable Throwable error;

  // loop thread only
  private boolean started;
  private boolean finished;
  private int written;
  private boolean replenishWhenResumed;
  private boolean completeWhenResumed;

  SendSubscriber(SendGate gate, EventLoop loop, MonoSink<Void> result, Context context) {
    this.gate = gate;
    this.loop = loop;
    this.result = result;
    this.context = context;
  }

  @Override
  public Context currentContext() {
    return context;
  }

  // ------------------------------------------------------------------ publisher side (any thread)

  @Override
  protected void hookOnSubscribe(Subscription subscription) {
    try {
      AdapterSupport.onLoop(loop, this::start);
    } catch (RejectedExecutionException closed) {
      dispose();
      result.error(closed);
    }
  }

  @Override
  protected void hookOnNext(ByteBuffer value) {
    if (!queue.offer(value)) {
      // More than requested: a broken publisher. Stop it, and report as Reactor does.
      dispose();
      error = Exceptions.failWithOverflow("send(): the publisher emitted more buffers than requested");
      done = true;
    }
    schedule();
  }

  @Override
  protected void hookOnComplete() {
    done = true;
    schedule();
  }

  @Override
  protected void hookOnError(Throwable throwable) {
    error = throwable;
    done = true;
    schedule();
  }

  /** The Mono's subscriber cancelled (any thread): stop the publisher, forget the send. */
  void cancelledByDownstream() {
    dispose();
    AdapterSupport.onLoopQuietly(loop, () -> {
      if (!finished) {
        finished = true;
        gate.unregister(this);
        queue.clear();
      }
    });
  }

  private void schedule() {
    if (WIP.getAndIncrement(this) != 0) {
      return; // the running drain will see the new state
    }
    if (loop.inEventLoop()) {
      drainLoop();
      return;
    }
    try {
      loop.execute(drainTask);
    } catch (RejectedExecutionException closed) {
      dispose();
      result.error(closed);
    }
  }

  // ------------------------------------------------------------------ loop thread

  private void start() {
    if (finished) {
      return;
    }
    if (!gate.register(this)) {
      finished = true;
      dispose();
      result.error(gate.closedError());
      return;
    }
    started = true;
    request(PREFETCH);
  }

  private void drainLoop() {
    int missed = 1;
    for (;;) {
      if (started && !finished) {
        drainOnce();
      } else if (finished) {
        queue.clear();
      }
      missed = WIP.addAndGet(this, -missed);
      if (missed == 0) {
        return;
      }
    }
  }

  private void drainOnce() {
    Transport t = gate.transport();
    for (;;) {
      if (gate.closing() || t == null) {
        lost();
        return;
      }
      boolean d = done; // read before polling: with the queue then empty, nothing follows
      ByteBuffer b = queue.poll();
      if (b == null) {
        if (d) {
          terminated();
        }
        return;
      }
      t.write(b); // may call pauseWriting, synchronously
      if (++written == LIMIT) {
        written = 0;
        if (gate.writingPaused()) {
          replenishWhenResumed = true;
        } else {
          request(LIMIT);
        }
      }
    }
  }

  private void terminated() {
    Throwable e = error;
    if (e != null) {
      fail(e);
    } else if (gate.writingPaused()) {
      completeWhenResumed = true; // asyncio's drain(): done once under the high-water mark
    } else {
      succeed();
    }
  }

  /** The transport drained to its low-water mark. */
  void resumed() {
    if (finished) {
      return;
    }
    if (replenishWhenResumed) {
      replenishWhenResumed = false;
      request(LIMIT);
    }
    if (completeWhenResumed) {
      succeed();
    }
  }

  /** The connection closed before this send finished. */
  void lost() {
    if (finished) {
      return;
    }
    dispose();
    fail(gate.closedError());
  }

  private void succeed() {
    finished = true;
    gate.unregister(this);
    AdapterSupport.inContext(result.contextView(), result::success);
  }

  private void fail(Throwable e) {
    finished = true;
    gate.unregister(this);
    queue.clear();
    AdapterSupport.inContext(result.contextView(), () -> result.error(e));
  }
}
