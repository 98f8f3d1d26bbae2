package dev.loop.rxjava.internal;

import dev.loop.LoopFuture;
import dev.loop.Server;
import dev.loop.net.Protocol;
import dev.loop.rxjava.RxConnection;
import io.reactivex.rxjava3.core.BackpressureStrategy;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.FlowableEmitter;
import io.reactivex.rxjava3.functions.Cancellable;
import java.net.SocketAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * {@code RxLoop.serve(...)}: a server per subscription, its accepted connections as a {@code
 * Flowable}.
 *
 * <p>Ownership: a connection belongs to the subscription from its {@code connectionMade} until the
 * subscriber receives it ({@link ConnectionProtocol#handOver()}, run by {@code doOnNext} just before
 * the subscriber's {@code onNext}). Cancelling closes the server and every connection that was
 * accepted but not handed over (those still in the {@code BUFFER} queue, or accepted while
 * cancelling), so nothing opened is leaked; connections already handed over are the subscriber's.
 */
public final class ConnectionAcceptor {

  private ConnectionAcceptor() {}

  /** Starts a server whose connections use the given protocol factory. */
  @FunctionalInterface
  public interface Starter {
    /**
     * Starts listening.
     *
     * @param factory makes each accepted connection's protocol
     * @return the server, once listening
     */
    LoopFuture<Server> start(Supplier<? extends Protocol> factory);
  }

  /**
   * The connections of a server that {@code starter} starts for each subscription.
   *
   * @param starter starts the server
   * @param onListening told the addresses once the server listens, on the loop thread, or null
   * @return the connections; cancel to close the server
   */
  public static Flowable<RxConnection> serve(
      Starter starter, @Nullable Consumer<? super List<SocketAddress>> onListening) {
    Flowable<RxConnection> connections = Flowable.create(
        emitter -> new Session(emitter.serialize(), onListening).start(starter),
        BackpressureStrategy.BUFFER);
    return connections.doOnNext(c -> ((ConnectionProtocol) c).handOver());
  }

  /** One subscription: one server. */
  private static final class Session implements ConnectionOwner, Cancellable {
    private static final Object CANCELLED = new Object();

    /** Serialized: connections of a loop group are made on several loop threads at once. */
    private final FlowableEmitter<RxConnection> emitter;
    private final @Nullable Consumer<? super List<SocketAddress>> onListening;
    /** null while starting, then the Server, or CANCELLED. */
    private final AtomicReference<@Nullable Object> server = new AtomicReference<>();
    private volatile @Nullable LoopFuture<Server> starting;
    private volatile boolean cancelled;
    /** Accepted, not handed over, not ended: what a cancel must close. */
    private final Set<ConnectionProtocol> undelivered = ConcurrentHashMap.newKeySet();

    Session(FlowableEmitter<RxConnection> emitter,
        @Nullable Consumer<? super List<SocketAddress>> onListening) {
      this.emitter = emitter;
      this.onListening = onListening;
    }

    void start(Starter starter) {
      emitter.setCancellable(this);
      LoopFuture<Server> future = starter.start(() -> new ConnectionProtocol(this));
      starting = future;
      // Re-check after publishing the future: a cancel that ran before could not cancel it.
      if (cancelled) {
        future.cancel();
      }
      future.addDoneCallback(this::started);
    }

    /** Loop thread: the server listens, or failed to. */
    private void started(LoopFuture<Server> future) {
      if (future.isCancelled()) {
        return; // cancelled by us, before it listened
      }
      Throwable error = future.exception();
      if (error != null) {
        emitter.tryOnError(error);
        return;
      }
      Server s = future.result();
      if (s == null) {
        emitter.tryOnError(new IllegalStateException("createServer completed without a server"));
        return;
      }
      if (!server.compareAndSet(null, s)) {
        s.close(); // cancelled while it was starting
        return;
      }
      if (onListening != null) {
        try {
          onListening.accept(s.sockets());
        } catch (Throwable t) {
          emitter.tryOnError(t); // cancels, which closes the server
        }
      }
    }

    @Override
    public void cancel() {
      cancelled = true;
      Object previous = server.getAndSet(CANCELLED);
      if (previous instanceof Server s) {
        s.close();
      } else {
        LoopFuture<Server> future = starting;
        if (future != null) {
          future.cancel(); // if it had already succeeded, started() sees CANCELLED and closes
        }
      }
      for (ConnectionProtocol c : undelivered) {
        undelivered.remove(c);
        if (c.reclaim()) {
          c.closeQuietly();
        }
      }
    }

    @Override
    public void connectionMade(ConnectionProtocol c) {
      undelivered.add(c);
      // Re-check after adding: a cancel that iterated before the add did not see this connection.
      if (cancelled) {
        undelivered.remove(c);
        if (c.reclaim()) {
          c.closeOnLoop();
        }
        return;
      }
      emitter.onNext(c);
    }

    @Override
    public void connectionReleased(ConnectionProtocol c) {
      undelivered.remove(c);
    }
  }
}
