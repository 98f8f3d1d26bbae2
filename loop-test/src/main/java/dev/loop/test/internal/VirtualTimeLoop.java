package dev.loop.test.internal;

import dev.loop.test.TestLoop;
import dev.loop.test.VirtualClock;
import dev.loop.internal.BaseEventLoop;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongConsumer;

/**
 * The virtual-time loop: the base loop with a poller that, instead of waiting, moves the clock to
 * the deadline it was asked to wait for. With nothing to wait for at all it really blocks, until
 * another thread schedules something.
 */
public final class VirtualTimeLoop extends BaseEventLoop implements TestLoop {

  private final Clock clock;

  /** Guards {@link #woken}, the poller's wake-up flag. */
  private final Object monitor = new Object();
  private boolean woken;

  /** While true, an iteration that would wait stops the loop instead: used by runUntilIdle. */
  private boolean stopWhenIdle;

  /** Makes a loop at time zero. */
  public VirtualTimeLoop() {
    this(new Clock());
  }

  private VirtualTimeLoop(Clock clock) {
    super(clock);
    this.clock = clock;
  }

  @Override
  public VirtualClock clock() {
    return clock;
  }

  @Override
  protected void poll(long timeoutNanos) throws java.io.IOException {
    if (timeoutNanos == 0) {
      return;
    }
    if (stopWhenIdle) {
      stop();
      return;
    }
    if (timeoutNanos > 0) {
      clock.advanceBy(timeoutNanos);
      return;
    }
    synchronized (monitor) {
      while (!woken) {
        try {
          monitor.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      woken = false;
    }
  }

  @Override
  protected boolean spinsBeforeBlocking() {
    return false; // the virtual clock jumps instead of waiting
  }

  @Override
  protected void wakeupPoller() {
    synchronized (monitor) {
      woken = true;
      monitor.notifyAll();
    }
  }

  @Override
  protected void closePoller() {}

  @Override
  public void advance(Duration delta) {
    Objects.requireNonNull(delta, "delta");
    if (delta.isNegative()) {
      throw new IllegalArgumentException("delta must not be negative: " + delta);
    }
    if (inEventLoop()) {
      clock.advanceBy(delta.toNanos());
      return;
    }
    checkRunnable();
    long target = clock.nanoTime() + delta.toNanos();
    // Run in virtual time until the target: the poller jumps from timer to timer, and this timer,
    // scheduled last, runs after every other timer due at the target. A callback that stops the
    // loop on the way does not end the advance: the loop simply runs on.
    boolean[] reached = {false};
    dev.loop.TimerHandle stopper = callAt(target, () -> {
      reached[0] = true;
      stop();
    });
    try {
      while (!reached[0]) {
        runForever();
      }
    } finally {
      stopper.cancel();
    }
    runUntilIdle();
  }

  @Override
  public void runUntilIdle() {
    if (inEventLoop()) {
      return; // the loop itself is running: it is never idle inside a callback
    }
    checkRunnable();
    stopWhenIdle = true;
    try {
      runForever();
    } finally {
      stopWhenIdle = false;
    }
  }

  private void checkRunnable() {
    if (isClosed()) {
      throw new IllegalStateException("Event loop is closed");
    }
    if (isRunning()) {
      throw new IllegalStateException("the test loop is running on another thread");
    }
  }

  @Override
  public int timerHeapSize() {
    if (isRunning() && !inEventLoop()) {
      throw new IllegalStateException("the test loop is running on another thread");
    }
    return super.timerHeapSize();
  }

  /** The virtual clock: a volatile counter moved by the loop thread. */
  static final class Clock implements VirtualClock {
    private volatile long now;
    private final CopyOnWriteArrayList<LongConsumer> listeners = new CopyOnWriteArrayList<>();

    @Override
    public long nanoTime() {
      return now;
    }

    void advanceBy(long nanos) {
      long t = now + nanos;
      if (t < now) {
        t = Long.MAX_VALUE;
      }
      now = t;
      for (LongConsumer listener : listeners) {
        listener.accept(t);
      }
    }

    @Override
    public void addListener(LongConsumer listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public boolean removeListener(LongConsumer listener) {
      return listeners.remove(Objects.requireNonNull(listener, "listener"));
    }
  }
}
