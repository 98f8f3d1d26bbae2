package dev.loop.net;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.loop.EventLoop;
import dev.loop.EventLoopGroup;
import dev.loop.ExceptionContext;
import dev.loop.LoopFuture;
import dev.loop.Server;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Stream transports end to end, on real sockets: the cases of CPython's
 * {@code test_selector_events.py} and {@code test_events.py} (server and connection parts).
 *
 * <p>The cases live in {@link Scenarios}, which only knows how to make a server and a client of it
 * ({@link Endpoints}); {@link OverTcp} runs them on 127.0.0.1 and {@code UnixSocketTest} runs them
 * on Unix-domain sockets, as Netty's test suite runs one scenario over several transports. The other
 * test classes of this package reuse {@link Harness}, {@link Recorder} and {@link Echo}.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class StreamTransportTest {

  /** The most any single wait of these tests may take. */
  static final Duration WAIT = Duration.ofSeconds(20);

  static final int MIB = 1024 * 1024;

  // ------------------------------------------------------------------------------------------
  // Shared machinery
  // ------------------------------------------------------------------------------------------

  /** Waits for {@code future} at most {@link #WAIT}; failures come back as they are thrown. */
  static <T> T await(Future<T> future) throws Exception {
    return future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The failure of a future that must fail within {@link #WAIT}. */
  static Throwable failureOf(Future<?> future) throws Exception {
    try {
      Object value = future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      return fail("expected a failure, got the result " + value);
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }

  /** Every throwable of the cause chain (and suppressed ones), starting with {@code t}. */
  static List<Throwable> chain(@Nullable Throwable t) {
    List<Throwable> all = new ArrayList<>();
    collect(t, all);
    return all;
  }

  private static void collect(@Nullable Throwable t, List<Throwable> into) {
    if (t == null || into.contains(t)) {
      return;
    }
    into.add(t);
    collect(t.getCause(), into);
    for (Throwable s : t.getSuppressed()) {
      collect(s, into);
    }
  }

  /** Deterministic pseudo-random bytes. */
  static byte[] randomBytes(int n, long seed) {
    byte[] bytes = new byte[n];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  static ByteBuffer bytes(String s) {
    return ByteBuffer.wrap(s.getBytes(UTF_8));
  }

  /** Asserts two large arrays are equal without printing megabytes when they are not. */
  static void assertSameBytes(byte[] actual, byte[] expected) {
    assertThat(actual.length).as("byte count").isEqualTo(expected.length);
    assertThat(Arrays.mismatch(actual, expected)).as("index of the first differing byte").isEqualTo(-1);
  }

  /** Work to run on the loop thread that may throw. */
  @FunctionalInterface
  interface LoopWork {
    void run() throws Exception;
  }

  /**
   * A loop running on its own thread (a group of one), what the test opened on it, and what its
   * exception handler received. Closing it closes every server, aborts every transport, waits until
   * every connection saw {@code connectionLost}, shuts the loop down, and then checks the invariants
   * every protocol recorded (callbacks on the loop thread, in asyncio's order, {@code connectionLost}
   * exactly once) and that the exception handler saw nothing unexpected.
   */
  static final class Harness implements AutoCloseable {
    final EventLoopGroup group = EventLoopGroup.create(1);
    final EventLoop loop = group.next();
    final List<Server> servers = new CopyOnWriteArrayList<>();
    final List<Transport> transports = new CopyOnWriteArrayList<>();
    final List<Recorder> recorders = new CopyOnWriteArrayList<>();
    final BlockingQueue<Protocol> accepted = new LinkedBlockingQueue<>();
    final ConcurrentLinkedQueue<ExceptionContext> errors = new ConcurrentLinkedQueue<>();
    /** Whether the exception handler may be called at all in this test. */
    volatile boolean errorsExpected;
    /** Whether the exception handler may report I/O errors (peer resets) in this test. */
    volatile boolean ioErrorsTolerated;

    Harness() throws Exception {
      call(() -> {
        loop.setExceptionHandler((l, context) -> errors.add(context));
        return null;
      });
    }

    /** Runs {@code work} on the loop thread and returns what it returned, waiting at most WAIT. */
    <T> T call(Callable<T> work) throws Exception {
      CompletableFuture<T> result = new CompletableFuture<>();
      loop.execute(() -> {
        try {
          result.complete(work.call());
        } catch (Throwable t) {
          result.completeExceptionally(t);
        }
      });
      try {
        return await(result);
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof Exception ex) {
          throw ex;
        }
        throw (Error) cause;
      }
    }

    /** Runs {@code work} on the loop thread and waits for it. */
    void run(LoopWork work) throws Exception {
      call(() -> {
        work.run();
        return null;
      });
    }

    /** Lets the loop go through {@code n} more iterations (each with a non-blocking poll). */
    void iterations(int n) throws Exception {
      CompletableFuture<Void> done = new CompletableFuture<>();
      loop.execute(() -> step(n, done));
      await(done);
    }

    private void step(int left, CompletableFuture<Void> done) {
      if (left == 0) {
        done.complete(null);
      } else {
        loop.callSoon(() -> step(left - 1, done));
      }
    }

    /** Registers a protocol the server side made, for {@link #nextAccepted()}. */
    <P extends Protocol> P accept(P protocol) {
      accepted.add(protocol);
      return protocol;
    }

    /** The next protocol a server of this harness made (through {@link #accept}). */
    @SuppressWarnings("unchecked")
    <P extends Protocol> P nextAccepted() throws InterruptedException {
      Protocol p = accepted.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(p).as("a protocol made by the server within " + WAIT).isNotNull();
      return (P) p;
    }

    Server listen(Endpoints endpoints, Supplier<? extends Protocol> factory) throws Exception {
      return listen(endpoints, factory, ServerOptions.defaults());
    }

    Server listen(Endpoints endpoints, Supplier<? extends Protocol> factory, ServerOptions options)
        throws Exception {
      Server server = await(endpoints.listen(loop, factory, options));
      servers.add(server);
      return server;
    }

    <P extends Protocol> Connection<P> connect(Endpoints endpoints, Supplier<P> factory, Server server)
        throws Exception {
      Connection<P> connection = await(endpoints.connect(loop, factory, server));
      transports.add(connection.transport());
      return connection;
    }

    /** The errors seen so far, taken out of the queue. */
    List<ExceptionContext> drainErrors() {
      List<ExceptionContext> out = new ArrayList<>();
      for (ExceptionContext c; (c = errors.poll()) != null; ) {
        out.add(c);
      }
      return out;
    }

    /** Closes as {@link #closeChecked()}; checked failures come back as assertion errors. */
    @Override
    public void close() {
      try {
        closeChecked();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while closing the harness", e);
      } catch (RuntimeException | Error e) {
        throw e;
      } catch (Exception e) {
        throw new AssertionError("closing the harness failed: " + e, e);
      }
    }

    private void closeChecked() throws Exception {
      List<String> problems = new ArrayList<>();
      try {
        if (!group.isShuttingDown()) {
          run(() -> {
            for (Server server : servers) {
              server.close();
            }
            for (Transport transport : transports) {
              transport.abort();
            }
            for (Recorder r : recorders) {
              if (r.transport != null) {
                r.transport.abort();
              }
            }
          });
          for (Recorder r : recorders) {
            if (r.made.isDone()) {
              try {
                r.lost.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
              } catch (TimeoutException e) {
                problems.add(r + ": connectionLost never came after abort()");
              }
            }
          }
        }
      } finally {
        group.shutdownGracefully().toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      }
      for (Recorder r : recorders) {
        for (String v : r.violations) {
          problems.add(r + ": " + v);
        }
      }
      for (ExceptionContext context : errors) {
        boolean io = chain(context.exception()).stream().anyMatch(t -> t instanceof IOException);
        if (!errorsExpected && !(ioErrorsTolerated && io)) {
          problems.add("unexpected call of the exception handler: " + context.message() + " / "
              + context.exception());
        }
      }
      assertThat(problems).as("invariants of every connection of the test").isEmpty();
    }
  }

  /** How to make a listening server and a client of it. */
  interface Endpoints {

    LoopFuture<Server> listen(EventLoop loop, Supplier<? extends Protocol> factory, ServerOptions options);

    <P extends Protocol> LoopFuture<Connection<P>> connect(EventLoop loop, Supplier<P> factory, Server server);
  }

  /** TCP on 127.0.0.1, port 0. */
  static Endpoints tcp() {
    return new Endpoints() {
      @Override
      public LoopFuture<Server> listen(
          EventLoop loop, Supplier<? extends Protocol> factory, ServerOptions options) {
        return loop.createServer(factory, "127.0.0.1", 0, options);
      }

      @Override
      public <P extends Protocol> LoopFuture<Connection<P>> connect(
          EventLoop loop, Supplier<P> factory, Server server) {
        InetSocketAddress address = (InetSocketAddress) server.sockets().get(0);
        return loop.createConnection(factory, "127.0.0.1", address.getPort());
      }

      @Override
      public String toString() {
        return "TCP on 127.0.0.1";
      }
    };
  }

  /** Unix-domain sockets, one fresh path in {@code directory} per server. */
  static Endpoints unix(Supplier<Path> directory) {
    AtomicInteger counter = new AtomicInteger();
    return new Endpoints() {
      @Override
      public LoopFuture<Server> listen(
          EventLoop loop, Supplier<? extends Protocol> factory, ServerOptions options) {
        Path path = directory.get().resolve("s" + counter.incrementAndGet() + ".sock");
        return loop.createUnixServer(factory, path, options);
      }

      @Override
      public <P extends Protocol> LoopFuture<Connection<P>> connect(
          EventLoop loop, Supplier<P> factory, Server server) {
        UnixDomainSocketAddress address = (UnixDomainSocketAddress) server.sockets().get(0);
        return loop.createUnixConnection(factory, address.getPath());
      }

      @Override
      public String toString() {
        return "Unix-domain sockets";
      }
    };
  }

  /**
   * A protocol that records everything it is told and checks asyncio's calling contract: every
   * callback on the loop thread, {@code connectionMade} first and once, nothing after {@code
   * connectionLost}, which comes exactly once, {@code eofReceived} at most once, and no empty
   * {@code dataReceived}. Subclasses add behaviour through the {@code on*} hooks.
   */
  static class Recorder implements Protocol {
    final Harness h;
    volatile @Nullable Transport transport;
    final CompletableFuture<Transport> made = new CompletableFuture<>();
    final CompletableFuture<Void> eof = new CompletableFuture<>();
    final CompletableFuture<Optional<Throwable>> lost = new CompletableFuture<>();
    final CompletableFuture<Void> firstPause = new CompletableFuture<>();
    final CompletableFuture<Void> firstResume = new CompletableFuture<>();
    final AtomicInteger lostCount = new AtomicInteger();
    final AtomicInteger pauseCount = new AtomicInteger();
    final AtomicInteger resumeCount = new AtomicInteger();
    final List<String> events = Collections.synchronizedList(new ArrayList<>());
    final List<String> violations = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private final List<Waiter> waiters = new ArrayList<>();
    volatile boolean keepOpenOnEof;

    private record Waiter(int bytes, CompletableFuture<byte[]> future) {}

    Recorder(Harness h) {
      this.h = h;
      h.recorders.add(this);
    }

    /** Makes {@code eofReceived} return true (a half-close). */
    Recorder keepOpenOnEof() {
      keepOpenOnEof = true;
      return this;
    }

    Transport t() {
      Transport t = transport;
      assertThat(t).as("transport of " + this).isNotNull();
      return t;
    }

    /** Set when connectionMade starts: what it does (a write that pauses) may call back inside it. */
    private volatile boolean madeCalled;

    private void check(String event) {
      if (!h.loop.inEventLoop()) {
        violations.add(event + " called on " + Thread.currentThread().getName() + ", not the loop thread");
      }
      if (!event.equals("made") && !madeCalled) {
        violations.add(event + " before connectionMade");
      }
      if (lost.isDone()) {
        violations.add(event + " after connectionLost");
      }
      synchronized (events) {
        if (!(event.equals("data") && !events.isEmpty() && events.get(events.size() - 1).equals("data"))) {
          events.add(event);
        }
      }
    }

    @Override
    public final void connectionMade(Transport t) {
      check("made");
      if (madeCalled) {
        violations.add("connectionMade called twice");
      }
      madeCalled = true;
      transport = t;
      onMade(t);
      made.complete(t);
    }

    @Override
    public final void dataReceived(ByteBuffer data) {
      check("data");
      if (!data.hasRemaining()) {
        violations.add("dataReceived with no bytes");
      }
      byte[] chunk = new byte[data.remaining()];
      data.get(chunk);
      record(chunk);
      onData(chunk);
    }

    /** Appends {@code chunk} to what was received and wakes the waiters it satisfies. */
    final void record(byte[] chunk) {
      List<CompletableFuture<byte[]>> ready = new ArrayList<>();
      byte[] all = null;
      synchronized (received) {
        received.write(chunk, 0, chunk.length);
        for (var it = waiters.iterator(); it.hasNext(); ) {
          Waiter w = it.next();
          if (received.size() >= w.bytes()) {
            it.remove();
            ready.add(w.future());
          }
        }
        if (!ready.isEmpty()) {
          all = received.toByteArray();
        }
      }
      for (CompletableFuture<byte[]> f : ready) {
        f.complete(all);
      }
    }

    @Override
    public final boolean eofReceived() {
      check("eof");
      if (eof.isDone()) {
        violations.add("eofReceived called twice");
      }
      boolean keep = onEof();
      eof.complete(null);
      return keep;
    }

    @Override
    public final void connectionLost(@Nullable Throwable cause) {
      check("lost");
      if (lostCount.incrementAndGet() > 1) {
        violations.add("connectionLost called again, with " + cause);
      }
      onLost(cause);
      lost.complete(Optional.ofNullable(cause));
    }

    @Override
    public final void pauseWriting() {
      check("pause");
      pauseCount.incrementAndGet();
      firstPause.complete(null);
      onPause();
    }

    @Override
    public final void resumeWriting() {
      check("resume");
      resumeCount.incrementAndGet();
      firstResume.complete(null);
      onResume();
    }

    void onMade(Transport t) {}

    void onData(byte[] chunk) {}

    boolean onEof() {
      return keepOpenOnEof;
    }

    void onLost(@Nullable Throwable cause) {}

    void onPause() {}

    void onResume() {}

    /** Everything received so far. */
    byte[] received() {
      synchronized (received) {
        return received.toByteArray();
      }
    }

    String receivedText() {
      return new String(received(), UTF_8);
    }

    int receivedSize() {
      synchronized (received) {
        return received.size();
      }
    }

    /** Completes with everything received once at least {@code n} bytes have come. */
    CompletableFuture<byte[]> whenReceived(int n) {
      CompletableFuture<byte[]> f = new CompletableFuture<>();
      synchronized (received) {
        if (received.size() >= n) {
          f.complete(received.toByteArray());
        } else {
          waiters.add(new Waiter(n, f));
        }
      }
      return f;
    }

    /** The pause/resume events, in order. */
    List<String> flowEvents() {
      synchronized (events) {
        return events.stream().filter(e -> e.equals("pause") || e.equals("resume")).toList();
      }
    }

    @Override
    public String toString() {
      return getClass().getSimpleName() + "@" + Integer.toHexString(System.identityHashCode(this)) + events;
    }
  }

  /** Sends back whatever arrives; stops reading while its own writes are paused. */
  static class Echo extends Recorder {
    Echo(Harness h) {
      super(h);
    }

    @Override
    void onData(byte[] chunk) {
      t().write(ByteBuffer.wrap(chunk));
    }

    @Override
    void onPause() {
      t().pauseReading();
    }

    @Override
    void onResume() {
      t().resumeReading();
    }
  }

  /** Stops reading as soon as the connection is made. */
  static class PausedReader extends Recorder {
    PausedReader(Harness h) {
      super(h);
    }

    @Override
    void onMade(Transport t) {
      t.pauseReading();
    }
  }

  // ------------------------------------------------------------------------------------------
  // The scenarios
  // ------------------------------------------------------------------------------------------

  /** The transport cases, over whatever {@link #endpoints()} makes. */
  abstract static class Scenarios {
    Harness h;

    abstract Endpoints endpoints();

    @BeforeEach
    void openHarness() throws Exception {
      h = new Harness();
    }

    @AfterEach
    void closeHarness() throws Exception {
      h.close();
    }

    Server echoServer() throws Exception {
      return h.listen(endpoints(), () -> h.accept(new Echo(h)));
    }

    Server recordingServer() throws Exception {
      return h.listen(endpoints(), () -> h.accept(new Recorder(h)));
    }

    Recorder client(Server server) throws Exception {
      return h.connect(endpoints(), () -> new Recorder(h), server).protocol();
    }

    @Test
    void smallMessagesComeBackByteForByteAndInOrder() throws Exception {
      Server server = echoServer();
      Recorder client = client(server);
      List<String> messages = List.of("a", "hello", "", "world!\n", "ünïcödé ✓", "x".repeat(1000), "\0\r\n");

      List<Integer> leftAfterWrite = h.call(() -> {
        List<Integer> left = new ArrayList<>();
        for (String m : messages) {
          ByteBuffer buffer = bytes(m);
          client.t().write(buffer);
          left.add(buffer.remaining());
        }
        return left;
      });

      byte[] expected = String.join("", messages).getBytes(UTF_8);
      assertThat(leftAfterWrite).as("write moves each buffer's position to its limit").containsOnly(0);
      assertThat(await(client.whenReceived(expected.length))).isEqualTo(expected);
      h.iterations(5);
      assertThat(client.received()).as("nothing more than was sent").isEqualTo(expected);
    }

    @Test
    void sixteenMebibytesWrittenAtOnceComeBackByteExact() throws Exception {
      Server server = echoServer();
      Recorder client = client(server);
      byte[] payload = randomBytes(16 * MIB, 16);

      h.run(() -> client.t().write(ByteBuffer.wrap(payload)));

      assertSameBytes(await(client.whenReceived(payload.length)), payload);
      assertThat(h.call(() -> client.t().getWriteBufferSize())).isZero();
    }

    @Test
    void twoHundredConcurrentClientsEachGetTheirOwnBytesBack() throws Exception {
      Server server = h.listen(endpoints(), () -> h.accept(new Echo(h)), ServerOptions.defaults().withBacklog(512));
      int clients = 200;
      List<LoopFuture<Connection<Recorder>>> connecting = new ArrayList<>();
      List<byte[]> greetings = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        byte[] greeting = ("client " + i + " says " + "#".repeat(i * 37 % 500) + "\n").getBytes(UTF_8);
        greetings.add(greeting);
        connecting.add(endpoints().connect(h.loop, () -> new Recorder(h) {
          @Override
          void onMade(Transport t) {
            t.write(ByteBuffer.wrap(greeting));
          }
        }, server));
      }
      List<Recorder> protocols = new ArrayList<>();
      for (LoopFuture<Connection<Recorder>> f : connecting) {
        Connection<Recorder> c = await(f);
        h.transports.add(c.transport());
        protocols.add(c.protocol());
      }

      for (int i = 0; i < clients; i++) {
        assertThat(await(protocols.get(i).whenReceived(greetings.get(i).length)))
            .as("what client %d got back", i)
            .isEqualTo(greetings.get(i));
      }
      assertThat(h.accepted).hasSize(clients);
    }

    @Test
    void halfCloseLetsTheServerAnswerAfterEofAndTheClientThenSeesEof() throws Exception {
      Server server = h.listen(endpoints(), () -> h.accept(new Recorder(h).keepOpenOnEof()));
      Recorder client = client(server);
      Recorder serverSide = h.nextAccepted();

      boolean canWriteEof = h.call(() -> {
        boolean can = client.t().canWriteEof();
        client.t().write(bytes("question"));
        client.t().writeEof();
        return can;
      });
      await(serverSide.eof);

      assertThat(canWriteEof).isTrue();
      assertThat(serverSide.receivedText()).isEqualTo("question");
      boolean closingAfterEof = h.call(() -> {
        boolean closing = serverSide.t().isClosing();
        serverSide.t().write(bytes("answer"));
        serverSide.t().close();
        return closing;
      });
      assertThat(closingAfterEof).as("server transport closing after eofReceived returned true").isFalse();

      assertThat(await(client.lost)).as("client's connectionLost cause").isEmpty();
      assertThat(await(serverSide.lost)).as("server's connectionLost cause").isEmpty();
      assertThat(client.receivedText()).isEqualTo("answer");
      assertThat(client.events).containsExactly("made", "data", "eof", "lost");
      assertThat(serverSide.events).containsExactly("made", "data", "eof", "lost");
    }

    @Test
    void writeAfterWriteEofThrowsAndWriteAfterCloseIsDropped() throws Exception {
      Server server = h.listen(endpoints(), () -> h.accept(new Recorder(h).keepOpenOnEof()));
      Recorder client = client(server).keepOpenOnEof();
      Recorder serverSide = h.nextAccepted();

      List<String> thrown = h.call(() -> {
        List<String> out = new ArrayList<>();
        client.t().write(bytes("before"));
        client.t().writeEof();
        try {
          client.t().write(bytes("after writeEof"));
        } catch (RuntimeException e) {
          out.add("write after writeEof threw " + e);
        }
        return out;
      });
      await(serverSide.eof);
      thrown.addAll(h.call(() -> {
        List<String> out = new ArrayList<>();
        serverSide.t().close();
        try {
          serverSide.t().write(bytes("after close"));
        } catch (RuntimeException e) {
          out.add("write after close threw " + e);
        }
        return out;
      }));

      // asyncio's contract, as Transport.write documents it: after writeEof a write is a
      // programming error and throws; after close it is dropped silently.
      assertThat(thrown).singleElement().asString()
          .startsWith("write after writeEof threw java.lang.IllegalStateException")
          .contains("writeEof");
      await(serverSide.lost);
      await(client.eof);
      assertThat(serverSide.receivedText()).isEqualTo("before");
      assertThat(client.receivedSize()).as("bytes written after close that reached the peer").isZero();
    }

    @Test
    void eofReceivedReturningFalseClosesTheTransport() throws Exception {
      Server server = recordingServer();
      Recorder client = client(server).keepOpenOnEof();
      Recorder serverSide = h.nextAccepted();

      h.run(() -> {
        client.t().write(bytes("bye"));
        client.t().writeEof();
      });

      assertThat(await(serverSide.lost)).isEmpty();
      assertThat(serverSide.events).containsExactly("made", "data", "eof", "lost");
      assertThat(h.call(() -> serverSide.t().isClosing())).isTrue();
      await(client.eof);
      assertThat(h.call(() -> client.t().isClosing())).as("client kept open by its eofReceived").isFalse();
      h.run(() -> client.t().close());
      assertThat(await(client.lost)).isEmpty();
    }

    @Test
    void abortDropsBufferedDataAndThePeerSeesTheConnectionLost() throws Exception {
      Server server = recordingServer();
      Recorder client = client(server);
      Recorder serverSide = h.nextAccepted();
      int size = 64 * MIB;

      long[] state = h.call(() -> {
        Transport t = client.t();
        t.write(ByteBuffer.wrap(new byte[size]));
        long before = t.getWriteBufferSize();
        t.abort();
        long after = t.getWriteBufferSize();
        t.write(bytes("ignored after abort"));
        return new long[] {before, after, t.isClosing() ? 1 : 0, t.isReading() ? 1 : 0};
      });

      assertThat(state[0]).as("bytes buffered before abort").isPositive();
      assertThat(state[1]).as("bytes buffered after abort").isZero();
      assertThat(state[2]).as("isClosing after abort").isEqualTo(1);
      assertThat(state[3]).as("isReading after abort").isZero();
      assertThat(await(client.lost)).as("abort's connectionLost cause").isEmpty();
      await(serverSide.lost);
      assertThat(serverSide.receivedSize()).as("bytes the peer got").isLessThan(size);
      assertThat(client.events).as("64 MiB over the high water mark pauses, abort resumes nothing")
          .containsExactly("made", "pause", "lost");
    }

    @Test
    void closeFlushesEverythingBufferedThenClosesBothSidesOnce() throws Exception {
      Server server = recordingServer();
      Recorder client = client(server);
      Recorder serverSide = h.nextAccepted();
      byte[] payload = randomBytes(16 * MIB, 7);

      boolean[] state = h.call(() -> {
        Transport t = client.t();
        t.write(ByteBuffer.wrap(payload));
        boolean buffered = t.getWriteBufferSize() > 0;
        t.close();
        boolean closing = t.isClosing();
        boolean reading = t.isReading();
        t.write(bytes("ignored after close"));
        t.close();
        return new boolean[] {buffered, closing, reading};
      });

      assertThat(state[0]).as("something was still buffered when close() was called").isTrue();
      assertThat(state[1]).as("isClosing right after close()").isTrue();
      assertThat(state[2]).as("isReading right after close()").isFalse();
      assertThat(await(serverSide.lost)).as("server's connectionLost cause").isEmpty();
      assertThat(await(client.lost)).as("client's connectionLost cause").isEmpty();
      assertSameBytes(serverSide.received(), payload);
      assertThat(serverSide.events).containsExactly("made", "data", "eof", "lost");
      h.iterations(5);
      assertThat(client.lostCount).hasValue(1);
      assertThat(serverSide.lostCount).hasValue(1);
    }

    @Test
    void connectionLostComesExactlyOnceWhenBothSidesCloseAndAbortTogether() throws Exception {
      Server server = recordingServer();
      Recorder client = client(server);
      Recorder serverSide = h.nextAccepted();

      h.run(() -> {
        client.t().close();
        client.t().abort();
        client.t().close();
        serverSide.t().abort();
        serverSide.t().close();
      });
      await(client.lost);
      await(serverSide.lost);
      h.iterations(10);

      assertThat(client.lostCount).hasValue(1);
      assertThat(serverSide.lostCount).hasValue(1);
      assertThat(client.events).endsWith("lost");
      assertThat(serverSide.events).endsWith("lost");
    }

    @Test
    void pauseReadingHoldsDataBackUntilResumeReading() throws Exception {
      Server server = h.listen(endpoints(), () -> h.accept(new PausedReader(h)));
      Recorder client = client(server);
      PausedReader serverSide = h.nextAccepted();
      await(serverSide.made);

      boolean readingAtStart = h.call(() -> serverSide.t().isReading());
      h.run(() -> client.t().write(bytes("abc")));
      h.iterations(20);

      assertThat(readingAtStart).isFalse();
      assertThat(serverSide.receivedSize()).as("bytes delivered while paused").isZero();
      boolean[] flags = h.call(() -> {
        Transport t = serverSide.t();
        t.pauseReading();
        boolean afterSecondPause = t.isReading();
        t.resumeReading();
        boolean afterResume = t.isReading();
        t.resumeReading();
        return new boolean[] {afterSecondPause, afterResume, t.isReading()};
      });
      assertThat(flags).containsExactly(false, true, true);
      assertThat(await(serverSide.whenReceived(3))).isEqualTo("abc".getBytes(UTF_8));

      h.run(() -> serverSide.t().close());
      assertThat(h.call(() -> serverSide.t().isReading())).as("isReading after close").isFalse();
    }

    @Test
    void bufferedProtocolReceivesThroughGetBufferAndBufferUpdated() throws Exception {
      Server server = h.listen(endpoints(), () -> h.accept(new BufferedEcho(h)));
      BufferedCollector client = h.connect(endpoints(), () -> new BufferedCollector(h), server).protocol();
      byte[] payload = randomBytes(100_000, 3);

      h.run(() -> client.t().write(ByteBuffer.wrap(payload)));

      assertSameBytes(await(client.whenReceived(payload.length)), payload);
      BufferedEcho serverSide = h.nextAccepted();
      assertThat(client.updates.get()).as("bufferUpdated calls of a 7-byte buffer")
          .isGreaterThanOrEqualTo(payload.length / 7);
      assertThat(serverSide.updates.get()).isPositive();
      assertThat(client.problems).isEmpty();
      assertThat(serverSide.problems).isEmpty();
      assertThat(client.events).as("events of the buffered client (no plain dataReceived)").doesNotContain("data");
      assertThat(serverSide.events).as("events of the buffered server side").doesNotContain("data");
    }

    @Test
    void aProtocolThatThrowsClosesOnlyItsConnectionAndTheServerGoesOn() throws Exception {
      h.errorsExpected = true;
      RuntimeException boom = new IllegalStateException("boom from dataReceived");
      Server server = h.listen(endpoints(), () -> h.accept(new Echo(h) {
        @Override
        void onData(byte[] chunk) {
          if (new String(chunk, UTF_8).contains("boom")) {
            throw boom;
          }
          super.onData(chunk);
        }
      }));
      Recorder victim = client(server);
      Recorder victimServerSide = h.nextAccepted();
      Recorder bystander = client(server);
      h.nextAccepted();

      h.run(() -> victim.t().write(bytes("boom")));
      await(victim.lost);
      Optional<Throwable> serverCause = await(victimServerSide.lost);

      h.run(() -> bystander.t().write(bytes("still here")));
      assertThat(new String(await(bystander.whenReceived(10)), UTF_8)).isEqualTo("still here");
      Recorder latecomer = client(server);
      h.run(() -> latecomer.t().write(bytes("late")));
      assertThat(new String(await(latecomer.whenReceived(4)), UTF_8)).isEqualTo("late");
      assertThat(h.call(() -> bystander.t().isClosing())).isFalse();

      List<ExceptionContext> errors = h.drainErrors();
      assertThat(errors).as("exception handler calls").hasSize(1);
      ExceptionContext context = errors.get(0);
      assertThat(chain(context.exception())).as("the reported exception's chain").contains(boom);
      assertThat(context.protocol()).as("context's protocol").isSameAs(victimServerSide);
      assertThat(context.transport()).as("context's transport").isSameAs(victimServerSide.transport);
      assertThat(serverCause).as("the failing connection's connectionLost cause").isPresent();
      assertThat(chain(serverCause.get())).contains(boom);
    }

    @Test
    void extraInfoNamesBothEndsAndTheChannel() throws Exception {
      Server server = recordingServer();
      Recorder client = client(server);
      Recorder serverSide = h.nextAccepted();
      await(serverSide.made);

      List<Object> info = h.call(() -> Arrays.asList(
          client.t().getExtraInfo("peername"),
          client.t().getExtraInfo("sockname"),
          serverSide.t().getExtraInfo("peername"),
          serverSide.t().getExtraInfo("sockname"),
          client.t().getExtraInfo("socket"),
          client.t().getExtraInfo("no such thing"),
          client.t().getExtraInfo("sslcontext"),
          client.t().getProtocol(),
          client.t().getLoop()));

      assertThat(info.get(0)).as("client peername").isEqualTo(server.sockets().get(0));
      assertThat(info.get(3)).as("server-side sockname").isEqualTo(server.sockets().get(0));
      assertThat(info.get(1)).as("client sockname").isNotNull().isEqualTo(info.get(2));
      assertThat(info.get(4)).as("socket").isInstanceOf(SocketChannel.class);
      assertThat(((SocketChannel) info.get(4)).getRemoteAddress()).isEqualTo(server.sockets().get(0));
      assertThat(info.get(5)).as("unknown name").isNull();
      assertThat(info.get(6)).as("sslcontext of a plain transport").isNull();
      assertThat(info.get(7)).isSameAs(client);
      assertThat(info.get(8)).isSameAs(h.loop);
    }

    @Test
    void setProtocolRoutesLaterEventsToTheNewProtocol() throws Exception {
      Server server = echoServer();
      Recorder first = client(server);
      Recorder second = new Recorder(h);

      h.run(() -> {
        first.t().setProtocol(second);
        second.connectionMade(first.t());
        first.t().write(bytes("ping"));
      });

      assertThat(new String(await(second.whenReceived(4)), UTF_8)).isEqualTo("ping");
      assertThat(h.call(() -> first.t().getProtocol())).isSameAs(second);
      assertThat(first.receivedSize()).isZero();
      h.run(() -> first.t().close());
      await(second.lost);
      // The first protocol had its connection taken away: count it as lost for the invariants.
      first.lost.complete(Optional.empty());
    }
  }

  /** A buffered protocol that collects through a 7-byte window placed inside a larger buffer. */
  static final class BufferedCollector extends Recorder implements BufferedProtocol {
    final ByteBuffer buffer = ByteBuffer.allocate(32);
    final AtomicInteger updates = new AtomicInteger();
    final List<String> problems = new CopyOnWriteArrayList<>();

    BufferedCollector(Harness h) {
      super(h);
    }

    @Override
    public ByteBuffer getBuffer(int sizeHint) {
      if (!h.loop.inEventLoop()) {
        problems.add("getBuffer off the loop thread");
      }
      buffer.clear().position(5).limit(12);
      return buffer;
    }

    @Override
    public void bufferUpdated(int nbytes) {
      updates.incrementAndGet();
      if (nbytes < 1 || nbytes > 7) {
        problems.add("bufferUpdated(" + nbytes + ") for a 7-byte window");
        return;
      }
      if (buffer.position() != 5 + nbytes) {
        problems.add("position " + buffer.position() + " after bufferUpdated(" + nbytes + "), expected " + (5 + nbytes));
      }
      byte[] chunk = new byte[nbytes];
      buffer.get(5, chunk);
      record(chunk);
    }
  }

  /** A buffered protocol that echoes, reusing one 1 KiB buffer. */
  static final class BufferedEcho extends Recorder implements BufferedProtocol {
    final ByteBuffer buffer = ByteBuffer.allocate(1024);
    final AtomicInteger updates = new AtomicInteger();
    final List<String> problems = new CopyOnWriteArrayList<>();

    BufferedEcho(Harness h) {
      super(h);
    }

    @Override
    public ByteBuffer getBuffer(int sizeHint) {
      return buffer.clear();
    }

    @Override
    public void bufferUpdated(int nbytes) {
      updates.incrementAndGet();
      if (buffer.position() != nbytes) {
        problems.add("position " + buffer.position() + " after bufferUpdated(" + nbytes + ")");
      }
      buffer.flip();
      t().write(buffer);
    }
  }

  /** The scenarios over TCP on 127.0.0.1. */
  @Nested
  class OverTcp extends Scenarios {
    @Override
    Endpoints endpoints() {
      return tcp();
    }

    @Test
    void tcpExtraInfoGivesLoopbackAddressesWithTheServersPort() throws Exception {
      Server server = recordingServer();
      Recorder client = client(server);
      int port = ((InetSocketAddress) server.sockets().get(0)).getPort();

      InetSocketAddress peer = (InetSocketAddress) h.call(() -> client.t().getExtraInfo("peername"));
      InetSocketAddress local = (InetSocketAddress) h.call(() -> client.t().getExtraInfo("sockname"));

      assertThat(peer.getAddress().getHostAddress()).isEqualTo("127.0.0.1");
      assertThat(peer.getPort()).isEqualTo(port);
      assertThat(local.getAddress().isLoopbackAddress()).isTrue();
      assertThat(local.getPort()).isPositive().isNotEqualTo(port);
    }
  }
}
