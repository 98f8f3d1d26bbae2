package dev.loop.rxjava;

import dev.loop.EventLoop;
import dev.loop.EventLoopGroup;
import dev.loop.LoopFuture;
import dev.loop.net.ConnectOptions;
import dev.loop.net.ServerOptions;
import dev.loop.rxjava.internal.AdapterCallbacks;
import dev.loop.rxjava.internal.AdapterFutureObserver;
import dev.loop.rxjava.internal.AdapterFutures;
import dev.loop.rxjava.internal.ConnectionAcceptor;
import dev.loop.rxjava.internal.ConnectionProtocol;
import dev.loop.rxjava.internal.ConnectionSingle;
import dev.loop.rxjava.internal.RxTicker;
import io.reactivex.rxjava3.core.BackpressureStrategy;
import io.reactivex.rxjava3.core.Completable;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Maybe;
import io.reactivex.rxjava3.core.Observable;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.exceptions.MissingBackpressureException;
import io.reactivex.rxjava3.plugins.RxJavaPlugins;
import java.net.SocketAddress;
import java.nio.channels.SelectableChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The loop's futures, timers, callbacks and sockets as RxJava 3 types: {@link Single}, {@link
 * Maybe}, {@link Completable}, {@link Observable} and {@link Flowable}. The RxJava counterpart of
 * loop-reactor's {@code ReactorLoop}.
 *
 * <p>Every method may be called from any thread and does nothing until the returned type is
 * subscribed (except {@code toFuture}, which subscribes at once, as RxJava's {@code toFuture}
 * does). Signals are delivered on the loop thread: a future's done callback, a timer, a reader
 * callback or a transport event is what emits them. Arguments are checked at the call: a null
 * argument throws {@link NullPointerException} naming it, and an out-of-range port or a
 * non-positive period throws {@link IllegalArgumentException}. What fails later (a refused
 * connection, an address in use, a closed loop) arrives as {@code onError}.
 *
 * <p>Disposal always releases what the subscription holds: it cancels the future or the timer,
 * unregisters the callback, closes the server or the connection, as each method says.
 */
public final class RxLoop {

  private RxLoop() {}

  // ------------------------------------------------------------------ futures

  /**
   * The future's result as a {@link Single}. Each subscription adds a done callback to the
   * future, so the result comes on the loop thread, one scheduling step after the future completes
   * (also when it is done already). A failed future signals its exception; a cancelled future
   * signals {@link CancellationException}; a future that completes with {@code null}, which a
   * {@code Single} cannot emit, signals {@link NoSuchElementException} (use {@link
   * #maybe(LoopFuture)} for futures that may complete with null, {@link #completable(LoopFuture)}
   * for {@code LoopFuture<Void>}). Disposing the subscription cancels the future, as Reactor's
   * {@code Mono.fromFuture(f)} does; with several subscribers, the first to dispose cancels it for
   * all. RxJava: {@code Single.fromCompletionStage}.
   *
   * @param future the future
   * @param <T> the result type
   * @return a {@code Single} of the result
   * @throws NullPointerException if {@code future} is null
   */
  public static <T> Single<T> single(LoopFuture<T> future) {
    Objects.requireNonNull(future, "future");
    return AdapterFutures.single(future);
  }

  /**
   * The future's result as a {@link Maybe}: as {@link #single(LoopFuture)}, but a {@code null}
   * result completes the {@code Maybe} empty. RxJava: {@code Maybe.fromCompletionStage}.
   *
   * @param future the future
   * @param <T> the result type
   * @return a {@code Maybe} of the result
   * @throws NullPointerException if {@code future} is null
   */
  public static <T> Maybe<T> maybe(LoopFuture<T> future) {
    Objects.requireNonNull(future, "future");
    return AdapterFutures.maybe(future);
  }

  /**
   * The future's completion as a {@link Completable}, its result ignored: as {@link
   * #single(LoopFuture)} otherwise (loop thread, cancellation both ways). RxJava: {@code
   * Completable.fromCompletionStage}.
   *
   * @param future the future
   * @return a {@code Completable} that completes when the future succeeds
   * @throws NullPointerException if {@code future} is null
   */
  public static Completable completable(LoopFuture<?> future) {
    Objects.requireNonNull(future, "future");
    return AdapterFutures.completable(future);
  }

