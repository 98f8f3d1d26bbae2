package dev.loop.reactor.internal;

import dev.loop.EventLoop;
import dev.loop.TimerHandle;
import java.nio.channels.SelectableChannel;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.util.context.ContextView;

/** Loop timers, signals and channel readiness as {@code Flux}, through {@link FluxSink}. */
public final class FluxAdapters {

  private FluxAdapters() {}

  // ------------------------------------------------------------------ interval

  /**
   * Ticks 0, 1, 2, ... at {@code start + initialDelay + k * period} on the loop's clock.
   *
   * @param loop the loop
   * @param period between ticks
   * @param initialDelay before the first tick
   * @return the Flux
   */
  public static Flux<Long> interval(EventLoop loop, Duration period, Duration initialDelay) {
    long periodNanos = period.toNanos();
    long delayNanos = initialDelay.toNanos();
    return Flux.create(sink -> new Ticker(loop, sink, periodNanos, delayNanos).start(),
        FluxSink.OverflowStrategy.ERROR);
  }

  /** One subscription of {@link #interval}: a chain of loop timers, each scheduling the next. */
  private static final class Ticker implements Runnable {
    private final EventLoop loop;
    private final FluxSink<Long> sink;
    private final ContextView view;
    private final long period;
    private final long first;
    /** The pending timer. Written by the subscribing thread, then by the loop thread in run(). */
    private volatile @Nullable TimerHandle timer;
    private volatile boolean disposed;
    /** Loop thread only (the subscribing thread before the first timer is scheduled). */
    private long count;

    Ticker(EventLoop loop, FluxSink<Long> sink, long period, long delay) {
      this.loop = loop;
      this.sink = sink;
      this.view = sink.contextView();
      this.period = period;
      this.first = loop.time() + delay;
    }

    void start() {
      sink.onDispose(() -> {
        disposed = true;
        TimerHandle t = timer;
        if (t != null) {
          t.cancel();
        }
      });
      schedule(first);
    }

    /**
     * Race with dispose on another thread: dispose sets {@code disposed} and then cancels the timer
     * it reads. If it read the previous timer, the re-check after publishing the new one sees
     * {@code disposed} and cancels the new one here; either way no timer outlives the
     * subscription.
     */
    private void schedule(long when) {
      TimerHandle t = loop.callAt(when, this);
      timer = t;
      if (disposed) {
        t.cancel();
      }
    }

    @Override
    public void run() {
      if (disposed) {
        return;
      }
      // Demand only shrinks by our own emissions, all on this thread: the check stays true.
      if (sink.requestedFromDownstream() == 0) {
        // As Reactor's Flux.interval: a tick that cannot be emitted ends the stream.
        sink.error(Exceptions.failWithOverflow("Could not emit tick " + count + " due to lack of requests"
            + " (interval doesn't support small downstream requests that replenish slower than the ticks)"));
        return;
      }
      long tick = count++;
      AdapterSupport.inContext(view, () -> sink.next(tick));
      if (!disposed) {
        // Fixed rate on the loop's clock: deadlines are computed from the start, never from now,
        // so ticks do not drift; a loop that fell behind runs the late ticks back to back.
        schedule(first + count * period);
      }
    }
  }

  // ------------------------------------------------------------------ signals

  /**
   * Emits {@code name} each time the process receives the signal, through {@link
   * EventLoop#addSignalHandler}; disposal removes the handler.
   *
   * @param loop the loop
   * @param name the signal's name
   * @return the Flux
   */
  public static Flux<String> signals(EventLoop loop, String name) {
    return Flux.create(sink -> {
      ContextView view = sink.contextView();
      loop.addSignalHandler(name, () -> AdapterSupport.inContext(view, () -> sink.next(name)));
      sink.onDispose(() -> AdapterSupport.onLoopQuietly(loop, () -> loop.removeSignalHandler(name)));
    }, FluxSink.OverflowStrategy.LATEST);
  }

  // ------------------------------------------------------------------ readable

  /**
   * Emits {@code channel} each time it is readable, with a reader registered only while there is
   * demand.
   *
   * @param loop the loop
   * @param channel the channel
   * @return the Flux
   */
  public static Flux<SelectableChannel> readable(EventLoop loop, SelectableChannel channel) {
    return Flux.create(sink -> new Reader(loop, channel, sink).start(), FluxSink.OverflowStrategy.ERROR);
  }

  /** One subscription of {@link #readable}. Fields are loop-thread only but {@code scheduled}. */
  private static final class Reader implements Runnable {
    private final EventLoop loop;
    private final SelectableChannel channel;
    private final FluxSink<SelectableChannel> sink;
    private final ContextView view;
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Runnable update = this::update;
    private boolean registered;
    private boolean disposed;

    Reader(EventLoop loop, SelectableChannel channel, FluxSink<SelectableChannel> sink) {
      this.loop = loop;
      this.channel = channel;
      this.sink = sink;
      this.view = sink.contextView();
    }

    void start() {
      sink.onDispose(() -> AdapterSupport.onLoopQuietly(loop, () -> {
        disposed = true;
        unregister();
      }));
      // Demand arrives on any thread; registering is the loop's business. Coalesced: one pending
      // update at a time, and the update reads the demand afresh.
      sink.onRequest(n -> {
        if (scheduled.compareAndSet(false, true)) {
          try {
            loop.execute(update);
          } catch (RejectedExecutionException closed) {
            sink.error(closed);
          }
        }
      });
    }

    private void update() {
      // Cleared before the demand is read, as in ReceivePump.drain: a later request schedules
      // another update, an earlier one is already in requestedFromDownstream.
      scheduled.set(false);
      if (disposed || registered || sink.requestedFromDownstream() == 0) {
        return;
      }
      try {
        loop.addReader(channel, this);
        registered = true;
      } catch (RuntimeException e) {
        sink.error(e);
      }
    }

    @Override
    public void run() {
      if (disposed) {
        return;
      }
      if (sink.requestedFromDownstream() > 0) {
        AdapterSupport.inContext(view, () -> sink.next(channel));
      }
      // No demand left: stop watching, or a level-triggered selector would wake the loop for a
      // channel nobody reads. The next request registers the reader again.
      if (!disposed && sink.requestedFromDownstream() == 0) {
        unregister();
      }
    }

    private void unregister() {
      if (registered) {
        registered = false;
        loop.removeReader(channel);
      }
    }
  }
}
