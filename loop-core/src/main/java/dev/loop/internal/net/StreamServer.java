package dev.loop.internal.net;

import dev.loop.EventLoop;
import dev.loop.EventLoopGroup;
import dev.loop.ExceptionContext;
import dev.loop.LoopFuture;
import dev.loop.Server;
import dev.loop.internal.BaseEventLoop;
import dev.loop.internal.DefaultLoopFuture;
import dev.loop.internal.SelectorEventLoop;
import dev.loop.net.Protocol;
import dev.loop.net.ServerOptions;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A listening server: asyncio's {@code Server}. One listener per bound socket, each on the loop
 * that accepts on it; accepted connections go to the same loop, or round-robin over a group.
 *
 * <p>State ({@code serving}, {@code closed}) changes on the server's own loop; the client set is
 * concurrent because, on a group, clients live on several loops.
 */
public final class StreamServer implements Server, BaseEventLoop.IoResource {

  /** asyncio's {@code ACCEPT_RETRY_DELAY}: wait this long when accept fails for lack of resources. */
  static final Duration ACCEPT_RETRY_DELAY = Duration.ofSeconds(1);

  private final BaseEventLoop loop;
  private final @Nullable EventLoopGroup group;
  private final Supplier<? extends Protocol> factory;
  private final ServerOptions options;
  private final List<Listener> listeners = new ArrayList<>();
  private final @Nullable Path unixPath;
  private final Set<StreamTransport> clients = ConcurrentHashMap.newKeySet();
  private final List<DefaultLoopFuture<Void>> waiters = new ArrayList<>();
  private volatile boolean serving;
  private volatile boolean closed;
  /** Listeners closed but not yet confirmed gone by a poll of their loop. Server's loop. */
  private int listenersOpen;
  private @Nullable DefaultLoopFuture<Void> forever;

  private StreamServer(BaseEventLoop loop, @Nullable EventLoopGroup group, Supplier<? extends Protocol> factory,
      ServerOptions options, @Nullable Path unixPath) {
    this.loop = loop;
    this.group = group;
    this.factory = factory;
    this.options = options;
    this.unixPath = unixPath;
  }

  /** One listening socket and the loop that accepts on it. */
  private final class Listener implements SelectorEventLoop.IoHandler {
    final BaseEventLoop acceptLoop;
    final ServerSocketChannel channel;
    final SocketAddress address;
    @Nullable SelectionKey key;

    Listener(BaseEventLoop acceptLoop, ServerSocketChannel channel) throws IOException {
      this.acceptLoop = acceptLoop;
      this.channel = channel;
      this.address = channel.getLocalAddress();
    }

    /** On the accepting loop. */
    void start() {
      if (closed || key != null) {
        return;
      }
      try {
        key = channel.register(acceptLoop.selector(), SelectionKey.OP_ACCEPT, this);
      } catch (IOException e) {
        acceptLoop.callExceptionHandler(ExceptionContext.of("Cannot start serving on " + address, e)
            .withSocket(channel));
      }
    }

    @Override
    public void ready(SelectionKey selected) {
      for (int i = 0; i < options.backlog(); i++) {
        SocketChannel accepted;
        try {
          accepted = channel.accept();
        } catch (IOException e) {
          if (!channel.isOpen()) {
            return;
          }
          // Out of file descriptors or buffers: stop accepting a while, as asyncio does.
          acceptLoop.callExceptionHandler(ExceptionContext.of("socket.accept() out of system resource", e)
              .withSocket(channel));
          selected.interestOps(0);
          acceptLoop.callLater(ACCEPT_RETRY_DELAY, () -> {
            if (!closed && selected.isValid()) {
              selected.interestOps(SelectionKey.OP_ACCEPT);
            }
          });
          return;
        }
        if (accepted == null) {
          return;
        }
        handOff(accepted);
      }
    }

    private void handOff(SocketChannel accepted) {
      try {
        accepted.configureBlocking(false);
        if (unixPath == null) {
          accepted.setOption(StandardSocketOptions.TCP_NODELAY, true);
        }
      } catch (IOException e) {
        Connector.closeQuietly(accepted);
        return;
      }
      BaseEventLoop target = group == null || options.reusePort() ? acceptLoop : (BaseEventLoop) group.next();
      Runnable adopt = () -> Connector.adopt(target, factory, accepted, options.ssl(),
          options.sslHandshakeTimeout(), true, null, null, StreamServer.this, null);
      if (target == acceptLoop) {
        adopt.run();
      } else {
        if (!onLoopUnlessClosed(target, adopt)) {
          Connector.closeQuietly(accepted);
        }
      }
    }