  /**
   * Subscribes to {@code single} now and returns a future of {@code loop} that completes with its
   * value or fails with its error (a {@link CancellationException} from upstream cancels the
   * future). Cancelling the future disposes the subscription, on the loop thread, when the
   * future's done callbacks run. RxJava: {@code Single.toCompletionStage()}; Reactor: {@code
   * Mono.toFuture()}.
   *
   * @param loop the loop the future belongs to
   * @param single the source, subscribed on the calling thread
   * @param <T> the value type
   * @return a new future of {@code loop}
   * @throws NullPointerException if an argument is null
   */
  public static <T> LoopFuture<T> toFuture(EventLoop loop, Single<T> single) {
    Objects.requireNonNull(loop, "loop");
    Objects.requireNonNull(single, "single");
    AdapterFutureObserver<T> observer = AdapterFutures.observer(loop);
    single.subscribe(observer);
    return observer.future();
  }

  /**
   * As {@link #toFuture(EventLoop, Single)} for a {@link Maybe}: an empty {@code Maybe} completes
   * the future with {@code null}.
   *
   * @param loop the loop the future belongs to
   * @param maybe the source, subscribed on the calling thread
   * @param <T> the value type
   * @return a new future of {@code loop}
   * @throws NullPointerException if an argument is null
   */
  public static <T> LoopFuture<T> toFuture(EventLoop loop, Maybe<T> maybe) {
    Objects.requireNonNull(loop, "loop");
    Objects.requireNonNull(maybe, "maybe");
    AdapterFutureObserver<T> observer = AdapterFutures.observer(loop);
    maybe.subscribe(observer);
    return observer.future();
  }

  /**
   * As {@link #toFuture(EventLoop, Single)} for a {@link Completable}: the future completes with
   * {@code null}.
   *
   * @param loop the loop the future belongs to
   * @param completable the source, subscribed on the calling thread
   * @return a new future of {@code loop}
   * @throws NullPointerException if an argument is null
   */
  public static LoopFuture<Void> toFuture(EventLoop loop, Completable completable) {
    Objects.requireNonNull(loop, "loop");
    Objects.requireNonNull(completable, "completable");
    AdapterFutureObserver<Void> observer = AdapterFutures.observer(loop);
    completable.subscribe(observer);
    return observer.future();
  }

  // ------------------------------------------------------------------ timers

  /**
   * Completes after {@code delay} on a loop timer ({@link EventLoop#callLater(Duration, Runnable)}),
   * on the loop thread; zero or a negative delay completes as soon as possible. Disposing cancels
   * the timer. Follows the loop's clock, so a virtual-time test loop controls it. RxJava: {@code
   * Completable.timer}; asyncio: {@code asyncio.sleep}.
   *
   * @param loop the loop
   * @param delay how long to wait
   * @return a {@code Completable} that completes after the delay
   * @throws NullPointerException if an argument is null
   */
  public static Completable timer(EventLoop loop, Duration delay) {
    Objects.requireNonNull(loop, "loop");
    Objects.requireNonNull(delay, "delay");
    return Completable.create(emitter -> emitter.setCancellable(
        loop.callLater(delay, emitter::onComplete)::cancel));
  }

  /**
   * Emits {@code 0L} after {@code delay} on a loop timer, as {@link #timer(EventLoop, Duration)}
   * completes. RxJava: {@code Single.timer}; Reactor: {@code Mono.delay}.
   *
   * @param loop the loop
   * @param delay how long to wait
   * @return a {@code Single} of {@code 0L}
   * @throws NullPointerException if an argument is null
   */
  public static Single<Long> timerSingle(EventLoop loop, Duration delay) {
    Objects.requireNonNull(loop, "loop");
    Objects.requireNonNull(delay, "delay");
    return Single.create(emitter -> emitter.setCancellable(
        loop.callLater(delay, () -> emitter.onSuccess(0L))::cancel));
  }

  /**
   * Emits 0, 1, 2, ... every {@code period} on loop timers, the first after one period. See {@link
   * #interval(EventLoop, Duration, Duration)}.
   *
   * @param loop the loop
   * @param period between ticks, positive
   * @return the ticks
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code period} is zero or negative
   */
  public static Observable<Long> interval(EventLoop loop, Duration period) {
    return interval(loop, period, period);
  }

