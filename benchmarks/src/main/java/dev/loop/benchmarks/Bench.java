package dev.loop.benchmarks;

import dev.loop.EventLoop;
import dev.loop.Loops;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** What every benchmark shares: starting and stopping the loops, and waiting without allocating. */
final class Bench {

  /** Callbacks per batch in the loop-thread benchmarks, and the producers' backlog window. */
  static final int BATCH = 1000;

  /** The callback the loop-thread benchmarks schedule. */
  static final Runnable NOOP = new Runnable() {
    @Override
    public void run() {}

    @Override
    public String toString() {
      return "noop";
    }
  };

  private Bench() {}

  /**
   * A Loop running {@code runForever()} on a thread of its own, as a Netty event loop runs on its
   * thread: the same set-up for both.
   */
  static final class LoopThread {
    final EventLoop loop;
    final Thread thread;

    LoopThread(String name) throws InterruptedException {
      loop = Loops.newEventLoop();
      CountDownLatch running = new CountDownLatch(1);
      thread = new Thread(() -> {
        loop.callSoon(running::countDown);
        loop.runForever();
      }, name);
      thread.setDaemon(true);
      thread.start();
      if (!running.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("Loop did not start running");
      }
    }

    void close() throws InterruptedException {
      loop.stop();
      thread.join(TimeUnit.SECONDS.toMillis(10));
      if (thread.isAlive()) {
        throw new IllegalStateException("Loop thread did not stop: " + thread);
      }
      loop.close();
    }
  }

  /** One Netty NIO event loop (Netty 4.2's {@code MultiThreadIoEventLoopGroup} of one thread). */
  static final class NettyThread {
    final IoEventLoopGroup group;
    final io.netty.channel.EventLoop loop;

    NettyThread() {
      group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
      loop = group.next();
      loop.submit(NOOP).syncUninterruptibly(); // the thread is started and running
    }

    void close() {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  /**
   * A counter that the consumer (one thread) bumps and a waiter spins on: a reusable completion
   * signal that allocates nothing.
   */
  static final class Signal implements Runnable {
    private static final VarHandle COUNT;

    static {
      try {
        COUNT = MethodHandles.lookup().findVarHandle(Signal.class, "count", long.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    @SuppressWarnings("unused") // through COUNT
    private volatile long count;

    /** Bumps the count; called by one thread only. */
    @Override
    public void run() {
      COUNT.setRelease(this, (long) COUNT.getOpaque(this) + 1);
    }

    long get() {
      return (long) COUNT.getAcquire(this);
    }

    /**
     * Waits until the count reaches {@code target}: the waiter spins (one core for it, one for the
     * loop) for about a millisecond before it starts yielding, so that it notices the end of a batch
     * at once instead of after the OS gives it a core back.
     */
    void awaitAtLeast(long target) {
      int spins = 0;
      while (get() < target) {
        if (++spins < LONG_SPINS) {
          Thread.onSpinWait();
        } else {
          Thread.yield();
        }
      }
    }
  }

  /** How long a lone waiter spins before it yields (a PAUSE is some tens of ns). */
  static final int LONG_SPINS = 1 << 15;

  /**
   * The producers' wait: spin briefly, then give the (2-core) machine to the other threads, so that
   * two producers and a consumer on two cores still let the consumer run.
   */
  static void backOff(int spins) {
    if (spins < 200) {
      Thread.onSpinWait();
    } else {
      Thread.yield();
    }
  }
}