    /**
     * On the accepting loop. A channel registered with a selector is really closed only when the
     * selector next polls and drops the cancelled key; until then the port still accepts. So the
     * listener reports itself gone from a callback of the next iteration, which runs after that
     * poll.
     */
    void close() {
      if (key != null) {
        key.cancel();
        key = null;
      }
      Connector.closeQuietly(channel);
      acceptLoop.callSoon(() -> onLoopUnlessClosed(loop, StreamServer.this::listenerGone));
    }
  }

  // ------------------------------------------------------------------ making servers

  /**
   * Listens over TCP on {@code loop}, or on a group: one listener handing connections round-robin
   * to the group's loops, or with {@code reusePort} one listener per loop. Loop thread.
   *
   * @param loop the loop that makes the server (the group's first loop for a group)
   * @param group the group, or null
   * @param factory makes each connection's protocol
   * @param host the host to bind
   * @param port the port
   * @param options the options
   * @param result completed with the server
   */
  public static void listenTcp(BaseEventLoop loop, @Nullable EventLoopGroup group,
      Supplier<? extends Protocol> factory, String host, int port, ServerOptions options,
      DefaultLoopFuture<Server> result) {
    Resolver.resolve(loop, host, port).whenComplete((addresses, error) -> {
      if (error != null) {
        result.completeExceptionally(error.getCause() != null ? error.getCause() : error);
        return;
      }
      StreamServer server = new StreamServer(loop, group, factory, options, null);
      try {
        InetSocketAddress address = addresses.get(0);
        List<BaseEventLoop> acceptLoops = new ArrayList<>();
        if (group != null && options.reusePort()) {
          for (EventLoop l : group.loops()) {
            acceptLoops.add((BaseEventLoop) l);
          }
        } else {
          acceptLoops.add(loop);
        }
        int boundPort = port;
        for (BaseEventLoop acceptLoop : acceptLoops) {
          ServerSocketChannel channel = bindTcp(new InetSocketAddress(address.getAddress(), boundPort), options);
          Listener listener = server.new Listener(acceptLoop, channel);
          server.listeners.add(listener);
          boundPort = ((InetSocketAddress) listener.address).getPort(); // the others share the port
        }
      } catch (IOException | RuntimeException e) {
        server.listeners.forEach(l -> Connector.closeQuietly(l.channel));
        result.completeExceptionally(e);
        return;
      }
        loop.track(server);
      if (options.startServing()) {
        server.startServing();
      }
      result.complete(server);
    });
  }

  private static ServerSocketChannel bindTcp(InetSocketAddress address, ServerOptions options) throws IOException {
    ServerSocketChannel channel = ServerSocketChannel.open(
        address.getAddress() instanceof java.net.Inet6Address ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
    try {
      channel.configureBlocking(false);
      channel.setOption(StandardSocketOptions.SO_REUSEADDR, options.reuseAddress());
      if (options.reusePort()) {
        if (!channel.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)) {
          throw new UnsupportedOperationException("SO_REUSEPORT is not supported on this platform");
        }
        channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
      }
      channel.bind(address, options.backlog());
      return channel;
    } catch (BindException e) {
      Connector.closeQuietly(channel);
      BindException described = new BindException("could not bind on address " + address + ": " + e.getMessage());
      described.initCause(e);
      throw described;
    } catch (IOException | RuntimeException e) {
      Connector.closeQuietly(channel);
      throw e;
    }
  }

  /**
   * Listens on a Unix-domain socket at {@code path}. Loop thread.
   *
   * @param loop the loop
   * @param factory makes each connection's protocol
   * @param path the socket path, which must not exist
   * @param options the options
   * @param result completed with the server
   */
  public static void listenUnix(BaseEventLoop loop, Supplier<? extends Protocol> factory, Path path,
      ServerOptions options, DefaultLoopFuture<Server> result) {
    StreamServer server = new StreamServer(loop, null, factory, options, path);
    ServerSocketChannel channel = null;
    try {
      channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      channel.configureBlocking(false);
      channel.bind(UnixDomainSocketAddress.of(path), options.backlog());
      server.listeners.add(server.new Listener(loop, channel));
    } catch (IOException | RuntimeException e) {
      Connector.closeQuietly(channel);
      result.completeExceptionally(e);
      return;
    }
    loop.track(server);
    if (options.startServing()) {
      server.startServing();
    }
    result.complete(server);
  }

  // ------------------------------------------------------------------ clients

  void attach(StreamTransport transport) {
    clients.add(transport);
  }

  /** Any loop of the group: the transport is gone; the last one wakes {@code waitClosed()}. */
  void detach(StreamTransport transport) {
    clients.remove(transport);
    if (closed && clients.isEmpty()) {
      onLoopUnlessClosed(loop, this::wakeWaiters);
    }
  }

