package dev.loop.rxjava.adapters;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.loop.EventLoop;
import dev.loop.EventLoopGroup;
import dev.loop.net.ServerOptions;
import dev.loop.rxjava.RxConnection;
import dev.loop.rxjava.RxLoop;
import io.reactivex.rxjava3.core.Completable;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.disposables.CompositeDisposable;
import io.reactivex.rxjava3.disposables.Disposable;
import io.reactivex.rxjava3.observers.TestObserver;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * serve/connect over real sockets on 127.0.0.1 (and a Unix socket): echo, disposal, errors. The
 * server runs on one loop of a group and the clients on the other, each loop on its own thread.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NetworkAdaptersTest {

  private static final long WAIT = 20;

  private EventLoopGroup group;
  private EventLoop serverLoop;
  private EventLoop clientLoop;
  private final CompositeDisposable subscriptions = new CompositeDisposable();
  private final List<Socket> sockets = new ArrayList<>();

  @BeforeEach
  void startLoops() {
    group = EventLoopGroup.create(2);
    serverLoop = group.loops().get(0);
    clientLoop = group.loops().get(1);
  }

  @AfterEach
  void stopLoops() throws Exception {
    subscriptions.dispose();
    for (Socket s : sockets) {
      s.close();
    }
    group.shutdownGracefully().toCompletableFuture().get(WAIT, TimeUnit.SECONDS);
  }

  // ------------------------------------------------------------------ helpers

  private static <T> T onLoop(EventLoop loop, Callable<T> work) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    loop.execute(() -> {
      try {
        result.complete(work.call());
      } catch (Throwable t) {
        result.completeExceptionally(t);
      }
    });
    return result.get(WAIT, TimeUnit.SECONDS);
  }

  /** Serves on the server loop, hands every connection to {@code handler}, returns the port. */
  private int serve(Consumer<RxConnection> handler) throws Exception {
    CompletableFuture<Integer> port = new CompletableFuture<>();
    subscriptions.add(RxLoop.serve(serverLoop, "127.0.0.1", 0, ServerOptions.defaults(),
            addresses -> port.complete(((InetSocketAddress) addresses.get(0)).getPort()))
        .subscribe(handler::accept, port::completeExceptionally));
    return port.get(WAIT, TimeUnit.SECONDS);
  }

  /** An echo handler: sends back what it receives, closes once the peer has finished. */
  private static void echo(RxConnection c) {
    c.send(c.receive()).doFinally(c::close).subscribe(() -> {}, e -> {});
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  private static Flowable<ByteBuffer> chunks(byte[] payload, int size) {
    return Flowable.range(0, (payload.length + size - 1) / size)
        .map(i -> ByteBuffer.wrap(payload, i * size, Math.min(size, payload.length - i * size)).slice());
  }

  /** Sends {@code payload}, half-closes, and collects everything the peer sends until its EOF. */
  private static Single<byte[]> exchange(RxConnection c, byte[] payload) {
    Single<byte[]> received = c.receive()
        .collect(ByteArrayOutputStream::new, (out, b) -> out.write(bytes(b)))
        .map(ByteArrayOutputStream::toByteArray);
    Completable sent = c.send(chunks(payload, 10_000)).andThen(c.writeEof());
    return Single.zip(received, sent.toSingleDefault(true), (bytes, ok) -> bytes).doFinally(c::close);
  }

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private Socket socket(int port) throws IOException {
    Socket s = new Socket();
    sockets.add(s);
    s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
    s.setSoTimeout(10_000);
    return s;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  // ------------------------------------------------------------------ echo

  @Test
  void severalConcurrentConnectionsAreEchoedByteExact() throws Exception {
    int port = serve(NetworkAdaptersTest::echo);
    int n = 8;
    byte[][] payloads = new byte[n][];
    for (int i = 0; i < n; i++) {
      payloads[i] = random(300_000 + i, i);
    }

    TestSubscriber<Map.Entry<Integer, byte[]>> results = Flowable.range(0, n)
        .flatMapSingle(i -> RxLoop.connect(clientLoop, "127.0.0.1", port)
            .flatMap(c -> exchange(c, payloads[i]))
            .map(echoed -> Map.entry(i, echoed)))
        .test();

    results.awaitDone(WAIT, TimeUnit.SECONDS).assertNoErrors().assertComplete().assertValueCount(n);
    for (Map.Entry<Integer, byte[]> result : results.values()) {
      assertThat(result.getValue()).as("connection %d", result.getKey()).isEqualTo(payloads[result.getKey()]);
    }
  }

  @Test
  void aGroupServerSpreadsConnectionsOverItsLoopsAndEchoes() throws Exception {
    CompletableFuture<Integer> port = new CompletableFuture<>();
    Set<EventLoop> loops = ConcurrentHashMap.newKeySet();
    subscriptions.add(RxLoop.serve(group, "127.0.0.1", 0, ServerOptions.defaults(),
            addresses -> port.complete(((InetSocketAddress) addresses.get(0)).getPort()))
        .subscribe(c -> {
          loops.add(c.loop());
          echo(c);
        }, port::completeExceptionally));
    int p = port.get(WAIT, TimeUnit.SECONDS);

    TestSubscriber<byte[]> results = Flowable.range(0, 4)
        .concatMapSingle(i -> RxLoop.connect(clientLoop, "127.0.0.1", p)
            .flatMap(c -> exchange(c, ("hello " + i).getBytes(UTF_8))))
        .test();

    results.awaitDone(WAIT, TimeUnit.SECONDS).assertNoErrors().assertValueCount(4);
    assertThat(results.values()).extracting(b -> new String(b, UTF_8))
        .containsExactly("hello 0", "hello 1", "hello 2", "hello 3");
    assertThat(loops).containsExactlyInAnyOrderElementsOf(group.loops());
  }

  @Test
  void everySignalOfAConnectionArrivesOnItsLoopThread() throws Exception {
    Thread serverThread = onLoop(serverLoop, Thread::currentThread);
    Thread clientThread = onLoop(clientLoop, Thread::currentThread);
    List<Thread> serverSignals = new CopyOnWriteArrayList<>();
    int port = serve(c -> {
      serverSignals.add(Thread.currentThread());
      c.send(c.receive().doOnNext(b -> serverSignals.add(Thread.currentThread())))
          .doOnComplete(() -> serverSignals.add(Thread.currentThread()))
          .doFinally(c::close)
          .subscribe();
    });
    List<Thread> clientSignals = new CopyOnWriteArrayList<>();

    RxLoop.connect(clientLoop, "127.0.0.1", port)
        .doOnSuccess(c -> clientSignals.add(Thread.currentThread()))
        .flatMap(c -> exchange(c, "ping".getBytes(UTF_8)))
        .doOnSuccess(b -> clientSignals.add(Thread.currentThread()))
        .test().awaitDone(WAIT, TimeUnit.SECONDS).assertNoErrors();

    await().atMost(Duration.ofSeconds(WAIT)).untilAsserted(() -> assertThat(serverSignals).hasSizeGreaterThanOrEqualTo(3));
    assertThat(serverSignals).containsOnly(serverThread);
    assertThat(clientSignals).hasSize(2).containsOnly(clientThread);
  }

  @Test
  void theAddressesOfBothEndsMatch() throws Exception {
    CompletableFuture<RxConnection> accepted = new CompletableFuture<>();
    int port = serve(accepted::complete);

    RxConnection client = RxLoop.connect(clientLoop, "127.0.0.1", port).blockingGet();
    RxConnection server = accepted.get(WAIT, TimeUnit.SECONDS);

    assertThat(((InetSocketAddress) client.remoteAddress()).getPort()).isEqualTo(port);
    assertThat(server.remoteAddress()).isEqualTo(client.localAddress());
    assertThat(server.localAddress()).isEqualTo(client.remoteAddress());
    assertThat(client.loop()).isSameAs(clientLoop);
    client.close();
    server.close();
  }

  @Test
  void receiveObservableTakesEverythingAPlainSocketSendsWithoutRequests() throws Exception {
    CompletableFuture<Long> total = new CompletableFuture<>();
    int port = serve(c -> c.receiveObservable()
        .reduce(0L, (sum, b) -> sum + b.remaining())
        .subscribe(total::complete, total::completeExceptionally));

    try (Socket s = socket(port)) {
      s.getOutputStream().write(random(1 << 20, 7));
      s.shutdownOutput();

      assertThat(total.get(WAIT, TimeUnit.SECONDS)).isEqualTo(1 << 20);
    }
  }

  @Test
  void unixSocketEchoIsByteExactAndDisposingDeletesTheSocketFile(@TempDir Path dir) throws Exception {
    Path path = dir.resolve("echo.sock");
    CompletableFuture<List<SocketAddress>> listening = new CompletableFuture<>();
    Disposable server = RxLoop.serve(serverLoop, path, ServerOptions.defaults(), listening::complete)
        .subscribe(NetworkAdaptersTest::echo, listening::completeExceptionally);
    subscriptions.add(server);
    assertThat(listening.get(WAIT, TimeUnit.SECONDS)).isNotEmpty();
    assertThat(path).exists();
    byte[] payload = random(200_000, 3);

    byte[] echoed = RxLoop.connect(clientLoop, path).flatMap(c -> exchange(c, payload))
        .timeout(WAIT, TimeUnit.SECONDS).blockingGet();

    assertThat(echoed).isEqualTo(payload);
    server.dispose();
    await().atMost(Duration.ofSeconds(WAIT)).until(() -> !Files.exists(path));
  }

  // ------------------------------------------------------------------ disposal

  @Test
  void disposingReceiveClosesTheConnectionAndThePeerSeesEof() throws Exception {
    int port = serve(c -> c.receive().take(1).subscribe());

    try (Socket s = socket(port)) {
      s.getOutputStream().write("hello".getBytes(UTF_8));

      assertThat(s.getInputStream().read()).as("end of stream").isEqualTo(-1);
    }
  }

  @Test
  void disposingServeClosesTheServer() throws Exception {
    CompletableFuture<Integer> port = new CompletableFuture<>();
    Disposable server = RxLoop.serve(serverLoop, "127.0.0.1", 0, ServerOptions.defaults(),
            a -> port.complete(((InetSocketAddress) a.get(0)).getPort()))
        .subscribe(NetworkAdaptersTest::echo);
    int p = port.get(WAIT, TimeUnit.SECONDS);
    socket(p).close(); // it listens

    server.dispose();

    await().atMost(Duration.ofSeconds(WAIT)).untilAsserted(() ->
        assertThatThrownBy(() -> socket(p)).isInstanceOf(ConnectException.class));
  }

  @Test
  void disposingServeClosesConnectionsNotYetDeliveredAndLeavesDeliveredOnesOpen() throws Exception {
    CompletableFuture<Integer> port = new CompletableFuture<>();
    TestSubscriber<RxConnection> connections = new TestSubscriber<>(1);
    RxLoop.serve(serverLoop, "127.0.0.1", 0, ServerOptions.defaults(),
            a -> port.complete(((InetSocketAddress) a.get(0)).getPort()))
        .doOnNext(NetworkAdaptersTest::echo)
        .subscribe(connections);
    int p = port.get(WAIT, TimeUnit.SECONDS);
    Socket delivered = socket(p);
    connections.awaitCount(1);
    Socket waiting = socket(p); // accepted, but nobody requested it
    // Two round trips through the server loop: the accept of `waiting`, pending when the first
    // started, and its connectionMade (one iteration later) have both happened by the second.
    for (String word : List.of("one", "two")) {
      delivered.getOutputStream().write(word.getBytes(UTF_8));
      assertThat(new String(delivered.getInputStream().readNBytes(3), UTF_8)).isEqualTo(word);
    }

    connections.cancel();

    assertThat(waiting.getInputStream().read()).as("the undelivered connection is closed").isEqualTo(-1);
    delivered.getOutputStream().write("three".getBytes(UTF_8));
    assertThat(new String(delivered.getInputStream().readNBytes(5), UTF_8))
        .as("the delivered connection still echoes").isEqualTo("three");
    connections.assertValueCount(1);
  }

  @Test
  void whenThePeerClosesReceiveCompletesAndOnCloseCompletesOnceClosed() throws Exception {
    CompletableFuture<RxConnection> accepted = new CompletableFuture<>();
    TestSubscriber<ByteBuffer> received = new TestSubscriber<>();
    int port = serve(c -> {
      c.receive().doFinally(c::close).subscribe(received);
      accepted.complete(c);
    });

    try (Socket s = socket(port)) {
      s.getOutputStream().write("bye".getBytes(UTF_8));
      s.shutdownOutput();
      RxConnection server = accepted.get(WAIT, TimeUnit.SECONDS);

      received.awaitDone(WAIT, TimeUnit.SECONDS).assertComplete();
      server.onClose().test().awaitDone(WAIT, TimeUnit.SECONDS).assertComplete();
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
  }

  // ------------------------------------------------------------------ errors

  @Test
  void connectingToAClosedPortFailsWithConnectException() throws Exception {
    int port = freePort();

    RxLoop.connect(clientLoop, "127.0.0.1", port).test()
        .awaitDone(WAIT, TimeUnit.SECONDS)
        .assertError(ConnectException.class);
  }

  @Test
  void servingOnAPortInUseFailsWithBindException() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
      RxLoop.serve(serverLoop, "127.0.0.1", taken.getLocalPort()).test()
          .awaitDone(WAIT, TimeUnit.SECONDS)
          .assertError(BindException.class);
    }
  }

  private static long openFileDescriptors() throws IOException {
    try (java.util.stream.Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    }
  }

  @Test
  void serveConnectAndDisposeCyclesLeaveNoFileDescriptorBehind() throws Exception {
    assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs /proc/self/fd");
    long baseline = openFileDescriptors();

    for (int round = 0; round < 20; round++) {
      CompletableFuture<Integer> port = new CompletableFuture<>();
      Disposable server = RxLoop.serve(serverLoop, "127.0.0.1", 0, ServerOptions.defaults(),
              a -> port.complete(((InetSocketAddress) a.get(0)).getPort()))
          .subscribe(NetworkAdaptersTest::echo);
      int p = port.get(WAIT, TimeUnit.SECONDS);
      byte[] payload = random(10_000, round);
      byte[] echoed = Flowable.range(0, 3)
          .flatMapSingle(i -> RxLoop.connect(clientLoop, "127.0.0.1", p).flatMap(c -> exchange(c, payload)))
          .lastOrError()
          .timeout(WAIT, TimeUnit.SECONDS)
          .blockingGet();
      assertThat(echoed).isEqualTo(payload);
      RxLoop.connect(clientLoop, "127.0.0.1", p).test().dispose(); // an attempt given up at once
      server.dispose();
    }

    await().atMost(Duration.ofSeconds(WAIT))
        .untilAsserted(() -> assertThat(openFileDescriptors()).isLessThanOrEqualTo(baseline));
  }

  @Test
  void sendingOnAClosedConnectionFailsWithClosedChannelException() throws Exception {
    int port = serve(NetworkAdaptersTest::echo);
    RxConnection client = RxLoop.connect(clientLoop, "127.0.0.1", port).blockingGet();
    client.close();
    client.onClose().test().awaitDone(WAIT, TimeUnit.SECONDS).assertComplete();

    TestObserver<Void> sent = client.send(Flowable.just(ByteBuffer.wrap(new byte[10]))).test();

    sent.awaitDone(WAIT, TimeUnit.SECONDS).assertError(ClosedChannelException.class);
  }

  @Test
  void aResetByThePeerFailsReceiveAndOnCloseWithTheError() throws Exception {
    CompletableFuture<RxConnection> accepted = new CompletableFuture<>();
    int port = serve(accepted::complete);
    Socket s = socket(port);
    RxConnection server = accepted.get(WAIT, TimeUnit.SECONDS);
    TestSubscriber<ByteBuffer> received = server.receive().test();
    TestObserver<Void> closed = server.onClose().test();

    s.setSoLinger(true, 0); // close sends RST
    s.close();

    received.awaitDone(WAIT, TimeUnit.SECONDS).assertError(IOException.class);
    closed.awaitDone(WAIT, TimeUnit.SECONDS).assertError(IOException.class);
  }

  @Test
  void badArgumentsAreRejectedAtTheCall() {
    assertThatThrownBy(() -> RxLoop.serve(serverLoop, "127.0.0.1", 65536))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("65536");
    assertThatThrownBy(() -> RxLoop.connect(clientLoop, "127.0.0.1", -1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
    assertThatThrownBy(() -> RxLoop.serve(serverLoop, (String) null, 0))
        .isInstanceOf(NullPointerException.class).hasMessage("host");
    assertThatThrownBy(() -> RxLoop.connect(null, "127.0.0.1", 1))
        .isInstanceOf(NullPointerException.class).hasMessage("loop");
    assertThatThrownBy(() -> RxLoop.serve(group, "127.0.0.1", 0, null))
        .isInstanceOf(NullPointerException.class).hasMessage("options");
    assertThatThrownBy(() -> RxLoop.connect(clientLoop, (Path) null))
        .isInstanceOf(NullPointerException.class).hasMessage("path");
  }
}
