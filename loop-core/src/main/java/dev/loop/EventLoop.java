package dev.loop;

import dev.loop.net.ConnectOptions;
import dev.loop.net.Connection;
import dev.loop.net.Datagram;
import dev.loop.net.DatagramEndpoint;
import dev.loop.net.DatagramOptions;
import dev.loop.net.DatagramProtocol;
import dev.loop.net.Protocol;
import dev.loop.net.ServerOptions;
import dev.loop.net.TlsOptions;
import dev.loop.net.Transport;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * One thread, one selector, a queue of ready callbacks and a heap of timers: asyncio's
 * {@code AbstractEventLoop}.
 *
 * <p>Make one with {@link Loops#newEventLoop()} and run it with {@link #runForever()} or {@link
 * #runUntilComplete(CompletionStage)}, or get loops already running on their own threads from an
 * {@link EventLoopGroup}. The thread that runs the loop is the <em>loop thread</em>; everything the
 * loop calls back (callbacks, timers, done callbacks, task bodies) runs there, one at a time.
 *
 * <p>Each iteration runs the callbacks that were ready when it began; callbacks scheduled during an
 * iteration run in the next one. Callbacks scheduled from one thread run in the order they were
 * scheduled; timers run in deadline order, ties in scheduling order; a cancelled handle never runs.
 * A callback that throws never stops the loop: the exception goes to {@link
 * #callExceptionHandler(ExceptionContext)} and the loop goes on.
 *
 * <p>Threads: the {@code callSoon*}, {@code callLater}/{@code callAt}, {@code execute}, {@code stop},
 * {@code runInExecutor} and {@code shutdown} methods may be called from any thread as each says;
 * {@link #callSoon(Runnable)} only from the loop thread while the loop runs, as in asyncio.
 */
public interface EventLoop extends Executor, AutoCloseable {

  // ---------------------------------------------------------------- running and stopping

  /**
   * Runs the loop on the calling thread until {@link #stop()} is called. asyncio:
   * {@code run_forever()}. If {@code stop()} was called before, runs one iteration and returns.
   *
   * @throws IllegalStateException if the loop is closed, already running, or another loop is running
   *     on this thread
   */
  void runForever();

  /**
   * Runs the loop on the calling thread until {@code future} is done, and returns its result.
   * asyncio: {@code run_until_complete()}.
   *
   * @param future the stage to wait for; a {@link LoopFuture} must belong to this loop
   * @param <T> the result type
   * @return the result
   * @throws NullPointerException if {@code future} is null
   * @throws IllegalArgumentException if {@code future} is a {@link LoopFuture} of another loop
   * @throws IllegalStateException as {@link #runForever()}, or if the loop was stopped before the
   *     future completed
   * @throws CancellationException if the future was cancelled
   * @throws RuntimeException the future's failure itself when unchecked (an {@link Error} likewise)
   * @throws CompletionException wrapping the failure when it is checked
   */
  <T> @Nullable T runUntilComplete(CompletionStage<T> future);

  /**
   * Asks the loop to stop: the current iteration finishes, then {@code runForever} returns. May be
   * called from any thread; wakes the loop. asyncio: {@code stop()}.
   */
  void stop();

  /**
   * Tells whether a thread is running the loop now. asyncio: {@code is_running()}.
   *
   * @return true while {@code runForever} or {@code runUntilComplete} is executing
   */
  boolean isRunning();

  /**
   * Tells whether the loop was closed. asyncio: {@code is_closed()}.
   *
   * @return true after {@link #close()}
   */
  boolean isClosed();

  /**
   * Tells whether the calling thread is the thread running this loop (Netty's
   * {@code inEventLoop()}).
   *
   * @return true on the loop thread while the loop runs
   */
  boolean inEventLoop();

  /**
   * Closes the loop: drops pending callbacks and timers, shuts down the default executor the loop
   * made (without waiting), and releases the selector. Closing twice does nothing. asyncio:
   * {@code close()}.
   *
   * @throws IllegalStateException if the loop is running
   */
  @Override
  void close();

  /**
   * One graceful shutdown, with no quiet period: cancels pending timers and tasks, lets what is
   * already ready run, shuts down the default executor the loop made (waiting up to {@code timeout}),
   * stops the loop and closes it. May be called from any thread; calling it again returns the same
   * stage. If the loop is not running, the calling thread runs it through the shutdown.
   *
   * @param timeout how long the executor may take to finish its work
   * @return completes once the loop is closed
   * @throws NullPointerException if {@code timeout} is null
   * @throws IllegalArgumentException if {@code timeout} is negative
   */
  CompletionStage<Void> shutdown(Duration timeout);

  /**
   * Like {@link #shutdown(Duration)}, but before closing also waits until no callback has run for
   * {@code quietPeriod} (or {@code timeout} has passed), as Netty's {@code shutdownGracefully} does.
   *
   * @param quietPeriod how long the loop must be idle before it closes
   * @param timeout the most the whole shutdown may take
   * @return completes once the loop is closed
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if an argument is negative
   */
  CompletionStage<Void> shutdown(Duration quietPeriod, Duration timeout);

  /**
   * Adds a step to this loop's graceful {@link #shutdown(Duration) shutdown}: when a shutdown
   * begins, {@code hook} is called on the loop thread and the loop closes only after the stage it
   * returns is done (or the shutdown's timeout passed). Bridges use it to dispose their schedulers
   * with the loop; a hook that throws goes to the exception handler and the shutdown goes on. Any
   * thread may call it. Beyond asyncio, whose {@code shutdown_*} steps are fixed.
   *
   * @param hook returns a stage that completes when its part of the shutdown is done
   * @throws NullPointerException if {@code hook} is null
   */
  void addShutdownHook(java.util.function.Supplier<? extends CompletionStage<?>> hook);

  /**
   * Removes a hook added with {@link #addShutdownHook(java.util.function.Supplier)} (compared by
   * identity). Any thread may call it.
   *
   * @param hook the hook
   * @return true if it was registered
   * @throws NullPointerException if {@code hook} is null
   */
  boolean removeShutdownHook(java.util.function.Supplier<? extends CompletionStage<?>> hook);

  // ---------------------------------------------------------------- callbacks

  /**
   * Schedules {@code callback} to run in the next iteration, in the current context. asyncio:
   * {@code call_soon()}. Allocates only the handle and takes no lock or atomic operation.
   *
   * @param callback what to run
   * @return a handle that can cancel it
   * @throws NullPointerException if {@code callback} is null
   * @throws IllegalStateException if the loop is closed, or if called from a thread other than the
   *     loop thread while the loop runs (use {@link #callSoonThreadsafe(Runnable)})
   */
  Handle callSoon(Runnable callback);

  /**
   * Like {@link #callSoon(Runnable)}, running the callback in {@code context}.
   *
   * @param callback what to run
   * @param context the context to run it in
   * @return a handle that can cancel it
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException as {@link #callSoon(Runnable)}
   */
  Handle callSoon(Runnable callback, LoopContext context);

  /**
   * Schedules {@code callback} from any thread and wakes the loop if it is blocked waiting. asyncio:
   * {@code call_soon_threadsafe()}.
   *
   * @param callback what to run
   * @return a handle that can cancel it
   * @throws NullPointerException if {@code callback} is null
   * @throws IllegalStateException if the loop is closed
   */
  Handle callSoonThreadsafe(Runnable callback);

  /**
   * Like {@link #callSoonThreadsafe(Runnable)}, running the callback in {@code context}.
   *
   * @param callback what to run
   * @param context the context to run it in
   * @return a handle that can cancel it
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if the loop is closed
   */
  Handle callSoonThreadsafe(Runnable callback, LoopContext context);

  /**
   * {@link #callSoonThreadsafe(Runnable)} without a handle, as {@link Executor} asks.
   *
   * @param command what to run
   * @throws NullPointerException if {@code command} is null
   * @throws RejectedExecutionException if the loop is closed
   */
  @Override
  void execute(Runnable command);

  // ---------------------------------------------------------------- timers

  /**
   * Schedules {@code callback} after {@code delay}, in the current context. A zero or negative delay
   * runs it as soon as possible. May be called from any thread. asyncio: {@code call_later()}.
   *
   * @param delay how long from now
   * @param callback what to run
   * @return a handle that can cancel it
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if the loop is closed
   */
  TimerHandle callLater(Duration delay, Runnable callback);

  /**
   * Like {@link #callLater(Duration, Runnable)}, with the delay in {@code unit}s.
   *
   * @param delay how long from now, in {@code unit}
   * @param unit the unit of {@code delay}
   * @param callback what to run
   * @return a handle that can cancel it
   * @throws NullPointerException if {@code unit} or {@code callback} is null
   * @throws IllegalStateException if the loop is closed
   */
  TimerHandle callLater(long delay, TimeUnit unit, Runnable callback);

  /**
   * Schedules {@code callback} at {@code whenNanos} on the loop's clock, in the current context. May
   * be called from any thread. asyncio: {@code call_at()}.
   *
   * @param whenNanos the deadline, comparable with {@link #time()}
   * @param callback what to run
   * @return a handle that can cancel it
   * @throws NullPointerException if {@code callback} is null
   * @throws IllegalStateException if the loop is closed
   */
  TimerHandle callAt(long whenNanos, Runnable callback);

  /**
   * Like {@link #callAt(long, Runnable)}, running the callback in {@code context}.
   *
   * @param whenNanos the deadline, comparable with {@link #time()}
   * @param callback what to run
   * @param context the context to run it in
   * @return a handle that can cancel it
   * @throws NullPointerException if {@code callback} or {@code context} is null
   * @throws IllegalStateException if the loop is closed
   */
  TimerHandle callAt(long whenNanos, Runnable callback, LoopContext context);

  /**
   * The loop's time. asyncio: {@code time()}.
   *
   * @return nanoseconds on the loop's monotonic clock
   */
  long time();

  /**
   * The clock {@link #time()} reads.
   *
   * @return the loop's clock
   */
  LoopClock clock();

  // ---------------------------------------------------------------- futures and tasks

  /**
   * A new pending future of this loop. asyncio: {@code create_future()}.
   *
   * @param <T> the result type
   * @return the future
   */
  <T> LoopFuture<T> createFuture();

  /**
   * Schedules {@code body} as a task, through the task factory if one is set. asyncio:
   * {@code create_task()}. Threads as {@link #callSoon(Runnable)}.
   *
   * @param body called once on the loop thread; the task completes as its stage does
   * @param <T> the result type
   * @return the task
   * @throws NullPointerException if {@code body} is null
   * @throws IllegalStateException as {@link #callSoon(Runnable)}
   */
  <T> LoopTask<T> createTask(Supplier<? extends CompletionStage<T>> body);

  /**
   * Sets the factory {@link #createTask(Supplier)} uses. asyncio: {@code set_task_factory()}.
   *
   * @param factory the factory, or null for the loop's own tasks
   */
  void setTaskFactory(@Nullable TaskFactory factory);

  /**
   * The task factory. asyncio: {@code get_task_factory()}.
   *
   * @return the factory, or null when the loop makes its own tasks
   */
  @Nullable TaskFactory getTaskFactory();

  // ---------------------------------------------------------------- executor

  /**
   * Runs {@code fn} on {@code executor} (or the default executor when null) and returns a future of
   * this loop for its result. Cancelling the future cancels (and interrupts) the call. May be called
   * from any thread. asyncio: {@code run_in_executor()}.
   *
   * @param executor where to run, or null for the default executor, made on first use
   * @param fn what to call
   * @param <T> the result type
   * @return a future completed with {@code fn}'s result or failure
   * @throws NullPointerException if {@code fn} is null
   * @throws IllegalStateException if the loop is closed, or the default executor was shut down
   * @throws RejectedExecutionException if {@code executor} rejects the call
   */
  <T> LoopFuture<T> runInExecutor(@Nullable Executor executor, Callable<T> fn);

  /**
   * Sets the default executor of {@link #runInExecutor(Executor, Callable)}. The loop never shuts
   * down an executor it did not make. asyncio: {@code set_default_executor()}.
   *
   * @param executor the executor
   * @throws NullPointerException if {@code executor} is null
   */
  void setDefaultExecutor(Executor executor);

  /**
   * Shuts down the default executor the loop made, if any, and completes when its threads have
   * finished. Later calls to {@code runInExecutor(null, …)} fail. asyncio:
   * {@code shutdown_default_executor()}.
   *
   * @return completes once the executor has terminated
   */
  LoopFuture<Void> shutdownDefaultExecutor();

  // ---------------------------------------------------------------- I/O
  // The I/O methods may be called from any thread: the work happens on the loop thread, and the
  // returned future completes there. The virtual-time loop of loop-test does no I/O: these throw
  // UnsupportedOperationException on it.

  /**
   * Calls {@code callback} on the loop whenever {@code channel} is readable, until removed. The
   * channel is made non-blocking. asyncio: {@code add_reader()}.
   *
   * @param channel the channel to watch
   * @param callback what to run when it is readable
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if the loop is closed, or a transport of the loop owns the channel
   */
  void addReader(SelectableChannel channel, Runnable callback);

  /**
   * Stops watching {@code channel} for reading. asyncio: {@code remove_reader()}.
   *
   * @param channel the channel
   * @return true if a reader was registered (false when called off the loop thread: the removal
   *     then happens on the loop)
   * @throws NullPointerException if {@code channel} is null
   */
  boolean removeReader(SelectableChannel channel);

  /**
   * Calls {@code callback} on the loop whenever {@code channel} is writable, until removed. asyncio:
   * {@code add_writer()}.
   *
   * @param channel the channel to watch
   * @param callback what to run when it is writable
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if the loop is closed, or a transport of the loop owns the channel
   */
  void addWriter(SelectableChannel channel, Runnable callback);

  /**
   * Stops watching {@code channel} for writing. asyncio: {@code remove_writer()}.
   *
   * @param channel the channel
   * @return true if a writer was registered (false when called off the loop thread)
   * @throws NullPointerException if {@code channel} is null
   */
  boolean removeWriter(SelectableChannel channel);

  /**
   * Reads up to {@code maxBytes} from {@code channel}. asyncio: {@code sock_recv()}.
   *
   * @param channel a connected socket channel
   * @param maxBytes the most to read, at least 1
   * @return the bytes read, in a new buffer ready to read; empty at EOF
   * @throws NullPointerException if {@code channel} is null
   * @throws IllegalArgumentException if {@code maxBytes} is below 1
   */
  LoopFuture<ByteBuffer> sockRecv(SocketChannel channel, int maxBytes);

  /**
   * Reads into {@code buffer}. asyncio: {@code sock_recv_into()}.
   *
   * @param channel a connected socket channel
   * @param buffer where to read, at its position; must have room
   * @return how many bytes were read; 0 at EOF
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code buffer} has no room
   */
  LoopFuture<Integer> sockRecvInto(SocketChannel channel, ByteBuffer buffer);

  /**
   * Sends every remaining byte of {@code data}. asyncio: {@code sock_sendall()}.
   *
   * @param channel a connected socket channel
   * @param data the bytes; consumed as they are sent
   * @return completes when all is sent
   * @throws NullPointerException if an argument is null
   */
  LoopFuture<Void> sockSendall(SocketChannel channel, ByteBuffer data);

  /**
   * Connects {@code channel}. asyncio: {@code sock_connect()}.
   *
   * @param channel an unconnected socket channel
   * @param address where to connect
   * @return completes when connected; fails with the connect error
   * @throws NullPointerException if an argument is null
   */
  LoopFuture<Void> sockConnect(SocketChannel channel, SocketAddress address);

  /**
   * Accepts one connection. asyncio: {@code sock_accept()}.
   *
   * @param channel a bound, listening server channel
   * @return the accepted channel, non-blocking
   * @throws NullPointerException if {@code channel} is null
   */
  LoopFuture<SocketChannel> sockAccept(ServerSocketChannel channel);

  /**
   * Receives one datagram of at most {@code maxBytes}. asyncio: {@code sock_recvfrom()}.
   *
   * @param channel a bound datagram channel
   * @param maxBytes the most to receive, at least 1
   * @return the datagram and its sender
   * @throws NullPointerException if {@code channel} is null
   * @throws IllegalArgumentException if {@code maxBytes} is below 1
   */
  LoopFuture<Datagram> sockRecvfrom(DatagramChannel channel, int maxBytes);

  /**
   * Sends one datagram. asyncio: {@code sock_sendto()}.
   *
   * @param channel a datagram channel
   * @param data the datagram
   * @param target where to send it
   * @return how many bytes were sent
   * @throws NullPointerException if an argument is null
   */
  LoopFuture<Integer> sockSendto(DatagramChannel channel, ByteBuffer data, SocketAddress target);

  /**
   * Sends {@code count} bytes of {@code file} from {@code offset}, zero-copy where the system
   * allows. asyncio: {@code sock_sendfile()}.
   *
   * @param channel a connected socket channel
   * @param file the file
   * @param offset where to start in the file
   * @param count how many bytes, or -1 for up to the end of the file
   * @return how many bytes were sent
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code offset} is negative or {@code count} below -1
   */
  LoopFuture<Long> sockSendfile(SocketChannel channel, FileChannel file, long offset, long count);

  /**
   * Connects to {@code host}:{@code port} over TCP and makes the protocol. Addresses are tried in
   * the order the resolver gives them, each after the previous failed. asyncio:
   * {@code create_connection()}.
   *
   * @param protocolFactory makes the connection's protocol
   * @param host a host name or literal address
   * @param port the port, 0 to 65535
   * @param <P> the protocol type
   * @return the connection once made; fails with the last connect error, or on timeout
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code port} is out of range
   */
  <P extends Protocol> LoopFuture<Connection<P>> createConnection(
      Supplier<P> protocolFactory, String host, int port);

  /**
   * Like {@link #createConnection(Supplier, String, int)}, with options (TLS, timeouts, local
   * address).
   *
   * @param protocolFactory makes the connection's protocol
   * @param host a host name or literal address
   * @param port the port
   * @param options the options
   * @param <P> the protocol type
   * @return the connection once made (and, with TLS, once the handshake is done)
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code port} is out of range
   */
  <P extends Protocol> LoopFuture<Connection<P>> createConnection(
      Supplier<P> protocolFactory, String host, int port, ConnectOptions options);

  /**
   * Listens on {@code host}:{@code port} (port 0 picks a free one) and makes a protocol for every
   * accepted connection. asyncio: {@code create_server()}.
   *
   * @param protocolFactory makes each connection's protocol
   * @param host the host or address to bind
   * @param port the port, 0 to 65535
   * @return the server, listening
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code port} is out of range
   */
  LoopFuture<Server> createServer(Supplier<? extends Protocol> protocolFactory, String host, int port);

  /**
   * Like {@link #createServer(Supplier, String, int)}, with options.
   *
   * @param protocolFactory makes each connection's protocol
   * @param host the host or address to bind
   * @param port the port
   * @param options the options
   * @return the server; fails clearly when the address is in use
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code port} is out of range
   */
  LoopFuture<Server> createServer(
      Supplier<? extends Protocol> protocolFactory, String host, int port, ServerOptions options);

  /**
   * Connects to the Unix-domain socket at {@code path}. asyncio: {@code create_unix_connection()}.
   *
   * @param protocolFactory makes the connection's protocol
   * @param path the socket's path
   * @param <P> the protocol type
   * @return the connection
   * @throws NullPointerException if an argument is null
   */
  <P extends Protocol> LoopFuture<Connection<P>> createUnixConnection(Supplier<P> protocolFactory, Path path);

  /**
   * Listens on a Unix-domain socket at {@code path}, which must not exist; it is deleted when the
   * server closes. asyncio: {@code create_unix_server()}.
   *
   * @param protocolFactory makes each connection's protocol
   * @param path the socket's path
   * @param options the options (backlog, startServing, ssl)
   * @return the server
   * @throws NullPointerException if an argument is null
   */
  LoopFuture<Server> createUnixServer(
      Supplier<? extends Protocol> protocolFactory, Path path, ServerOptions options);

  /**
   * Wraps a socket accepted elsewhere in a transport and protocol of this loop. asyncio:
   * {@code connect_accepted_socket()}.
   *
   * @param protocolFactory makes the protocol
   * @param channel a connected socket channel
   * @param options only {@code ssl} and {@code sslHandshakeTimeout} apply
   * @param <P> the protocol type
   * @return the connection
   * @throws NullPointerException if an argument is null
   */
  <P extends Protocol> LoopFuture<Connection<P>> connectAcceptedSocket(
      Supplier<P> protocolFactory, SocketChannel channel, ServerOptions options);

  /**
   * Opens a UDP endpoint. asyncio: {@code create_datagram_endpoint()}.
   *
   * @param protocolFactory makes the endpoint's protocol
   * @param options addresses and socket options
   * @param <P> the protocol type
   * @return the endpoint
   * @throws NullPointerException if an argument is null
   */
  <P extends DatagramProtocol> LoopFuture<DatagramEndpoint<P>> createDatagramEndpoint(
      Supplier<P> protocolFactory, DatagramOptions options);

  /**
   * Upgrades a connection to TLS: the returned transport speaks TLS over {@code transport} and
   * delivers to {@code protocol}. asyncio: {@code start_tls()}.
   *
   * @param transport a plain transport of this loop
   * @param protocol the protocol that will receive the decrypted data
   * @param context the TLS context
   * @param options side, server name, timeouts
   * @return the TLS transport once the handshake is done
   * @throws NullPointerException if an argument is null
   */
  LoopFuture<Transport> startTls(Transport transport, Protocol protocol, SSLContext context, TlsOptions options);

  /**
   * Sends part of a file through a transport: zero-copy {@code FileChannel.transferTo} on a plain
   * socket, reading and writing through the transport otherwise (TLS). asyncio: {@code sendfile()}.
   *
   * @param transport the transport; nothing else may be written to it until this completes
   * @param file the file
   * @param offset where to start
   * @param count how many bytes, or -1 for up to the end of the file
   * @return how many bytes were sent
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code offset} is negative or {@code count} below -1
   */
  LoopFuture<Long> sendfile(Transport transport, FileChannel file, long offset, long count);

  /**
   * Resolves {@code host} on the default executor (name resolution blocks). asyncio:
   * {@code getaddrinfo()}.
   *
   * @param host a host name or literal address
   * @param port the port to put in each address
   * @return the addresses, in the resolver's order
   * @throws NullPointerException if {@code host} is null
   * @throws IllegalArgumentException if {@code port} is out of range
   */
  LoopFuture<List<InetSocketAddress>> getaddrinfo(String host, int port);

  /**
   * Looks up the name of {@code address} on the default executor. asyncio: {@code getnameinfo()}.
   *
   * @param address the address
   * @return the host name (the literal address when it has no name)
   * @throws NullPointerException if {@code address} is null
   */
  LoopFuture<String> getnameinfo(InetSocketAddress address);

  // ---------------------------------------------------------------- pipes, subprocesses, signals

  /**
   * Connects the read end of a {@link java.nio.channels.Pipe} to a new protocol, on the loop's
   * selector: the protocol gets {@code dataReceived}, then {@code eofReceived} and {@code
   * connectionLost} when the writer closes. The transport is read-only: its write methods throw
   * {@link UnsupportedOperationException}. asyncio: {@code connect_read_pipe()}.
   *
   * @param protocolFactory makes the protocol
   * @param pipe the pipe's source channel; the transport owns it from now on
   * @param <P> the protocol type
   * @return the transport and protocol, once connected
   * @throws NullPointerException if an argument is null
   */
  <P extends Protocol> LoopFuture<Connection<P>> connectReadPipe(
      Supplier<P> protocolFactory, java.nio.channels.Pipe.SourceChannel pipe);

  /**
   * Connects a blocking {@link java.io.InputStream} (such as a JDK {@code Process}'s output) to a
   * new protocol. Such a stream cannot be selected, so a reader thread of the loop's pipe pump blocks
   * in {@code read()} for it and hands each chunk to the loop; {@code pauseReading()} stops that
   * thread from reading, so the writer at the other end is held back. asyncio: {@code
   * connect_read_pipe()}.
   *
   * @param protocolFactory makes the protocol
   * @param in the stream; the transport owns it from now on
   * @param <P> the protocol type
   * @return the transport and protocol, once connected
   * @throws NullPointerException if an argument is null
   */
  <P extends Protocol> LoopFuture<Connection<P>> connectReadPipe(
      Supplier<P> protocolFactory, java.io.InputStream in);

  /**
   * Connects the write end of a {@link java.nio.channels.Pipe} to a new protocol, on the loop's
   * selector, with the flow control of a socket transport. The transport is write-only: {@code
   * pauseReading}/{@code resumeReading} throw {@link UnsupportedOperationException}. asyncio:
   * {@code connect_write_pipe()}.
   *
   * @param protocolFactory makes the protocol
   * @param pipe the pipe's sink channel; the transport owns it from now on
   * @param <P> the protocol type
   * @return the transport and protocol, once connected
   * @throws NullPointerException if an argument is null
   */
  <P extends Protocol> LoopFuture<Connection<P>> connectWritePipe(
      Supplier<P> protocolFactory, java.nio.channels.Pipe.SinkChannel pipe);

  /**
   * Connects a blocking {@link java.io.OutputStream} (such as a JDK {@code Process}'s input) to a
   * new protocol. Writes are buffered on the loop and written by a thread of the loop's pipe pump
   * that exists only while bytes are pending; the write-buffer limits call {@code pauseWriting} and
   * {@code resumeWriting} as for sockets. asyncio: {@code connect_write_pipe()}.
   *
   * @param protocolFactory makes the protocol
   * @param out the stream; the transport owns it from now on
   * @param <P> the protocol type
   * @return the transport and protocol, once connected
   * @throws NullPointerException if an argument is null
   */
  <P extends Protocol> LoopFuture<Connection<P>> connectWritePipe(
      Supplier<P> protocolFactory, java.io.OutputStream out);

  /**
   * Starts {@code argv} as a subprocess with all three standard streams piped. asyncio: {@code
   * subprocess_exec()}.
   *
   * @param protocolFactory makes the protocol
   * @param argv the program and its arguments
   * @param <P> the protocol type
   * @return the transport and protocol once the process has started; fails with an {@link
   *     java.io.IOException} naming the program if it cannot be started
   * @throws NullPointerException if an argument or an element of {@code argv} is null
   * @throws IllegalArgumentException if {@code argv} is empty
   */
  <P extends dev.loop.process.SubprocessProtocol>
      LoopFuture<dev.loop.process.Subprocess<P>> subprocessExec(
          Supplier<P> protocolFactory, List<String> argv);

  /**
   * Starts {@code argv} as a subprocess, its streams and environment as {@code options} say.
   * asyncio: {@code subprocess_exec()}.
   *
   * @param protocolFactory makes the protocol
   * @param argv the program and its arguments
   * @param options streams, working directory and environment
   * @param <P> the protocol type
   * @return the transport and protocol once the process has started; fails with an {@link
   *     java.io.IOException} naming the program if it cannot be started
   * @throws NullPointerException if an argument or an element of {@code argv} is null
   * @throws IllegalArgumentException if {@code argv} is empty, or the working directory is not a
   *     directory
   */
  <P extends dev.loop.process.SubprocessProtocol>
      LoopFuture<dev.loop.process.Subprocess<P>> subprocessExec(
          Supplier<P> protocolFactory, List<String> argv, dev.loop.process.ProcessOptions options);

  /**
   * Starts {@code command} with the system shell ({@code /bin/sh -c}), all three streams piped.
   * asyncio: {@code subprocess_shell()}.
   *
   * @param protocolFactory makes the protocol
   * @param command the shell command line
   * @param <P> the protocol type
   * @return the transport and protocol once the shell has started
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code command} is empty
   */
  <P extends dev.loop.process.SubprocessProtocol>
      LoopFuture<dev.loop.process.Subprocess<P>> subprocessShell(
          Supplier<P> protocolFactory, String command);

  /**
   * Starts {@code command} with the system shell, as {@code options} say. asyncio: {@code
   * subprocess_shell()}.
   *
   * @param protocolFactory makes the protocol
   * @param command the shell command line
   * @param options streams, working directory and environment
   * @param <P> the protocol type
   * @return the transport and protocol once the shell has started
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code command} is empty, or the working directory is not a
   *     directory
   */
  <P extends dev.loop.process.SubprocessProtocol>
      LoopFuture<dev.loop.process.Subprocess<P>> subprocessShell(
          Supplier<P> protocolFactory, String command, dev.loop.process.ProcessOptions options);

  /**
   * Runs {@code callback} on the loop thread each time the JVM receives the signal {@code name}
   * ("INT", "TERM", "HUP", "USR1", "WINCH", ...; with or without the "SIG" prefix, in any case),
   * replacing any handler this loop had for it. Several loops may each have one: every one of them
   * gets the signal. The JVM's handler from before is kept, and restored once no loop has a handler
   * for the signal any more ({@link #removeSignalHandler(String)}, or when a loop closes). Until
   * then the JVM's own action is gone: with a handler for "INT", Ctrl-C no longer ends the JVM
   * unless the callback does. Any thread may call it. asyncio: {@code add_signal_handler()}.
   *
   * @param name the signal's name
   * @param callback what to run, on the loop thread, in a copy of the context current at this call
   *     (the same copy for every signal)
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the signal is unknown, cannot be caught ("KILL", "STOP"),
   *     or is reserved by the JVM (such as "QUIT"; "USR2" and "BUS", which HotSpot uses; "HUP",
   *     "INT" and "TERM" under {@code -Xrs} or when the process started with them ignored)
   * @throws IllegalStateException if the loop is closed
   */
  void addSignalHandler(String name, Runnable callback);

  /**
   * Removes this loop's handler for the signal; a callback for a signal that came before and has
   * not started yet does not run. When no loop has a handler for the signal any more, the JVM's
   * handler from before the first one comes back. Any thread may call it, on an open or a closed
   * loop. asyncio: {@code remove_signal_handler()}.
   *
   * @param name the signal's name
   * @return true if this loop had a handler for it
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if the signal is unknown
   */
  boolean removeSignalHandler(String name);

  // ---------------------------------------------------------------- errors and debug

  /**
   * Sets the handler for exceptions the loop catches. asyncio: {@code set_exception_handler()}.
   *
   * @param handler the handler, or null for {@link #defaultExceptionHandler(ExceptionContext)}
   */
  void setExceptionHandler(@Nullable ExceptionHandler handler);

  /**
   * The exception handler. asyncio: {@code get_exception_handler()}.
   *
   * @return the handler, or null when the default is used
   */
  @Nullable ExceptionHandler getExceptionHandler();

  /**
   * Logs {@code context} at {@code ERROR} through {@link System.Logger} {@code dev.loop}. asyncio:
   * {@code default_exception_handler()}.
   *
   * @param context what failed
   * @throws NullPointerException if {@code context} is null
   */
  void defaultExceptionHandler(ExceptionContext context);

  /**
   * Passes {@code context} to the exception handler, or to the default one; never throws, whatever
   * the handler does. May be called from any thread. asyncio: {@code call_exception_handler()}.
   *
   * @param context what failed
   * @throws NullPointerException if {@code context} is null
   */
  void callExceptionHandler(ExceptionContext context);

  /**
   * Tells whether debug mode is on. asyncio: {@code get_debug()}.
   *
   * @return true in debug mode
   */
  boolean isDebug();

  /**
   * Turns debug mode on or off: in debug mode handles record where they were created, and callbacks
   * slower than {@link #slowCallbackDuration()} are logged. asyncio: {@code set_debug()}.
   *
   * @param enabled the new mode
   */
  void setDebug(boolean enabled);

  /**
   * The duration above which debug mode logs a callback as slow (100 ms unless set). asyncio:
   * {@code slow_callback_duration}.
   *
   * @return the threshold
   */
  Duration slowCallbackDuration();

  /**
   * Sets the slow-callback threshold.
   *
   * @param threshold the new threshold
   * @throws NullPointerException if {@code threshold} is null
   * @throws IllegalArgumentException if it is negative
   */
  void setSlowCallbackDuration(Duration threshold);

  /**
   * How long the loop keeps polling without blocking before it blocks in the selector (50 µs
   * unless set). The loop spins only when its last idle spell was at most this long, so a loop
   * whose work comes back quickly (a request/response connection, a producer thread) catches it
   * without the cost of a wake-up (a system call for the waker and the scheduler's latency for the
   * loop), while a loop whose work is sparse blocks at once and spends no CPU waiting. A Loop
   * extension: asyncio never spins. May be called from any thread.
   *
   * @return the spin budget; {@link Duration#ZERO} when spinning is off
   */
  Duration spinBeforeBlocking();

  /**
   * Sets the spin budget of {@link #spinBeforeBlocking()}; {@link Duration#ZERO} turns spinning
   * off, so the loop always blocks when it has nothing to do. May be called from any thread; takes
   * effect the next time the loop goes idle.
   *
   * @param budget the most the loop spins each time it goes idle
   * @throws NullPointerException if {@code budget} is null
   * @throws IllegalArgumentException if it is negative
   */
  void setSpinBeforeBlocking(Duration budget);
}
