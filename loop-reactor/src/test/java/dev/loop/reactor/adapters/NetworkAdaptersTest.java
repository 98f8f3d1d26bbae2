package dev.loop.reactor.adapters;

import static dev.loop.reactor.adapters.TestSupport.chunks;
import static dev.loop.reactor.adapters.TestSupport.firstBytes;
import static dev.loop.reactor.adapters.TestSupport.onLoop;
import static dev.loop.reactor.adapters.TestSupport.port;
import static dev.loop.reactor.adapters.TestSupport.randomBytes;
import static dev.loop.reactor.adapters.TestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.loop.EventLoop;
import dev.loop.EventLoopGroup;
import dev.loop.net.ServerOptions;
import dev.loop.reactor.LoopConnection;
import dev.loop.reactor.LoopServer;
import dev.loop.reactor.ReactorLoop;
import java.io.IOException;
import java.io.InputStream;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** {@code serve}/{@code listen}/{@code connect} and {@code LoopConnection} over real sockets on 127.0.0.1. */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NetworkAdaptersTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  private final EventLoopGroup group = EventLoopGroup.create(1);
  private final EventLoop loop = group.next();
  private final List<Disposable> toDispose = new ArrayList<>();

  @AfterEach
  void shutDown() {
    toDispose.forEach(Disposable::dispose);
    group.close();
  }

  private LoopServer listen() {
    LoopServer server = ReactorLoop.listen(loop, "127.0.0.1", 0).block(WAIT);
    toDispose.add(server);
    return server;
  }

  /** An echo server: every connection gets back what it sends, and is closed when the peer is done. */
  private LoopServer echoServer() {
    LoopServer server = listen();
    toDispose.add(server.connections()
        .flatMap(c -> c.send(c.receive()).onErrorComplete().doFinally(s -> c.close()), Integer.MAX_VALUE)
        .subscribe());
    return server;
  }

  /** Connects, sends {@code payload} in chunks and returns what comes back, reading while sending. */
  private Mono<byte[]> echo(int port, byte[] payload) {
    return ReactorLoop.connect(loop, "127.0.0.1", port)
        .flatMap(c -> firstBytes(c.receive(), payload.length)
            .zipWith(c.send(chunks(payload, 8192)).thenReturn(true), (received, sent) -> received));
  }

  private static Socket plainSocket(int port) throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
    socket.setSoTimeout(10_000);
    return socket;
  }

  // ------------------------------------------------------------------ echo

  @Test
  void severalConnectionsAreEchoedByteForByte() {
    int port = port(echoServer().address());
    List<byte[]> payloads = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      payloads.add(randomBytes(100_000 + i * 77_777, i));
    }

    List<byte[]> answers = Flux.range(0, payloads.size())
        .flatMapSequential(i -> echo(port, payloads.get(i)))
        .collectList()
        .block(WAIT);

    assertThat(answers).hasSize(payloads.size());
    for (int i = 0; i < payloads.size(); i++) {
      assertThat(answers.get(i)).as("connection %d", i).isEqualTo(payloads.get(i));
    }
  }

  @Test
  void aPlainSocketGetsItsBytesBackAndEndOfStreamAfterItsOwnEof() throws Exception {
    int port = port(echoServer().address());
    try (Socket socket = plainSocket(port)) {
      byte[] message = "hello, reactive loop".getBytes(StandardCharsets.UTF_8);
      socket.getOutputStream().write(message);
      InputStream in = socket.getInputStream();
      assertThat(in.readNBytes(message.length)).isEqualTo(message);

      socket.shutdownOutput(); // receive() completes, send() completes, doFinally closes

      assertThat(in.read()).isEqualTo(-1);
    }
  }

  @Test
  void theConnectionKnowsBothAddressesAndItsLoop() throws Exception {
    LoopServer server = listen();
    AtomicReference<LoopConnection> accepted = new AtomicReference<>();
    toDispose.add(server.connections().subscribe(accepted::set));

    LoopConnection client = ReactorLoop.connect(loop, "127.0.0.1", port(server.address())).block(WAIT);
    toDispose.add(client);
    await().atMost(WAIT).until(() -> accepted.get() != null);

    assertThat(client.remoteAddress()).isEqualTo(server.address());
    assertThat(accepted.get().remoteAddress()).isEqualTo(client.address());
    assertThat(client.loop()).isSameAs(loop);
    assertThat(onLoop(loop, () -> client.transport().getExtraInfo("peername"))).isEqualTo(server.address());
  }

  // ------------------------------------------------------------------ half-close and closing

  @Test
  void afterThePeersEofTheConnectionCanStillAnswer() throws Exception {
    LoopServer server = listen();
    // Read everything, then answer with how many bytes came, then close.
    toDispose.add(server.connections()
        .flatMap(c -> c.receive()
            .map(ByteBuffer::remaining)
            .reduce(0, Integer::sum)
            .flatMap(n -> c.send(Mono.just(utf8("got " + n))))
            .doFinally(s -> c.close()))
        .subscribe());

    try (Socket socket = plainSocket(port(server.address()))) {
      socket.getOutputStream().write(new byte[12_345]);
      socket.shutdownOutput();

      assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("got 12345");
    }
  }

  @Test
  void cancellingReceiveClosesTheConnectionAndThePeerSeesEof() throws Exception {
    LoopServer server = listen();
    List<String> firstChunks = new CopyOnWriteArrayList<>();
    List<LoopConnection> connections = new CopyOnWriteArrayList<>();
    toDispose.add(server.connections().subscribe(c -> {
      connections.add(c);
      c.receive().take(1).map(TestSupport::utf8).subscribe(firstChunks::add); // take(1) cancels
    }));

    try (Socket socket = plainSocket(port(server.address()))) {
      socket.getOutputStream().write("only this".getBytes(StandardCharsets.UTF_8));

      assertThat(socket.getInputStream().read()).as("end of stream").isEqualTo(-1);
    }
    assertThat(firstChunks).containsExactly("only this");
    StepVerifier.create(connections.get(0).onClose()).expectComplete().verify(WAIT);
    assertThat(connections.get(0).isDisposed()).isTrue();
  }

  @Test
  void closeSendsWhatIsBufferedThenCloses() throws Exception {
    LoopServer server = listen();
    byte[] big = randomBytes(3_000_000, 42);
    toDispose.add(server.connections()
        .flatMap(c -> c.send(chunks(big, 65_536)).doFinally(s -> c.close()))
        .subscribe());

    try (Socket socket = plainSocket(port(server.address()))) {
      assertThat(socket.getInputStream().readAllBytes()).isEqualTo(big);
    }
  }

  @Test
  void onCloseCompletesOnceTheApplicationClosesAfterThePeersEof() throws Exception {
    LoopServer server = listen();
    AtomicReference<LoopConnection> accepted = new AtomicReference<>();
    toDispose.add(server.connections().subscribe(c -> {
      accepted.set(c);
      c.receive().doFinally(s -> c.close()).subscribe();
    }));

    Socket socket = plainSocket(port(server.address()));
    await().atMost(WAIT).until(() -> accepted.get() != null);
    socket.close(); // the peer's EOF: receive() completes, and the application closes

    StepVerifier.create(accepted.get().onClose()).expectComplete().verify(WAIT);
  }

  // ------------------------------------------------------------------ serve

  @Test
  void cancellingServeClosesTheServerSoANewConnectIsRefused() throws Exception {
    int port = TestSupport.unusedPort();
    List<LoopConnection> accepted = new CopyOnWriteArrayList<>();
    Disposable serving = ReactorLoop.serve(loop, "127.0.0.1", port).subscribe(accepted::add);
    toDispose.add(serving);
    await().atMost(WAIT).ignoreExceptions().until(() -> {
      plainSocket(port).close();
      return true;
    });
    await().atMost(WAIT).until(() -> accepted.size() == 1);

    serving.dispose();

    await().atMost(WAIT).until(() -> {
      try {
        plainSocket(port).close();
        return false;
      } catch (ConnectException refused) {
        return true;
      }
    });
    StepVerifier.create(ReactorLoop.connect(loop, "127.0.0.1", port))
        .expectError(ConnectException.class)
        .verify(WAIT);
    assertThat(accepted.get(0).isDisposed()).as("an emitted connection lives on").isFalse();
    accepted.get(0).close();
  }

  @Test
  void connectionsAcceptedBeforeTheSubscriberAskedAreQueuedNotLost() throws Exception {
    LoopServer server = listen();
    int port = port(server.address());
    try (Socket first = plainSocket(port); Socket second = plainSocket(port)) {
      first.getOutputStream().write('1');
      second.getOutputStream().write('2');

      List<String> firstBytes = server.connections()
          .take(2)
          .concatMap(c -> c.receive().take(1).map(TestSupport::utf8))
          .collectList()
          .block(WAIT);

      assertThat(firstBytes).containsExactlyInAnyOrder("1", "2");
    }
  }

  @Test
  void disposingAServerNobodySubscribedToClosesItsQueuedConnections() throws Exception {
    LoopServer server = listen();
    dev.loop.Server core = server.server();
    try (Socket socket = plainSocket(port(server.address()))) {
      socket.getOutputStream().write('x');
      // Two trips through the loop: the selector has seen the pending accept by then.
      onLoop(loop, () -> null);
      onLoop(loop, () -> null);

      server.dispose();

      // waitClosed completes only once every connection the server accepted is closed
      StepVerifier.create(ReactorLoop.mono(core.waitClosed())).expectComplete().verify(WAIT);
      int first;
      try {
        first = socket.getInputStream().read();
      } catch (java.net.SocketException reset) {
        first = -1; // closed before the loop accepted it: the kernel reset it, closed all the same
      }
      assertThat(first).as("closed, not left open").isEqualTo(-1);
    }
    assertThat(server.isDisposed()).isTrue();
  }

  @Test
  void aSecondSubscriberOfConnectionsFails() {
    LoopServer server = listen();
    toDispose.add(server.connections().subscribe());

    StepVerifier.create(server.connections()).expectError(IllegalStateException.class).verify(WAIT);
  }

  @Test
  void aGroupServerSpreadsConnectionsOverItsLoops() {
    EventLoopGroup two = EventLoopGroup.create(2);
    try {
      LoopServer server = ReactorLoop.listen(two, "127.0.0.1", 0).block(WAIT);
      Set<EventLoop> loops = ConcurrentHashMap.newKeySet();
      Disposable serving = server.connections()
          .flatMap(c -> {
            loops.add(c.loop());
            return c.send(c.receive()).onErrorComplete().doFinally(s -> c.close());
          }, Integer.MAX_VALUE)
          .subscribe();
      try {
        int port = port(server.address());
        List<byte[]> answers = Flux.range(0, 4)
            .flatMap(i -> echo(port, ("connection " + i).getBytes(StandardCharsets.UTF_8)))
            .collectList()
            .block(WAIT);

        assertThat(answers).extracting(a -> new String(a, StandardCharsets.UTF_8))
            .containsExactlyInAnyOrder("connection 0", "connection 1", "connection 2", "connection 3");
        assertThat(loops).containsExactlyInAnyOrderElementsOf(two.loops());
      } finally {
        serving.dispose();
      }
    } finally {
      two.close();
    }
  }

  // ------------------------------------------------------------------ errors

  @Test
  void connectingToAClosedPortFailsWithConnectException() {
    StepVerifier.create(ReactorLoop.connect(loop, "127.0.0.1", TestSupport.unusedPort()))
        .expectError(ConnectException.class)
        .verify(WAIT);
  }

  @Test
  void listeningOnABusyPortFailsWithBindException() {
    LoopServer first = listen();

    StepVerifier.create(ReactorLoop.listen(loop, "127.0.0.1", port(first.address()),
            ServerOptions.defaults().withReuseAddress(false)))
        .expectError(BindException.class)
        .verify(WAIT);
  }

  @Test
  void aResetByThePeerFailsReceive() throws Exception {
    LoopServer server = listen();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    toDispose.add(server.connections().subscribe(c -> c.receive().subscribe(b -> { }, failure::set)));

    Socket socket = plainSocket(port(server.address()));
    socket.getOutputStream().write("about to vanish".getBytes(StandardCharsets.UTF_8));
    socket.setSoLinger(true, 0); // close sends RST
    socket.close();

    await().atMost(WAIT).until(() -> failure.get() != null);
    assertThat(failure.get()).isInstanceOf(IOException.class);
  }

  @Test
  void sendOnAClosedConnectionFailsWithClosedChannelException() {
    LoopServer server = echoServer();
    LoopConnection client = ReactorLoop.connect(loop, "127.0.0.1", port(server.address())).block(WAIT);
    client.close();

    StepVerifier.create(client.send(Mono.just(utf8("too late"))))
        .expectError(ClosedChannelException.class)
        .verify(WAIT);
  }

  @Test
  void aSendInProgressFailsWhenTheConnectionCloses() {
    LoopServer server = listen();
    // The server never reads: the client's writes back up, and its send waits for a drain.
    toDispose.add(server.connections().subscribe());
    LoopConnection client = ReactorLoop.connect(loop, "127.0.0.1", port(server.address())).block(WAIT);

    StepVerifier.create(client.send(Flux.range(0, 100_000).map(i -> ByteBuffer.allocate(65_536))))
        .then(() -> await().atMost(WAIT).until(() -> onLoop(loop, () -> client.transport().getWriteBufferSize() > 0)))
        .then(client::close)
        .expectError(ClosedChannelException.class)
        .verify(WAIT);
  }

  @Test
  void theDataPublisherErrorFailsTheSendAndLeavesTheConnectionOpen() {
    LoopServer server = echoServer();
    LoopConnection client = ReactorLoop.connect(loop, "127.0.0.1", port(server.address())).block(WAIT);
    toDispose.add(client);

    StepVerifier.create(client.send(Flux.concat(Mono.just(utf8("partial")), Mono.error(new IOException("source broke")))))
        .expectErrorMessage("source broke")
        .verify(WAIT);

    assertThat(client.isDisposed()).isFalse();
    assertThat(firstBytes(client.receive(), 7).map(b -> new String(b, StandardCharsets.UTF_8)).block(WAIT))
        .isEqualTo("partial");
  }

  @Test
  void aSecondSubscriberOfReceiveFails() {
    LoopServer server = echoServer();
    LoopConnection client = ReactorLoop.connect(loop, "127.0.0.1", port(server.address())).block(WAIT);
    toDispose.add(client);
    toDispose.add(client.receive().subscribe());

    StepVerifier.create(client.receive()).expectError(IllegalStateException.class).verify(WAIT);
  }

  @Test
  void networkArgumentsAreCheckedAtTheCall() {
    assertThatThrownBy(() -> ReactorLoop.connect(loop, "127.0.0.1", 70_000))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("70000");
    assertThatThrownBy(() -> ReactorLoop.serve(loop, "127.0.0.1", -1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
    assertThatThrownBy(() -> ReactorLoop.listen(loop, null, 0))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("host");
    assertThatThrownBy(() -> ReactorLoop.connectUnix(loop, null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("path");
  }

  // ------------------------------------------------------------------ Unix-domain sockets

  @Test
  void unixSocketsEchoByteForByte(@TempDir Path dir) {
    Path path = dir.resolve("echo.sock");
    Disposable serving = ReactorLoop.serveUnix(loop, path)
        .flatMap(c -> c.send(c.receive()).onErrorComplete().doFinally(s -> c.close()))
        .subscribe();
    toDispose.add(serving);
    await().atMost(WAIT).until(() -> path.toFile().exists());
    byte[] payload = randomBytes(500_000, 7);

    byte[] answer = ReactorLoop.connectUnix(loop, path)
        .flatMap(c -> firstBytes(c.receive(), payload.length)
            .zipWith(c.send(chunks(payload, 30_000)).thenReturn(true), (received, sent) -> received))
        .block(WAIT);

    assertThat(answer).isEqualTo(payload);
    serving.dispose();
    await().atMost(WAIT).until(() -> !path.toFile().exists());
  }
}
