package dev.loop.reactor;

import dev.loop.ContextVar;
import dev.loop.EventLoop;
import dev.loop.EventLoopGroup;
import dev.loop.LoopFuture;
import dev.loop.net.ConnectOptions;
import dev.loop.net.DatagramOptions;
import dev.loop.net.ServerOptions;
import dev.loop.process.ProcessOptions;
import dev.loop.reactor.internal.AdapterProcess;
import dev.loop.reactor.internal.FluxAdapters;
import dev.loop.reactor.internal.MonoAdapters;
import dev.loop.reactor.internal.NetConnect;
import dev.loop.reactor.internal.NetDatagrams;
import dev.loop.reactor.internal.NetServer;
import java.nio.channels.SelectableChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * The loop's futures, timers, callbacks, sockets, datagrams and subprocesses as Reactor {@link
 * Mono} and {@link Flux}.
 *
 * <p><b>Laziness and threads</b>: every method but {@link #toFuture(EventLoop, Mono)} returns a
 * cold publisher that does its work on subscription, once per subscription; all of them may be
 * called, and their publishers subscribed, requested and cancelled, from any thread. Signals are
 * emitted on the loop thread (the loop's timers, done callbacks and protocol callbacks emit them),
 * so subscribers must not block there. Arguments are checked at the call: a null argument throws
 * {@link NullPointerException}, an out-of-range one {@link IllegalArgumentException}; what the loop
 * reports when the work starts (a closed loop, an address in use, a refused connection) arrives as
 * {@code onError}.
 *
 * <p><b>Cancellation</b> always reaches the loop: it cancels the future or the timer, removes the
 * handler or the reader, closes the server or the connection, as each method says.
 *
 * <p><b>Context</b>, both ways. Downstream to upstream: publishers that the adapters subscribe to
 * ({@code toFuture}'s Mono, {@link LoopConnection#send}'s data) see {@code EventLoop.class} (and
 * {@code LoopConnection.class} for a connection) in their Reactor context, so {@code
 * Mono.deferContextual(ctx -> ctx.get(EventLoop.class))} finds the loop. From the subscriber to the
 * loop: while an adapter emits from a loop callback, {@link #CONTEXT} holds the subscriber's
 * {@link ContextView} (with the same entries added), and since every callback scheduled on a loop
 * captures the current loop context, callbacks scheduled from a subscriber's {@code onNext} see it
 * too.
 *
 * <p><b>Errors</b> the adapters cannot deliver (a signal after cancellation) go to Reactor's hooks
 * ({@code Hooks.onErrorDropped}, {@code Hooks.onNextDropped}) as Reactor's own operators do; an
 * exception a subscriber throws out of a loop callback reaches the loop's exception handler, and
 * the loop goes on.
 */
public final class ReactorLoop {

  /**
   * The Reactor context of the subscriber an adapter is emitting to, while it emits on the loop
   * thread; {@code Context.empty()} elsewhere. Callbacks scheduled during an emission ({@code
   * callSoon}, {@code callLater}, done callbacks) capture it with the rest of the loop context.
   *
   * <pre>{@code
   * ReactorLoop.delay(loop, Duration.ofSeconds(1))
   *     .doOnNext(tick -> log(ReactorLoop.CONTEXT.get().get("requestId")))
   *     .contextWrite(Context.of("requestId", "r-42"))
   *     .subscribe();
   * }</pre>
   */
  public static final ContextVar<ContextView> CONTEXT =
      ContextVar.named("dev.loop.reactor.context", Context.empty());

  private ReactorLoop() {}

  // ------------------------------------------------------------------ futures

  /**
   * The outcome of {@code future} as a Mono, signalled on the future's loop thread: its result
   * ({@code null} completes empty), its failure, or {@link
   * java.util.concurrent.CancellationException} if it was cancelled. Cancelling the subscription
   * cancels the future. Reactor's {@code Mono.fromFuture(future, false)} with asyncio's cancellation.
   *
   * @param future the future
   * @param <T> the result type
   * @return a Mono of the future's outcome
   * @throws NullPointerException if {@code future} is null
   */
  public static <T> Mono<T> mono(LoopFuture<T> future) {
    Objects.requireNonNull(future, "future");
    return MonoAdapters.fromFuture(future);
  }

  /**
   * Subscribes to {@code mono} now and returns a future of {@code loop} that completes, on the loop
   * thread, with its value ({@code null} if it completes empty) or its error (a {@link
   * java.util.concurrent.CancellationException} cancels the future). Cancelling the future
   * disposes the subscription at once. The Mono sees {@code EventLoop.class} → {@code loop} in its
   * context. Reactor's {@code Mono.toFuture()}, as a {@link LoopFuture}; asyncio's {@code
   * wrap_future}.
   *
   * @param loop the loop the future belongs to
   * @param mono the Mono to subscribe to
   * @param <T> the result type
   * @return the future
   * @throws NullPointerException if an argument is null
   */
  public static <T> LoopFuture<T> toFuture(EventLoop loop, Mono<T> mono) {
    Objects.requireNonNull(loop, "loop");
    Objects.requireNonNull(mono, "mono");
    return MonoAdapters.toFuture(loop, mono);
  }

  // ------------------------------------------------------------------ timers

  /**
   * Emits {@code 0} on the loop thread once {@code delay} has passed on the loop's clock (a loop
   * timer, so a virtual-time loop fires it when its time is advanced), then completes. Cancelling
   * cancels the timer. Reactor's {@code Mono.delay}; asyncio's {@code asyncio.sleep}.
   *
   * @param loop the loop
   * @param delay how long, zero or more
   * @return the Mono
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code delay} is negative
   */
  public static Mono<Long> delay(EventLoop loop, Duration delay) {
    Objects.requireNonNull(loop, "loop");
    notNegative(delay, "delay");
    return MonoAdapters.delay(loop, delay);
  }

  /**
   * Emits 0, 1, 2, ... on the loop thread every {@code period}, the first after one period. As
   * {@link #interval(EventLoop, Duration, Duration)} with {@code initialDelay == period}.
   *
   * @param loop the loop
   * @param period between ticks, positive
   * @return the Flux
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code period} is not positive
   */
  public static Flux<Long> interval(EventLoop loop, Duration period) {
    return interval(loop, period, period);
  }

  /**
   * Emits 0, 1, 2, ... on the loop thread at a fixed rate on the loop's clock: tick {@code k} is
   * due at {@code subscription + initialDelay + k * period}, computed from the start, so ticks do
   * not drift, and a loop that fell behind runs the late ones back to back. Reactor's {@code
   * Flux.interval(initialDelay, period)}, with its backpressure: a tick that falls due while the
   * subscriber has no demand ends the stream with an overflow error ({@code
   * Exceptions.isOverflow}, "Could not emit tick N due to lack of requests"); use {@code
   * onBackpressureDrop()} to skip ticks instead. Cancelling cancels the pending timer.
   *
   * @param loop the loop
   * @param period between ticks, positive
   * @param initialDelay before the first tick, zero or more
   * @return the Flux
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code period} is not positive or {@code initialDelay} is
   *     negative
   */
  public static Flux<Long> interval(EventLoop loop, Duration period, Duration initialDelay) {
    Objects.requireNonNull(loop, "loop");
    Objects.requireNonNull(period, "period");
    if (period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("period must be positive: " + period);
    }
    notNegative(initialDelay, "initialDelay");
    return FluxAdapters.interval(loop, period, initialDelay);
  }

  // ------------------------------------------------------------------ callbacks

  /**
   * Emits {@code name} on the loop thread each time the process receives the signal, through
   * {@link EventLoop#addSignalHandler(String, Runnable)} on subscription; cancelling removes the
   * handler, restoring the one there was before. A signal that arrives while one is already waiting
   * for demand is merged with it (signals are not queued, as POSIX does). One subscription per
   * signal and loop at a time: a loop keeps one handler per signal, so a second subscription
   * replaces the first one's. An unknown or reserved signal fails the subscription with {@link
   * IllegalArgumentException}. asyncio's {@code add_signal_handler}.
   *
   * @param loop the loop
   * @param name the signal's name, such as "HUP", "USR1" or "INT"
   * @return the Flux
   * @throws NullPointerException if an argument is null
   */
  public static Flux<String> signals(EventLoop loop, String name) {
    Objects.requireNonNull(loop, "loop");
    Objects.requireNonNull(name, "name");
    return FluxAdapters.signals(loop, name);
  }

  /**
   * Emits {@code channel} on the loop thread each time it is readable: {@link
   * EventLoop#addReader(SelectableChannel, Runnable)} while there is demand, {@link
   * EventLoop#removeReader(SelectableChannel)} when it is used up and on cancel, so that a
   * subscriber that reads nothing does not make the loop spin. The subscriber reads the channel in
   * {@code onNext} (it is non-blocking); a readiness it does not consume is reported again. A
   * channel that a transport of the loop owns fails the subscription with {@link
   * IllegalStateException}. asyncio's {@code add_reader}.
   *
   * @param loop the loop
   * @param channel the channel to watch
   * @return the Flux
   * @throws NullPointerException if an argument is null
   */
  public static Flux<SelectableChannel> readable(EventLoop loop, SelectableChannel channel) {
    Objects.requireNonNull(loop, "loop");
    Objects.requireNonNull(channel, "channel");
    return FluxAdapters.readable(loop, channel);
  }

  // ------------------------------------------------------------------ servers

  /**
   * Listens on {@code host}:{@code port} with {@link ServerOptions#defaults()}; see {@link
   * #listen(EventLoop, String, int, ServerOptions)}.
   *
   * @param loop the loop
   * @param host the host or address to bind
   * @param port the port, 0 to 65535 (0 picks a free one)
   * @return emits the server once it listens
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code port} is out of range
   */
  public static Mono<LoopServer> listen(EventLoop loop, String host, int port) {
    return listen(loop, host, port, ServerOptions.defaults());
  }

  /**
   * Listens on {@code host}:{@code port} on subscription ({@link EventLoop#createServer(
   * java.util.function.Supplier, String, int, ServerOptions)}) and emits the server once it
   * listens; its {@link LoopServer#connections()} are the accepted connections. Use it rather than
   * {@link #serve(EventLoop, String, int, ServerOptions)} when the bound address is needed first.
   * Fails with the loop's error (for instance {@link java.net.BindException}). Cancelling before the
   * server is emitted closes it. TLS comes from {@link ServerOptions#ssl()}.
   *
   * @param loop the loop
   * @param host the host or address to bind
   * @param port the port, 0 to 65535 (0 picks a free one)
   * @param options backlog, reuse, TLS
   * @return emits the server once it listens
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code port} is out of range
   */
  public static Mono<LoopServer> listen(EventLoop loop, String host, int port, ServerOptions options) {
    Objects.requireNonNull(loop, "loop");
    Objects.requireNonNull(host, "host");
    checkPort(port);
    Objects.requireNonNull(options, "options");
    return NetServer.listen(loop, factory -> loop.createServer(factory, host, port, options));
  }

  /**
   * Listens for the whole group with {@link ServerOptions#defaults()}; see {@link
   * #listen(EventLoopGroup, String, int, ServerOptions)}.
   *
   * @param group the loops that serve the connections
   * @param host the host or address to bind
   * @param port the port, 0 to 65535
   * @return emits the server once it listens
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code port} is out of range
   */
  public static Mono<LoopServer> listen(EventLoopGroup group, String host, int port) {
    return listen(group, host, port, ServerOptions.defaults());
  }

  /**
   * Listens for the whole group ({@link EventLoopGroup#createServer}): connections are spread over
   * the group's loops (round-robin, or by the kernel with {@link ServerOptions#reusePort()}), each
   * living on its loop ({@link LoopConnection#loop()}) from then on; they are emitted on the
   * group's first loop, which is the server's. Otherwise as {@link #listen(EventLoop, String, int,
   * ServerOptions)}.
   *
   * @param group the loops that serve the connections
   * @param host the host or address to bind
   * @param port the port, 0 to 65535
   * @param options backlog, reuse, TLS
   * @return emits the server once it listens
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code port} is out of range
   */
  public static Mono<LoopServer> listen(EventLoopGroup group, String host, int port, ServerOptions options) {
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(host, "host");
    checkPort(port);
    Objects.requireNonNull(options, "options");
    return NetServer.listen(group.loops().get(0), factory -> group.createServer(factory, host, port, options));
  }

  /**
   * Listens on the Unix-domain socket {@code path} ({@link EventLoop#createUnixServer}), which must
   * not exist and is deleted when the server closes; otherwise as {@link #listen(EventLoop, String,
   * int, ServerOptions)}.
   *
   * @param loop the loop
   * @param path the socket's path
   * @param options backlog, TLS
   * @return emits the server once it listens
   * @throws NullPointerException if an argument is null
   */
  public static Mono<LoopServer> listenUnix(EventLoop loop, Path path, ServerOptions options) {
    Objects.requireNonNull(loop, "loop");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(options, "options");
    return NetServer.listen(loop, factory -> loop.createUnixServer(factory, path, options));
  }

  /**
   * The connections accepted on {@code host}:{@code port}, with {@link ServerOptions#defaults()};
   * see {@link #serve(EventLoop, String, int, ServerOptions)}.
   *
   * @param loop the loop
   * @param host the host or address to bind
   * @param port the port, 1 to 65535 in practice (with 0 nobody knows where to connect: use
   *     {@link #listen(EventLoop, String, int)})
   * @return the connections
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code port} is out of range
   */
  public static Flux<LoopConnection> serve(EventLoop loop, String host, int port) {
    return serve(loop, host, port, ServerOptions.defaults());
  }

  /**
   * The connections accepted on {@code host}:{@code port}: listens on subscription and emits each
   * connection once it is made, on the loop thread. Cancelling closes the server (it stops
   * listening; a new connect is refused) and the connections accepted but not yet emitted; emitted
   * connections live on until they are closed or their {@code receive()} is cancelled. Fails if
   * the server cannot listen. {@code listen(loop, host, port, options).flatMapMany(
   * LoopServer::connections)}; reactor-netty's {@code TcpServer.bind()}.
   *
   * <pre>{@code
   * ReactorLoop.serve(loop, "127.0.0.1", 7000)
   *     .flatMap(c -> c.send(c.receive()).onErrorComplete().doFinally(s -> c.close()),
   *         Integer.MAX_VALUE)  // flatMap's default would serve only 256 connections at once
   *     .subscribe();
   * }</pre>
   *
   * <p>An error a connection's pipeline lets escape into {@code flatMap} ends the whole Flux and so
   * closes the server: handle errors per connection, as above.
   *
   * @param loop the loop
   * @param host the host or address to bind
   * @param port the port
   * @param options backlog, reuse, TLS
   * @return the connections
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code port} is out of range
   */
  public static Flux<LoopConnection> serve(EventLoop loop, String host, int port, ServerOptions options) {
    return listen(loop, host, port, options).flatMapMany(LoopServer::connections);
  }

  /**
   * The connections accepted for a whole group, with {@link ServerOptions#defaults()}; see {@link
   * #serve(EventLoopGroup, String, int, ServerOptions)}.
   *
   * @param group the loops that serve the connections
   * @param host the host or address to bind
   * @param port the port
   * @return the connections
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code port} is out of range
   */
  public static Flux<LoopConnection> serve(EventLoopGroup group, String host, int port) {
    return serve(group, host, port, ServerOptions.defaults());
  }

  /**
   * The connections accepted for a whole group, spread over its loops as {@link
   * #listen(EventLoopGroup, String, int, ServerOptions)} says; otherwise as {@link #serve(EventLoop,
   * String, int, ServerOptions)}.
   *
   * @param group the loops that serve the connections
   * @param host the host or address to bind
   * @param port the port
   * @param options backlog, reuse (reusePort: one listener per loop), TLS
   * @return the connections
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code port} is out of range
   */
  public static Flux<LoopConnection> serve(EventLoopGroup group, String host, int port, ServerOptions options) {
    return listen(group, host, port, options).flatMapMany(LoopServer::connections);
  }

  /**
   * The connections accepted on the Unix-domain socket {@code path}, with {@link
   * ServerOptions#defaults()}; see {@link #serveUnix(EventLoop, Path, ServerOptions)}.
   *
   * @param loop the loop
   * @param path the socket's path, which must not exist
   * @return the connections
   * @throws NullPointerException if an argument is null
   */
  public static Flux<LoopConnection> serveUnix(EventLoop loop, Path path) {
    return serveUnix(loop, path, ServerOptions.defaults());
  }

  /**
   * The connections accepted on the Unix-domain socket {@code path} (deleted when the server
   * closes); otherwise as {@link #serve(EventLoop, String, int, ServerOptions)}.
   *
   * @param loop the loop
   * @param path the socket's path, which must not exist
   * @param options backlog, TLS
   * @return the connections
   * @throws NullPointerException if an argument is null
   */
  public static Flux<LoopConnection> serveUnix(EventLoop loop, Path path, ServerOptions options) {
    return listenUnix(loop, path, options).flatMapMany(LoopServer::connections);
  }

  // ------------------------------------------------------------------ clients

  /**
   * Connects to {@code host}:{@code port} with {@link ConnectOptions#defaults()}; see {@link
   * #connect(EventLoop, String, int, ConnectOptions)}.
   *
   * @param loop the loop
   * @param host the host name or address
   * @param port the port, 0 to 65535
   * @return emits the connection once made
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code port} is out of range
   */
  public static Mono<LoopConnection> connect(EventLoop loop, String host, int port) {
    return connect(loop, host, port, ConnectOptions.defaults());
  }

  /**
   * Connects on subscription ({@link EventLoop#createConnection(java.util.function.Supplier,
   * String, int, ConnectOptions)}) and emits the connection on the loop thread once it is made
   * (after the TLS handshake when {@link ConnectOptions#ssl()} is set). Fails with the loop's error:
   * {@link java.net.ConnectException} when refused, {@link java.net.UnknownHostException}, a
   * timeout, a TLS handshake failure. Cancelling cancels the attempt, and closes the connection
   * should it complete anyway. reactor-netty's {@code TcpClient.connect()}.
   *
   * @param loop the loop
   * @param host the host name or address
   * @param port the port, 0 to 65535
   * @param options TLS, timeouts, local address
   * @return emits the connection once made
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code port} is out of range
   */
  public static Mono<LoopConnection> connect(EventLoop loop, String host, int port, ConnectOptions options) {
    Objects.requireNonNull(loop, "loop");
    Objects.requireNonNull(host, "host");
    checkPort(port);
    Objects.requireNonNull(options, "options");
    return NetConnect.connect(factory -> loop.createConnection(factory, host, port, options));
  }

  /**
   * Connects to the Unix-domain socket at {@code path} ({@link EventLoop#createUnixConnection});
   * otherwise as {@link #connect(EventLoop, String, int, ConnectOptions)}.
   *
   * @param loop the loop
   * @param path the socket's path
   * @return emits the connection once made
   * @throws NullPointerException if an argument is null
   */
  public static Mono<LoopConnection> connectUnix(EventLoop loop, Path path) {
    Objects.requireNonNull(loop, "loop");
    Objects.requireNonNull(path, "path");
    return NetConnect.connect(factory -> loop.createUnixConnection(factory, path));
  }

  // ------------------------------------------------------------------ datagrams, processes

  /**
   * Opens a UDP endpoint on subscription ({@link EventLoop#createDatagramEndpoint}) and emits it
   * once ready: its {@link LoopDatagrams#receive()} is the {@code Flux} of datagrams received, and
   * {@link LoopDatagrams#send} sends. Cancelling before it is emitted closes it. asyncio's {@code
   * create_datagram_endpoint}.
   *
   * @param loop the loop
   * @param options local and remote addresses, reuse, broadcast
   * @return emits the endpoint once ready
   * @throws NullPointerException if an argument is null
   */
  public static Mono<LoopDatagrams> datagrams(EventLoop loop, DatagramOptions options) {
    Objects.requireNonNull(loop, "loop");
    Objects.requireNonNull(options, "options");
    return NetDatagrams.open(factory -> loop.createDatagramEndpoint(factory, options));
  }

  /**
   * Starts {@code argv} with all three streams piped; see {@link #exec(EventLoop, List,
   * ProcessOptions)}.
   *
   * @param loop the loop
   * @param argv the program and its arguments
   * @return emits the process once started
   * @throws NullPointerException if an argument or an element of {@code argv} is null
   * @throws IllegalArgumentException if {@code argv} is empty
   */
  public static Mono<LoopProcess> exec(EventLoop loop, List<String> argv) {
    return exec(loop, argv, ProcessOptions.defaults());
  }

  /**
   * Starts {@code argv} on subscription ({@link EventLoop#subprocessExec(java.util.function.Supplier,
   * List, ProcessOptions)}) and emits the process once started: its output as demand-driven {@code
   * Flux}es, its input from a {@code Publisher}, its exit status as a {@code Mono}. Fails with the
   * loop's error ({@link java.io.IOException} naming a program that cannot be started).
   * Cancelling before it is emitted kills it. {@code exec(loop, argv).flatMapMany(LoopProcess::stdout)}
   * is a command's output as a {@code Flux}. asyncio's {@code create_subprocess_exec}.
   *
   * @param loop the loop
   * @param argv the program and its arguments
   * @param options what each standard stream is, working directory, environment
   * @return emits the process once started
   * @throws NullPointerException if an argument or an element of {@code argv} is null
   * @throws IllegalArgumentException if {@code argv} is empty
   */
  public static Mono<LoopProcess> exec(EventLoop loop, List<String> argv, ProcessOptions options) {
    Objects.requireNonNull(loop, "loop");
    Objects.requireNonNull(argv, "argv");
    Objects.requireNonNull(options, "options");
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("argv must name a program: it is empty");
    }
    for (int i = 0; i < argv.size(); i++) {
      Objects.requireNonNull(argv.get(i), "argv[" + i + "]");
    }
    List<String> command = List.copyOf(argv);
    return AdapterProcess.exec(factory -> loop.subprocessExec(factory, command, options));
  }

  // ------------------------------------------------------------------ checks

  private static void notNegative(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative()) {
      throw new IllegalArgumentException(name + " must not be negative: " + d);
    }
  }

  private static void checkPort(int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be between 0 and 65535: " + port);
    }
  }
}