  // ------------------------------------------------------------------ Server

  @Override
  public void close() {
    loop.runOnLoop(() -> {
      if (closed) {
        return;
      }
      closed = true;
      serving = false;
      listenersOpen = listeners.size();
      for (Listener listener : listeners) {
        onLoopUnlessClosed(listener.acceptLoop, listener::close);
      }
      if (unixPath != null) {
        try {
          Files.deleteIfExists(unixPath);
        } catch (IOException e) {
          loop.callExceptionHandler(ExceptionContext.of("Cannot remove the socket file " + unixPath, e));
        }
      }
      loop.untrack(this);
      wakeWaiters();
    });
  }

  @Override
  public void beginClose() {
    close();
    closeClients();
  }

  @Override
  public void closeNow() {
    closed = true;
    for (Listener listener : listeners) {
      if (listener.key != null) {
        listener.key.cancel();
      }
      Connector.closeQuietly(listener.channel);
    }
    if (unixPath != null) {
      try {
        Files.deleteIfExists(unixPath);
      } catch (IOException ignored) {
        // best effort when the loop closes
      }
    }
  }

  /** On the server's loop: one more listener's socket is really closed. */
  private void listenerGone() {
    if (--listenersOpen == 0 && forever != null) {
      forever.complete(null); // serveForever ends with the listening, not with the clients
    }
    wakeWaiters();
  }

  private void wakeWaiters() {
    if (!closed || listenersOpen > 0 || !clients.isEmpty()) {
      return;
    }
    List<DefaultLoopFuture<Void>> done;
    synchronized (waiters) {
      done = new ArrayList<>(waiters);
      waiters.clear();
    }
    done.forEach(w -> w.complete(null));
  }

  @Override
  public void closeClients() {
    for (StreamTransport client : clients) {
      onLoopUnlessClosed((BaseEventLoop) client.getLoop(), client::close);
    }
  }

  @Override
  public void abortClients() {
    for (StreamTransport client : clients) {
      onLoopUnlessClosed((BaseEventLoop) client.getLoop(), client::abort);
    }
  }

  /**
   * Runs {@code action} on {@code target} (now if this is its thread), unless that loop is closed.
   * A server's listeners and connections may live on several loops of a group, which close one by
   * one; a closed loop has closed its own listeners and connections, and the server's
   * {@code waitClosed()} futures if it was the server's loop, so there is nothing left to do there.
   *
   * @return false if {@code target} was closed and {@code action} did not run
   */
  private static boolean onLoopUnlessClosed(BaseEventLoop target, Runnable action) {
    if (target.isClosed()) {
      return false;
    }
    try {
      target.runOnLoop(action);
      return true;
    } catch (IllegalStateException closedMeanwhile) {
      return false; // it closed between the check and the call
    }
  }

  @Override
  public LoopFuture<Void> waitClosed() {
    DefaultLoopFuture<Void> waiter = new DefaultLoopFuture<>(loop);
    synchronized (waiters) {
      waiters.add(waiter);
    }
    loop.runOnLoop(this::wakeWaiters);
    return waiter;
  }

  @Override
  public void startServing() {
    if (closed) {
      throw new IllegalStateException("the server is closed");
    }
    loop.runOnLoop(() -> {
      if (closed || serving) {
        return;
      }
      serving = true;
      for (Listener listener : listeners) {
        listener.acceptLoop.runOnLoop(listener::start);
      }
    });
  }

  @Override
  public LoopFuture<Void> serveForever() {
    if (closed) {
      throw new IllegalStateException("the server is closed");
    }
    DefaultLoopFuture<Void> future = new DefaultLoopFuture<>(loop);
    future.addDoneCallback(f -> {
      if (f.isCancelled()) {
        close();
      }
    });
    loop.runOnLoop(() -> {
      if (forever != null && !forever.isDone()) {
        future.completeExceptionally(new IllegalStateException("the server is already being awaited by serveForever()"));
        return;
      }
      forever = future;
      startServing();
    });
    return future;
  }

  @Override
  public boolean isServing() {
    return serving && !closed;
  }

  @Override
  public List<SocketAddress> sockets() {
    if (closed) {
      return List.of();
    }
    List<SocketAddress> addresses = new ArrayList<>(listeners.size());
    for (Listener listener : listeners) {
      addresses.add(listener.address);
    }
    return List.copyOf(addresses);
  }

  @Override
  public EventLoop getLoop() {
    return loop;
  }

  @Override
  public String toString() {
    return "Server[" + sockets() + (isServing() ? ", serving" : "") + (closed ? ", closed" : "")
        + ", clients=" + clients.size() + "]";
  }
}