  /**
   * Emits 0, 1, 2, ... on loop timers at a fixed rate on the loop's clock: tick {@code n} is due
   * at {@code t0 + initialDelay + n * period}, where {@code t0} is the loop's time at subscription,
   * so delays do not accumulate (a loop that falls behind fires the missed ticks as soon as it
   * can). Emits on the loop thread; disposing cancels the pending timer, so nothing stays in the
   * loop's timer heap. A virtual-time test loop controls it. RxJava: {@code
   * Observable.interval(initialDelay, period, unit, scheduler)}; Reactor: {@code
   * Flux.interval(delay, period)}.
   *
   * @param loop the loop
   * @param initialDelay until the first tick (zero or negative: as soon as possible)
   * @param period between ticks, positive
   * @return the ticks
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code period} is zero or negative
   */
  public static Observable<Long> interval(EventLoop loop, Duration initialDelay, Duration period) {
    Objects.requireNonNull(loop, "loop");
    Objects.requireNonNull(initialDelay, "initialDelay");
    long periodNanos = positiveNanos(period, "period");
    long delayNanos = saturatedNanos(initialDelay);
    return Observable.create(emitter -> {
      RxTicker ticker = new RxTicker(loop, emitter, delayNanos, periodNanos);
      emitter.setCancellable(ticker);
      ticker.start();
    });
  }

  /**
   * As {@link #interval(EventLoop, Duration)}, as a {@code Flowable}.
   *
   * @param loop the loop
   * @param period between ticks, positive
   * @return the ticks
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code period} is zero or negative
   */
  public static Flowable<Long> intervalFlowable(EventLoop loop, Duration period) {
    return intervalFlowable(loop, period, period);
  }

  /**
   * As {@link #interval(EventLoop, Duration, Duration)}, as a {@code Flowable}. Ticks cannot wait:
   * a tick that finds no outstanding request fails the stream with {@link
   * MissingBackpressureException} and cancels the timer, as RxJava's {@code Flowable.interval}
   * does. Use {@code onBackpressureDrop()} or {@code onBackpressureLatest()} for slow consumers.
   *
   * @param loop the loop
   * @param initialDelay until the first tick (zero or negative: as soon as possible)
   * @param period between ticks, positive
   * @return the ticks
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code period} is zero or negative
   */
  public static Flowable<Long> intervalFlowable(EventLoop loop, Duration initialDelay, Duration period) {
    return interval(loop, initialDelay, period).toFlowable(BackpressureStrategy.ERROR);
  }

