package dev.loop;

import dev.loop.internal.DefaultEventLoopGroup;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.function.Supplier;
import dev.loop.net.Protocol;
import dev.loop.net.ServerOptions;

/**
 * N event loops, each running on its own thread, as Netty's {@code EventLoopGroup}: how one process
 * uses every core.
 *
 * <p>The loops start running at once and run until {@link #shutdownGracefully()}. {@link #next()}
 * picks loops round-robin; {@link #execute(Runnable)} runs on the next loop. All methods may be
 * called from any thread.
 */
public interface EventLoopGroup extends Executor, AutoCloseable {

  /**
   * A group of {@code nThreads} loops on daemon threads named {@code loop-G-I}.
   *
   * @param nThreads how many loops, at least 1
   * @return the running group
   * @throws IllegalArgumentException if {@code nThreads} is below 1
   */
  static EventLoopGroup create(int nThreads) {
    return DefaultEventLoopGroup.create(nThreads, null);
  }

  /**
   * A group of {@code nThreads} loops on threads made by {@code threadFactory} (the Reactor and
   * RxJava bridges use this to mark loop threads non-blocking).
   *
   * @param nThreads how many loops, at least 1
   * @param threadFactory makes each loop's thread
   * @return the running group
   * @throws IllegalArgumentException if {@code nThreads} is below 1
   * @throws NullPointerException if {@code threadFactory} is null
   */
  static EventLoopGroup create(int nThreads, ThreadFactory threadFactory) {
    return DefaultEventLoopGroup.create(nThreads, Objects.requireNonNull(threadFactory, "threadFactory"));
  }

  /**
   * The next loop, round-robin.
   *
   * @return a loop of this group
   */
  EventLoop next();

  /**
   * Every loop of the group, in a fixed order.
   *
   * @return an unmodifiable list
   */
  List<EventLoop> loops();

  /**
   * Listens on {@code host}:{@code port} for the whole group: one listener on the first loop that
   * hands accepted connections to the group's loops round-robin, or, with {@link
   * ServerOptions#reusePort()}, one listener per loop (SO_REUSEPORT) so that the kernel spreads
   * connections. Each connection lives on one loop from then on.
   *
   * @param protocolFactory makes each connection's protocol (called on the connection's loop)
   * @param host the host or address to bind
   * @param port the port, 0 to 65535 (0 picks a free port, shared by every listener)
   * @param options the options
   * @return the server, a future of the group's first loop
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code port} is out of range
   */
  LoopFuture<Server> createServer(
      Supplier<? extends Protocol> protocolFactory, String host, int port, ServerOptions options);

  /**
   * Runs {@code command} on the {@link #next()} loop.
   *
   * @param command what to run
   * @throws NullPointerException if {@code command} is null
   * @throws java.util.concurrent.RejectedExecutionException if the group is shut down
   */
  @Override
  void execute(Runnable command);

  /**
   * Shuts every loop down gracefully ({@link EventLoop#shutdown(Duration)} with a 2-second executor
   * timeout) and ends their threads.
   *
   * @return completes when every loop is closed and its thread has ended
   */
  CompletionStage<Void> shutdownGracefully();

  /**
   * Shuts every loop down gracefully, waiting for a quiet period first as {@link
   * EventLoop#shutdown(Duration, Duration)}.
   *
   * @param quietPeriod how long each loop must be idle before it closes (zero for none)
   * @param timeout the most the shutdown may take
   * @return completes when every loop is closed and its thread has ended
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if an argument is negative
   */
  CompletionStage<Void> shutdownGracefully(Duration quietPeriod, Duration timeout);

  /**
   * Tells whether {@code shutdownGracefully} was called.
   *
   * @return true once shutting down
   */
  boolean isShuttingDown();

  /**
   * Tells whether every loop is closed and its thread has ended.
   *
   * @return true once terminated
   */
  boolean isTerminated();

  /**
   * Shuts down gracefully and waits for it.
   */
  @Override
  void close();
}
