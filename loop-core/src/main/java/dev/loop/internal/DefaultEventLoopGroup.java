package dev.loop.internal;

import dev.loop.EventLoop;
import dev.loop.EventLoopGroup;
import dev.loop.LoopFuture;
import dev.loop.Server;
import dev.loop.internal.net.StreamServer;
import dev.loop.net.Protocol;
import dev.loop.net.ServerOptions;
import java.util.function.Supplier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * N selector loops, each run by its own thread until the group shuts down. A loop that a user
 * stops is simply run again; only {@link #shutdownGracefully()} ends a loop's thread.
 */
public final class DefaultEventLoopGroup implements EventLoopGroup {

  private static final System.Logger LOG = System.getLogger("dev.loop");
  private static final AtomicInteger GROUPS = new AtomicInteger();

  /** The executor timeout of {@link #shutdownGracefully()}, as Netty's default of two seconds. */
  static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(2);

  private final List<EventLoop> loops;
  private final List<Thread> threads;
  private final AtomicInteger nextIndex = new AtomicInteger();
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();
  private final AtomicInteger running;
  private volatile @Nullable CompletableFuture<Void> shutdown;

  private DefaultEventLoopGroup(int nThreads, ThreadFactory threadFactory) {
    List<EventLoop> made = new ArrayList<>(nThreads);
    List<Thread> loopThreads = new ArrayList<>(nThreads);
    running = new AtomicInteger(nThreads);
    CountDownLatch started = new CountDownLatch(nThreads);
    for (int i = 0; i < nThreads; i++) {
      SelectorEventLoop loop = new SelectorEventLoop();
      loop.callSoon(started::countDown);
      made.add(loop);
      Thread thread = threadFactory.newThread(() -> runLoop(loop));
      loopThreads.add(thread);
    }
    loops = List.copyOf(made);
    threads = List.copyOf(loopThreads);
    threads.forEach(Thread::start);
    try {
      started.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * A running group.
   *
   * @param nThreads how many loops
   * @param threadFactory makes the threads, or null for daemon threads named {@code loop-G-I}
   * @return the group
   */
  public static EventLoopGroup create(int nThreads, @Nullable ThreadFactory threadFactory) {
    if (nThreads < 1) {
      throw new IllegalArgumentException("nThreads must be at least 1: " + nThreads);
    }
    ThreadFactory factory = threadFactory != null ? threadFactory : defaultThreadFactory();
    return new DefaultEventLoopGroup(nThreads, factory);
  }

  private static ThreadFactory defaultThreadFactory() {
    int group = GROUPS.incrementAndGet();
    AtomicInteger index = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "loop-" + group + "-" + index.getAndIncrement());
      t.setDaemon(true);
      return t;
    };
  }

  private void runLoop(EventLoop loop) {
    try {
      while (!loop.isClosed()) {
        loop.runForever();
      }
    } catch (Throwable t) {
      LOG.log(System.Logger.Level.ERROR, "Loop thread " + Thread.currentThread().getName() + " failed", t);
      try {
        loop.close();
      } catch (RuntimeException ignored) {
        // still running elsewhere: cannot happen, the thread that ran it is this one
      }
    } finally {
      if (running.decrementAndGet() == 0) {
        // This thread is the last one, and still alive: the group is terminated only once every
        // loop thread has ended, which another thread has to see.
        Thread reaper = new Thread(this::awaitThreads, "loop-group-terminator");
        reaper.setDaemon(true);
        reaper.start();
      }
    }
  }

  private void awaitThreads() {
    try {
      for (Thread thread : threads) {
        thread.join();
      }
      terminated.complete(null);
    } catch (InterruptedException e) {
      terminated.completeExceptionally(e);
    }
  }

  @Override
  public EventLoop next() {
    return loops.get(Math.floorMod(nextIndex.getAndIncrement(), loops.size()));
  }

  @Override
  public List<EventLoop> loops() {
    return loops;
  }

  @Override
  public LoopFuture<Server> createServer(
      Supplier<? extends Protocol> protocolFactory, String host, int port, ServerOptions options) {
    Objects.requireNonNull(protocolFactory, "protocolFactory");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(options, "options");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be between 0 and 65535: " + port);
    }
    BaseEventLoop first = (BaseEventLoop) loops.get(0);
    return first.onLoop(f -> StreamServer.listenTcp(first, this, protocolFactory, host, port, options, f));
  }

  @Override
  public void execute(Runnable command) {
    Objects.requireNonNull(command, "command");
    if (shutdown != null) {
      throw new RejectedExecutionException("the event loop group is shutting down");
    }
    next().execute(command);
  }

  @Override
  public CompletionStage<Void> shutdownGracefully() {
    return shutdownGracefully(Duration.ZERO, DEFAULT_SHUTDOWN_TIMEOUT);
  }

  @Override
  public synchronized CompletionStage<Void> shutdownGracefully(Duration quietPeriod, Duration timeout) {
    Objects.requireNonNull(quietPeriod, "quietPeriod");
    Objects.requireNonNull(timeout, "timeout");
    if (quietPeriod.isNegative() || timeout.isNegative()) {
      throw new IllegalArgumentException(
          "quietPeriod and timeout must not be negative: " + quietPeriod + ", " + timeout);
    }
    CompletableFuture<Void> stage = shutdown;
    if (stage != null) {
      return stage;
    }
    for (EventLoop loop : loops) {
      loop.shutdown(quietPeriod, timeout);
    }
    shutdown = terminated;
    return terminated;
  }

  @Override
  public boolean isShuttingDown() {
    return shutdown != null;
  }

  @Override
  public boolean isTerminated() {
    return terminated.isDone();
  }

  @Override
  public void close() {
    for (EventLoop loop : loops) {
      if (loop.inEventLoop()) {
        throw new IllegalStateException("close() on a loop thread of the group would wait for itself");
      }
    }
    shutdownGracefully().toCompletableFuture().join();
  }

  @Override
  public String toString() {
    return "EventLoopGroup[" + loops.size() + " loops" + (isTerminated() ? ", terminated" : "") + "]";
  }
}