  private static long positiveNanos(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive: " + d);
    }
    return saturatedNanos(d);
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException tooLong) {
      return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  // ------------------------------------------------------------------ callbacks

  /**
   * Emits {@code channel} on the loop thread each time it is ready for reading: subscribing
   * registers {@link EventLoop#addReader(SelectableChannel, Runnable)} (which makes the channel
   * non-blocking), disposing calls {@link EventLoop#removeReader(SelectableChannel)}. Readiness is
   * level-triggered: read from the channel in {@code onNext} (you are on the loop thread), or the
   * next loop iteration emits again. A loop has one reader per channel, so keep one subscription
   * per channel. asyncio: {@code add_reader}; RxJava: an {@code Observable.create} around it.
   *
   * @param loop the loop
   * @param channel the channel to watch
   * @param <C> the channel type
   * @return the readiness events; errors with {@link IllegalStateException} if a transport of the
   *     loop owns the channel or the loop is closed
   * @throws NullPointerException if an argument is null
   */
  public static <C extends SelectableChannel> Observable<C> readable(EventLoop loop, C channel) {
    Objects.requireNonNull(loop, "loop");
    Objects.requireNonNull(channel, "channel");
    return AdapterCallbacks.ready(loop, channel, true);
  }

  /**
   * As {@link #readable(EventLoop, SelectableChannel)}, as a {@code Flowable} whose events that
   * nobody requested are handled by {@code strategy} ({@code LATEST} or {@code DROP} suit readiness
   * events; {@code BUFFER} keeps one per loop iteration until requested).
   *
   * @param loop the loop
   * @param channel the channel to watch
   * @param strategy what to do with readiness events nobody requested
   * @param <C> the channel type
   * @return the readiness events
   * @throws NullPointerException if an argument is null
   */
  public static <C extends SelectableChannel> Flowable<C> readableFlowable(
      EventLoop loop, C channel, BackpressureStrategy strategy) {
    Objects.requireNonNull(loop, "loop");
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(strategy, "strategy");
    return AdapterCallbacks.readyFlowable(loop, channel, true, strategy);
  }

  /**
   * Emits {@code channel} on the loop thread each time it is ready for writing, through {@link
   * EventLoop#addWriter(SelectableChannel, Runnable)} and {@link
   * EventLoop#removeWriter(SelectableChannel)}: as {@link #readable(EventLoop, SelectableChannel)}
   * otherwise. A socket is writable almost always: dispose once the write is done. asyncio: {@code
   * add_writer}.
   *
   * @param loop the loop
   * @param channel the channel to watch
   * @param <C> the channel type
   * @return the readiness events
   * @throws NullPointerException if an argument is null
   */
  public static <C extends SelectableChannel> Observable<C> writable(EventLoop loop, C channel) {
    Objects.requireNonNull(loop, "loop");
    Objects.requireNonNull(channel, "channel");
    return AdapterCallbacks.ready(loop, channel, false);
  }

  /**
   * As {@link #writable(EventLoop, SelectableChannel)}, as a {@code Flowable} with {@code
   * strategy} for unrequested events.
   *
   * @param loop the loop
   * @param channel the channel to watch
   * @param strategy what to do with readiness events nobody requested
   * @param <C> the channel type
   * @return the readiness events
   * @throws NullPointerException if an argument is null
   */
  public static <C extends SelectableChannel> Flowable<C> writableFlowable(
      EventLoop loop, C channel, BackpressureStrategy strategy) {
    Objects.requireNonNull(loop, "loop");
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(strategy, "strategy");
    return AdapterCallbacks.readyFlowable(loop, channel, false, strategy);
  }

  /**
   * Emits {@code name} on the loop thread each time the JVM receives that signal: subscribing
   * calls {@link EventLoop#addSignalHandler(String, Runnable)}, disposing {@link
   * EventLoop#removeSignalHandler(String)} (which restores the JVM's previous handler). A loop has
   * one handler per signal, so keep one subscription per signal. asyncio: {@code
   * add_signal_handler}.
   *
   * @param loop the loop
   * @param name the signal, such as "INT", "TERM", "HUP", "USR1" (with or without "SIG")
   * @return the deliveries; errors with {@link IllegalArgumentException} if the signal is unknown
   *     or cannot be caught, or with what the loop's {@code addSignalHandler} throws
   * @throws NullPointerException if an argument is null
   */
  public static Observable<String> signals(EventLoop loop, String name) {
    Objects.requireNonNull(loop, "loop");
    Objects.requireNonNull(name, "name");
    return AdapterCallbacks.signals(loop, name);
  }

  /**
   * As {@link #signals(EventLoop, String)}, as a {@code Flowable} with {@code strategy} for
   * signals nobody requested.
   *
   * @param loop the loop
   * @param name the signal
   * @param strategy what to do with signals nobody requested
   * @return the deliveries
   * @throws NullPointerException if an argument is null
   */
  public static Flowable<String> signalsFlowable(EventLoop loop, String name, BackpressureStrategy strategy) {
    Objects.requireNonNull(loop, "loop");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(strategy, "strategy");
    return AdapterCallbacks.signalsFlowable(loop, name, strategy);
  }

  // ------------------------------------------------------------------ servers

  /**
   * Listens on {@code host}:{@code port} with default options and emits each accepted connection.
   * See {@link #serve(EventLoop, String, int, ServerOptions, Consumer)}.
   *
   * @param loop the loop
   * @param host the address to bind
   * @param port the port, 0 to 65535 (0 picks a free one)
   * @return the connections; dispose to stop listening
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code port} is out of range
   */
  public static Flowable<RxConnection> serve(EventLoop loop, String host, int port) {
    return serve(loop, host, port, ServerOptions.defaults());
  }

  /**
   * Listens on {@code host}:{@code port} with {@code options} and emits each accepted connection.
   * See {@link #serve(EventLoop, String, int, ServerOptions, Consumer)}.
   *
   * @param loop the loop
   * @param host the address to bind
   * @param port the port, 0 to 65535 (0 picks a free one)
   * @param options backlog, reuse, TLS
   * @return the connections; dispose to stop listening
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code port} is out of range
   */
  public static Flowable<RxConnection> serve(EventLoop loop, String host, int port, ServerOptions options) {
    return serve(loop, host, port, options, null);
  }

  /**
   * Each subscription starts a server on {@code host}:{@code port} ({@link
   * EventLoop#createServer(java.util.function.Supplier, String, int, ServerOptions)}) and emits its
   * accepted connections, on the loop thread. {@code onListening} gets the bound addresses (with
   * the port the system picked for port 0) on the loop thread once the server listens. Connections
   * wait in an unbounded buffer until requested; each is emitted once, and from then on it is the
   * subscriber's to use and close. Disposing the subscription closes the server (it stops
   * listening) and every connection accepted but not yet emitted; connections already emitted stay
   * open. Failing to listen (address in use) arrives as {@code onError}. Reactor: reactor-netty's
   * {@code TcpServer.bind()} with a handler; asyncio: {@code start_server}.
   *
   * @param loop the loop
   * @param host the address to bind
   * @param port the port, 0 to 65535 (0 picks a free one)
   * @param options backlog, reuse, TLS
   * @param onListening receives the bound addresses once listening, or null
   * @return the connections; dispose to stop listening
   * @throws NullPointerException if {@code loop}, {@code host} or {@code options} is null
   * @throws IllegalArgumentException if {@code port} is out of range
   */
  public static Flowable<RxConnection> serve(EventLoop loop, String host, int port, ServerOptions options,
      @Nullable Consumer<? super List<SocketAddress>> onListening) {
    Objects.requireNonNull(loop, "loop");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(options, "options");
    checkPort(port);
    return ConnectionAcceptor.serve(factory -> loop.createServer(factory, host, port, options), onListening);
  }

  /**
   * Listens on {@code host}:{@code port} for a whole loop group with default options. See {@link
   * #serve(EventLoopGroup, String, int, ServerOptions, Consumer)}.
   *
   * @param group the loops that run the connections
   * @param host the address to bind
   * @param port the port, 0 to 65535 (0 picks a free one)
   * @return the connections, from every loop of the group; dispose to stop listening
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code port} is out of range
   */
  public static Flowable<RxConnection> serve(EventLoopGroup group, String host, int port) {
    return serve(group, host, port, ServerOptions.defaults());
  }

  /**
   * Listens on {@code host}:{@code port} for a whole loop group with {@code options}. See {@link
   * #serve(EventLoopGroup, String, int, ServerOptions, Consumer)}.
   *
   * @param group the loops that run the connections
   * @param host the address to bind
   * @param port the port, 0 to 65535 (0 picks a free one)
   * @param options backlog, reuse (reusePort: one listener per loop), TLS
   * @return the connections, from every loop of the group; dispose to stop listening
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code port} is out of range
   */
  public static Flowable<RxConnection> serve(
      EventLoopGroup group, String host, int port, ServerOptions options) {
    return serve(group, host, port, options, null);
  }

  /**
   * As {@link #serve(EventLoop, String, int, ServerOptions, Consumer)}, for a loop group ({@link
   * EventLoopGroup#createServer(java.util.function.Supplier, String, int, ServerOptions)}): the
   * connections are spread over the group's loops, and each connection's signals (including its
   * own {@code onNext} here) come on its own loop's thread; the emissions of different loops are
   * serialized. {@code onListening} runs on the group's first loop.
   *
   * @param group the loops that run the connections
   * @param host the address to bind
   * @param port the port, 0 to 65535 (0 picks a free one)
   * @param options backlog, reuse (reusePort: one listener per loop), TLS
   * @param onListening receives the bound addresses once listening, or null
   * @return the connections, from every loop of the group; dispose to stop listening
   * @throws NullPointerException if {@code group}, {@code host} or {@code options} is null
   * @throws IllegalArgumentException if {@code port} is out of range
   */
  public static Flowable<RxConnection> serve(EventLoopGroup group, String host, int port,
      ServerOptions options,
      @Nullable Consumer<? super List<SocketAddress>> onListening) {
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(options, "options");
    checkPort(port);
    return ConnectionAcceptor.serve(factory -> group.createServer(factory, host, port, options), onListening);
  }

  /**
   * Listens on a Unix-domain socket at {@code path} with default options. See {@link
   * #serve(EventLoop, Path, ServerOptions, Consumer)}.
   *
   * @param loop the loop
   * @param path where to create the socket; must not exist
   * @return the connections; dispose to stop listening (the socket file is deleted)
   * @throws NullPointerException if an argument is null
   */
  public static Flowable<RxConnection> serve(EventLoop loop, Path path) {
    return serve(loop, path, ServerOptions.defaults());
  }

  /**
   * Listens on a Unix-domain socket at {@code path} with {@code options}. See {@link
   * #serve(EventLoop, Path, ServerOptions, Consumer)}.
   *
   * @param loop the loop
   * @param path where to create the socket; must not exist
   * @param options backlog, TLS
   * @return the connections; dispose to stop listening (the socket file is deleted)
   * @throws NullPointerException if an argument is null
   */
  public static Flowable<RxConnection> serve(EventLoop loop, Path path, ServerOptions options) {
    return serve(loop, path, options, null);
  }

  /**
   * As {@link #serve(EventLoop, String, int, ServerOptions, Consumer)}, on a Unix-domain socket
   * ({@link EventLoop#createUnixServer(java.util.function.Supplier, Path, ServerOptions)}); closing
   * the server deletes the socket file. asyncio: {@code start_unix_server}.
   *
   * @param loop the loop
   * @param path where to create the socket; must not exist
   * @param options backlog, TLS
   * @param onListening receives the bound address once listening, or null
   * @return the connections; dispose to stop listening
   * @throws NullPointerException if {@code loop}, {@code path} or {@code options} is null
   */
  public static Flowable<RxConnection> serve(EventLoop loop, Path path, ServerOptions options,
      @Nullable Consumer<? super List<SocketAddress>> onListening) {
    Objects.requireNonNull(loop, "loop");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(options, "options");
    return ConnectionAcceptor.serve(factory -> loop.createUnixServer(factory, path, options), onListening);
  }

  // ------------------------------------------------------------------ clients

  /**
   * Connects to {@code host}:{@code port} over TCP with default options. See {@link
   * #connect(EventLoop, String, int, ConnectOptions)}.
   *
   * @param loop the loop that runs the connection
   * @param host a host name or literal address
   * @param port the port, 0 to 65535
   * @return the connection, once made
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code port} is out of range
   */
  public static Single<RxConnection> connect(EventLoop loop, String host, int port) {
    return connect(loop, host, port, ConnectOptions.defaults());
  }

  /**
   * Each subscription connects to {@code host}:{@code port} ({@link
   * EventLoop#createConnection(java.util.function.Supplier, String, int, ConnectOptions)}) and
   * emits the connection on the loop thread; the subscriber owns it from then on. A refused
   * connection, a timeout or a failed TLS handshake arrives as {@code onError}. Disposing before
   * the connection is made cancels the attempt; a connection that is made anyway is closed.
   * Reactor: reactor-netty's {@code TcpClient.connect()}; asyncio: {@code open_connection}.
   *
   * @param loop the loop that runs the connection
   * @param host a host name or literal address
   * @param port the port, 0 to 65535
   * @param options TLS, timeouts, local address
   * @return the connection, once made
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code port} is out of range
   */
  public static Single<RxConnection> connect(EventLoop loop, String host, int port, ConnectOptions options) {
    Objects.requireNonNull(loop, "loop");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(options, "options");
    checkPort(port);
    return RxJavaPlugins.onAssembly(
        new ConnectionSingle(() -> loop.createConnection(ConnectionProtocol::new, host, port, options)));
  }

  /**
   * Connects to the Unix-domain socket at {@code path} ({@link
   * EventLoop#createUnixConnection(java.util.function.Supplier, Path)}): as {@link
   * #connect(EventLoop, String, int, ConnectOptions)} otherwise. asyncio: {@code
   * open_unix_connection}.
   *
   * @param loop the loop that runs the connection
   * @param path the socket's path
   * @return the connection, once made
   * @throws NullPointerException if an argument is null
   */
  public static Single<RxConnection> connect(EventLoop loop, Path path) {
    Objects.requireNonNull(loop, "loop");
    Objects.requireNonNull(path, "path");
    return RxJavaPlugins.onAssembly(
        new ConnectionSingle(() -> loop.createUnixConnection(ConnectionProtocol::new, path)));
  }

  /**
   * A new protocol whose connection is an {@link RxConnection}, for transports made by other loop
   * methods: {@code loop.connectReadPipe(RxLoop::newProtocol, pipe)}, {@code
   * connectAcceptedSocket}, {@code startTls}, and so on. Use each protocol for one transport. Any
   * thread.
   *
   * @return a new protocol
   */
  public static RxProtocol newProtocol() {
    return new ConnectionProtocol();
  }

  private static void checkPort(int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be between 0 and 65535: " + port);
    }
  }
}
