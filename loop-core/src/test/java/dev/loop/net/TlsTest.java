package dev.loop.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.loop.EventLoop;
import dev.loop.ExceptionContext;
import dev.loop.LoopFuture;
import dev.loop.Loops;
import dev.loop.Server;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManagerFactory;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS over real sockets on 127.0.0.1: asyncio's {@code sslproto.py} behaviour through {@code
 * createServer}/{@code createConnection} with an {@link SSLContext}, and {@code startTls}. The
 * self-signed certificate is made by the JDK's keytool in a temporary directory.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TlsTest {

  private static final String PASSWORD = "changeit";

  @TempDir static Path dir;

  private static SSLContext serverContext;
  private static SSLContext clientContext;
  private static X509Certificate serverCertificate;

  private EventLoop loop;
  private final List<Server> servers = new ArrayList<>();
  private final List<ExceptionContext> handled = new ArrayList<>();
  private boolean expectHandled;

  @BeforeAll
  static void makeCertificate() throws Exception {
    Path keystore = dir.resolve("server.p12");
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Process process = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "server",
        "-keyalg", "EC", "-keysize", "256", "-dname", "CN=localhost", "-validity", "2",
        "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-keystore", keystore.toString(),
        "-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD, "-noprompt")
        .redirectErrorStream(true)
        .start();
    String output;
    try (InputStream in = process.getInputStream()) {
      output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("keytool: %s", output).isZero();

    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      keys.load(in, PASSWORD.toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, PASSWORD.toCharArray());
    serverContext = SSLContext.getInstance("TLS");
    serverContext.init(kmf.getKeyManagers(), null, null);

    serverCertificate = (X509Certificate) keys.getCertificate("server");
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    trusted.setCertificateEntry("server", serverCertificate);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trusted);
    clientContext = SSLContext.getInstance("TLS");
    clientContext.init(null, tmf.getTrustManagers(), null);
  }

  @BeforeEach
  void newLoop() {
    loop = Loops.newEventLoop();
    loop.setExceptionHandler((l, context) -> handled.add(context));
  }

  @AfterEach
  void closeLoop() {
    for (Server server : servers) {
      onLoop(() -> {
        server.close();
        server.abortClients();
      });
    }
    if (!loop.isRunning() && !loop.isClosed()) {
      loop.close();
    }
    if (!expectHandled) {
      assertThat(handled).as("reports to the loop's exception handler").isEmpty();
    }
  }

  // ------------------------------------------------------------------ helpers

  /** Runs {@code action} on the loop thread and waits for it. */
  private void onLoop(Runnable action) {
    LoopFuture<Void> done = loop.createFuture();
    loop.callSoon(() -> {
      try {
        action.run();
        done.setResult(null);
      } catch (Throwable t) {
        done.setException(t);
      }
    });
    loop.runUntilComplete(done);
  }

  private int serve(Supplier<? extends Protocol> factory, ServerOptions options) {
    Server server = loop.runUntilComplete(loop.createServer(factory, "127.0.0.1", 0, options));
    servers.add(server);
    return ((InetSocketAddress) server.sockets().get(0)).getPort();
  }

  private int serveTls(Supplier<? extends Protocol> factory) {
    return serve(factory, ServerOptions.defaults().withSsl(serverContext));
  }

  private <P extends Protocol> Connection<P> connectTls(Supplier<P> factory, int port) {
    return loop.runUntilComplete(loop.createConnection(factory, "127.0.0.1", port,
        ConnectOptions.defaults().withSsl(clientContext).withServerHostname("localhost")));
  }

  private static byte[] randomBytes(int n) {
    byte[] data = new byte[n];
    new Random(n).nextBytes(data);
    return data;
  }

  private static Throwable rootOf(Throwable t) {
    Throwable cause = t;
    while ((cause instanceof java.util.concurrent.CompletionException
        || cause instanceof java.util.concurrent.ExecutionException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  /** Echoes what it receives; records the end of the connection. */
  class Echo implements Protocol {
    Transport transport;
    final LoopFuture<Throwable> lost = loop.createFuture();
    final LoopFuture<Void> eof = loop.createFuture();

    @Override
    public void connectionMade(Transport t) {
      transport = t;
    }

    @Override
    public void dataReceived(ByteBuffer data) {
      transport.write(data);
    }

    @Override
    public boolean eofReceived() {
      eof.setResult(null);
      return false;
    }

    @Override
    public void connectionLost(@Nullable Throwable cause) {
      lost.setResult(cause);
    }
  }

  /** Collects what it receives until {@code expected} bytes. */
  class Collector implements Protocol {
    final int expected;
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final LoopFuture<byte[]> received = loop.createFuture();
    final LoopFuture<Throwable> lost = loop.createFuture();
    final LoopFuture<Void> paused = loop.createFuture();
    final LoopFuture<Void> resumed = loop.createFuture();
    Transport transport;
    int connectionMadeCalls;
    int lostCalls;

    Collector(int expected) {
      this.expected = expected;
    }

    @Override
    public void connectionMade(Transport t) {
      transport = t;
      connectionMadeCalls++;
    }

    @Override
    public void dataReceived(ByteBuffer data) {
      byte[] chunk = new byte[data.remaining()];
      data.get(chunk);
      bytes.write(chunk, 0, chunk.length);
      if (bytes.size() >= expected && !received.isDone()) {
        received.setResult(bytes.toByteArray());
      }
    }

    @Override
    public void connectionLost(@Nullable Throwable cause) {
      lostCalls++;
      lost.setResult(cause);
    }

    @Override
    public void pauseWriting() {
      if (!paused.isDone()) {
        paused.setResult(null);
      }
    }

    @Override
    public void resumeWriting() {
      if (!resumed.isDone()) {
        resumed.setResult(null);
      }
    }
  }

  /** A collector on the zero-copy read path. */
  final class BufferedCollector extends Collector implements BufferedProtocol {
    private final ByteBuffer buffer = ByteBuffer.allocate(1000); // smaller than a TLS record

    BufferedCollector(int expected) {
      super(expected);
    }

    @Override
    public ByteBuffer getBuffer(int sizeHint) {
      buffer.clear();
      return buffer;
    }

    @Override
    public void bufferUpdated(int nbytes) {
      buffer.flip();
      super.dataReceived(buffer);
    }

    @Override
    public void dataReceived(ByteBuffer data) {
      throw new AssertionError("a BufferedProtocol must be fed through getBuffer/bufferUpdated");
    }
  }

  private void echoRoundTrip(int size, Collector client) {
    int port = serveTls(Echo::new);
    Connection<Collector> connection = connectTls(() -> client, port);
    assertThat(client.connectionMadeCalls).isEqualTo(1);
    assertThat(connection.transport()).isSameAs(client.transport);
    byte[] payload = randomBytes(size);
    onLoop(() -> connection.transport().write(ByteBuffer.wrap(payload)));
    byte[] echoed = loop.runUntilComplete(client.received);
    assertThat(echoed).isEqualTo(payload);
    onLoop(connection.transport()::close);
    assertThat(loop.runUntilComplete(client.lost)).isNull();
    assertThat(client.lostCalls).isEqualTo(1);
  }

  // ------------------------------------------------------------------ cases

  @Test
  void echoesSmallMessageByteExact() {
    echoRoundTrip(13, new Collector(13));
  }

  @Test
  void echoesFourMebibytesByteExact() {
    int size = 4 * 1024 * 1024;
    echoRoundTrip(size, new Collector(size));
  }

  @Test
  void deliversToBufferedProtocolThroughGetBuffer() {
    int size = 300_000;
    echoRoundTrip(size, new BufferedCollector(size));
  }

  @Test
  void manySmallWritesArriveInOrder() {
    int port = serveTls(Echo::new);
    int count = 2000;
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    for (int i = 0; i < count; i++) {
      expected.writeBytes(("line " + i + "\n").getBytes(StandardCharsets.US_ASCII));
    }
    Collector client = new Collector(expected.size());
    Connection<Collector> connection = connectTls(() -> client, port);
    onLoop(() -> {
      for (int i = 0; i < count; i++) {
        connection.transport().write(ByteBuffer.wrap(("line " + i + "\n").getBytes(StandardCharsets.US_ASCII)));
      }
    });
    assertThat(loop.runUntilComplete(client.received)).isEqualTo(expected.toByteArray());
    onLoop(connection.transport()::close);
    loop.runUntilComplete(client.lost);
  }

  @Test
  void exposesTlsExtraInfoAndFallsBackToTheSocket() throws Exception {
    int port = serveTls(Echo::new);
    Collector client = new Collector(1);
    Connection<Collector> connection = connectTls(() -> client, port);
    Transport t = connection.transport();

    Object peercert = t.getExtraInfo("peercert");
    assertThat(peercert).isInstanceOf(X509Certificate.class);
    assertThat(((Certificate) peercert).getEncoded()).isEqualTo(serverCertificate.getEncoded());
    assertThat(t.getExtraInfo("cipher")).isInstanceOf(String.class);
    assertThat((String) t.getExtraInfo("cipher")).startsWith("TLS_");
    assertThat(t.getExtraInfo("sslcontext")).isSameAs(clientContext);
    assertThat(t.getExtraInfo("sslsession")).isInstanceOf(SSLSession.class);
    assertThat(((SSLSession) t.getExtraInfo("sslsession")).getCipherSuite()).isEqualTo(t.getExtraInfo("cipher"));
    assertThat(t.getExtraInfo("peername")).isEqualTo(new InetSocketAddress("127.0.0.1", port));
    assertThat(t.getExtraInfo("sockname")).isInstanceOf(InetSocketAddress.class);
    assertThat(t.getExtraInfo("no such thing")).isNull();
    assertThat(t.canWriteEof()).isFalse();
    assertThatThrownBy(t::writeEof).isInstanceOf(UnsupportedOperationException.class);
    assertThat(t.getProtocol()).isSameAs(client);
    assertThat(t.getLoop()).isSameAs(loop);
    assertThat(t.isClosing()).isFalse();

    onLoop(t::close);
    assertThat(t.isClosing()).isTrue();
    loop.runUntilComplete(client.lost);
  }

  @Test
  void orderlyCloseGivesThePeerEofThenConnectionLostNull() {
    List<Echo> accepted = new ArrayList<>();
    int port = serveTls(() -> {
      Echo e = new Echo();
      accepted.add(e);
      return e;
    });
    Collector client = new Collector(5);
    Connection<Collector> connection = connectTls(() -> client, port);
    onLoop(() -> connection.transport().write(ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII))));
    loop.runUntilComplete(client.received);
    assertThat(accepted).hasSize(1);
    Echo server = accepted.get(0);

    onLoop(connection.transport()::close);
    loop.runUntilComplete(server.eof);
    assertThat(loop.runUntilComplete(server.lost)).isNull();
    assertThat(loop.runUntilComplete(client.lost)).isNull();
    assertThat(client.lostCalls).isEqualTo(1);
    // Writing after close is ignored, as in asyncio.
    onLoop(() -> connection.transport().write(ByteBuffer.wrap(new byte[10])));
  }

  @Test
  void serverCloseReachesClientAsConnectionLostNull() {
    List<Echo> accepted = new ArrayList<>();
    int port = serveTls(() -> {
      Echo e = new Echo();
      accepted.add(e);
      return e;
    });
    Collector client = new Collector(2);
    connectTls(() -> client, port);
    onLoop(() -> client.transport.write(ByteBuffer.wrap(new byte[] {1, 2})));
    loop.runUntilComplete(client.received);
    onLoop(() -> accepted.get(0).transport.close());
    assertThat(loop.runUntilComplete(client.lost)).isNull();
    assertThat(loop.runUntilComplete(accepted.get(0).lost)).isNull();
    assertThat(client.lostCalls).isEqualTo(1);
  }

  @Test
  void defaultTrustStoreRejectsTheSelfSignedServerAndTheLoopStaysUsable() throws Exception {
    int port = serveTls(Echo::new);
    Collector client = new Collector(1);
    LoopFuture<Connection<Collector>> attempt = loop.createConnection(() -> client, "127.0.0.1", port,
        ConnectOptions.defaults().withSsl(SSLContext.getDefault()).withServerHostname("localhost"));
    Throwable failure = rootOf(catchThrowable(() -> loop.runUntilComplete(attempt)));
    assertThat(failure).isInstanceOf(SSLHandshakeException.class);
    assertThat(client.connectionMadeCalls).isZero();
    assertThat(attempt.isDone()).isTrue();

    // The same loop goes on serving TLS.
    echoRoundTrip(100, new Collector(100));
    assertThat(client.lostCalls).isZero();
  }

  @Test
  void wrongHostNameIsRejected() {
    int port = serveTls(Echo::new);
    LoopFuture<Connection<Collector>> attempt = loop.createConnection(() -> new Collector(1), "127.0.0.1",
        port, ConnectOptions.defaults().withSsl(clientContext).withServerHostname("example.com"));
    Throwable failure = rootOf(catchThrowable(() -> loop.runUntilComplete(attempt)));
    assertThat(failure).isInstanceOf(SSLHandshakeException.class);
  }

  @Test
  void handshakeTimesOutAgainstASilentPlainServer() {
    List<Echo> accepted = new ArrayList<>();
    int port = serve(() -> {
      Echo silent = new Echo() {
        @Override
        public void dataReceived(ByteBuffer data) {
          data.position(data.limit()); // reads the ClientHello and never answers
        }
      };
      accepted.add(silent);
      return silent;
    }, ServerOptions.defaults());
    Collector client = new Collector(1);
    long start = System.nanoTime();
    LoopFuture<Connection<Collector>> attempt = loop.createConnection(() -> client, "127.0.0.1", port,
        ConnectOptions.defaults().withSsl(clientContext).withServerHostname("localhost")
            .withSslHandshakeTimeout(Duration.ofMillis(300)));
    Throwable failure = rootOf(catchThrowable(() -> loop.runUntilComplete(attempt)));
    assertThat(failure).isInstanceOf(TimeoutException.class)
        .hasMessageContaining("TLS handshake timed out after");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
    assertThat(client.connectionMadeCalls).isZero();
    // The raw connection was aborted: the plain server sees it end.
    loop.runUntilComplete(accepted.get(0).lost);
  }

  @Test
  void startTlsUpgradesAPlainConnectionOnBothSides() {
    LoopFuture<Transport> serverTls = loop.createFuture();
    Echo serverApp = new Echo();
    int port = serve(() -> new Protocol() {
      Transport plain;

      @Override
      public void connectionMade(Transport t) {
        plain = t;
      }

      @Override
      public void dataReceived(ByteBuffer data) {
        String line = StandardCharsets.US_ASCII.decode(data).toString();
        assertThat(line).isEqualTo("STARTTLS\n");
        plain.write(ByteBuffer.wrap("OK\n".getBytes(StandardCharsets.US_ASCII)));
        loop.startTls(plain, serverApp, serverContext, TlsOptions.server()).whenComplete((t, e) -> {
          if (e != null) {
            serverTls.setException(e);
          } else {
            serverTls.setResult(t);
          }
        });
      }
    }, ServerOptions.defaults());

    Collector tlsClient = new Collector(11);
    LoopFuture<Transport> clientTls = loop.createFuture();
    Protocol plainClient = new Protocol() {
      Transport plain;

      @Override
      public void connectionMade(Transport t) {
        plain = t;
        t.write(ByteBuffer.wrap("STARTTLS\n".getBytes(StandardCharsets.US_ASCII)));
      }

      @Override
      public void dataReceived(ByteBuffer data) {
        assertThat(StandardCharsets.US_ASCII.decode(data).toString()).isEqualTo("OK\n");
        loop.startTls(plain, tlsClient, clientContext, TlsOptions.client("localhost"))
            .whenComplete((t, e) -> {
              if (e != null) {
                clientTls.setException(e);
              } else {
                clientTls.setResult(t);
              }
            });
      }
    };
    Connection<Protocol> plain = loop.runUntilComplete(
        loop.createConnection(() -> plainClient, "127.0.0.1", port));

    Transport client = loop.runUntilComplete(clientTls);
    Transport server = loop.runUntilComplete(serverTls);
    assertThat(client).isNotSameAs(plain.transport());
    assertThat(client.getProtocol()).isSameAs(tlsClient);
    assertThat(tlsClient.transport).isSameAs(client);
    assertThat(serverApp.transport).isSameAs(server);
    assertThat(client.getExtraInfo("peercert")).isInstanceOf(X509Certificate.class);
    assertThat(server.getExtraInfo("cipher")).isEqualTo(client.getExtraInfo("cipher"));
    assertThat(plain.transport().getProtocol()).isNotSameAs(plainClient); // the TLS layer is in

    onLoop(() -> client.write(ByteBuffer.wrap("hello tls\r\n".getBytes(StandardCharsets.US_ASCII))));
    assertThat(new String(loop.runUntilComplete(tlsClient.received), StandardCharsets.US_ASCII))
        .isEqualTo("hello tls\r\n");

    onLoop(client::close);
    assertThat(loop.runUntilComplete(serverApp.lost)).isNull();
    assertThat(loop.runUntilComplete(tlsClient.lost)).isNull();
    assertThat(plain.transport().isClosing()).isTrue();
  }

  @Test
  void pauseWritingReachesTheAppWhenThePeerStopsReading() {
    List<Transport> serverTransports = new ArrayList<>();
    long[] serverReceived = {0};
    LoopFuture<Void> allReceived = loop.createFuture();
    long[] total = {-1};
    int port = serveTls(() -> new Protocol() {
      @Override
      public void connectionMade(Transport t) {
        serverTransports.add(t);
        t.pauseReading();
        assertThat(t.isReading()).isFalse();
      }

      @Override
      public void dataReceived(ByteBuffer data) {
        serverReceived[0] += data.remaining();
        data.position(data.limit());
        if (serverReceived[0] == total[0] && !allReceived.isDone()) {
          allReceived.setResult(null);
        }
      }
    });
    Collector client = new Collector(Integer.MAX_VALUE);
    Connection<Collector> connection = connectTls(() -> client, port);
    Transport t = connection.transport();
    assertThat(t.getWriteBufferHigh()).isPositive();

    ByteBuffer chunk = ByteBuffer.wrap(randomBytes(64 * 1024));
    onLoop(() -> {
      long written = 0;
      while (!client.paused.isDone() && written < 256L * 1024 * 1024) {
        chunk.clear();
        t.write(chunk);
        written += chunk.capacity();
      }
      total[0] = written;
    });
    assertThat(client.paused.isDone()).as("pauseWriting was called").isTrue();
    assertThat(t.getWriteBufferSize()).isGreaterThan(t.getWriteBufferHigh());
    assertThat(client.resumed.isDone()).isFalse();

    // The peer reads again: the buffer drains and the app is told to resume.
    onLoop(() -> serverTransports.get(0).resumeReading());
    loop.runUntilComplete(client.resumed);
    loop.runUntilComplete(allReceived);
    assertThat(serverReceived[0]).isEqualTo(total[0]);
    onLoop(t::close);
    loop.runUntilComplete(client.lost);
  }

  @Test
  void pauseAndResumeReadingGoThroughToTheRawTransport() {
    int port = serveTls(Echo::new);
    List<String> events = new ArrayList<>();
    LoopFuture<Void> got = loop.createFuture();
    Protocol app = new Protocol() {
      @Override
      public void dataReceived(ByteBuffer data) {
        events.add("data:" + data.remaining());
        if (!got.isDone()) {
          got.setResult(null);
        }
      }
    };
    Connection<Protocol> connection = connectTls(() -> app, port);
    Transport t = connection.transport();
    onLoop(() -> {
      t.pauseReading();
      assertThat(t.isReading()).isFalse();
      t.write(ByteBuffer.wrap(new byte[100]));
    });
    assertThat(events).isEmpty();
    onLoop(t::resumeReading);
    loop.runUntilComplete(got);
    assertThat(events).containsExactly("data:100");
    onLoop(t::close);
  }
  @Test
  void worksOverTls12() throws Exception {
    SSLContext tls12 = SSLContext.getInstance("TLSv1.2");
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    trusted.setCertificateEntry("server", serverCertificate);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trusted);
    tls12.init(null, tmf.getTrustManagers(), null);

    List<Echo> accepted = new ArrayList<>();
    int port = serveTls(() -> {
      Echo e = new Echo();
      accepted.add(e);
      return e;
    });
    int size = 200_000;
    Collector client = new Collector(size);
    Connection<Collector> connection = loop.runUntilComplete(loop.createConnection(() -> client,
        "127.0.0.1", port, ConnectOptions.defaults().withSsl(tls12).withServerHostname("localhost")));
    assertThat(((SSLSession) connection.transport().getExtraInfo("sslsession")).getProtocol())
        .isEqualTo("TLSv1.2");
    byte[] payload = randomBytes(size);
    onLoop(() -> connection.transport().write(ByteBuffer.wrap(payload)));
    assertThat(loop.runUntilComplete(client.received)).isEqualTo(payload);
    onLoop(connection.transport()::close);
    loop.runUntilComplete(accepted.get(0).eof);
    assertThat(loop.runUntilComplete(accepted.get(0).lost)).isNull();
    assertThat(loop.runUntilComplete(client.lost)).isNull();
  }

  @Test
  void anAppCallbackThatThrowsIsReportedAndClosesOnlyItsConnection() {
    expectHandled = true;
    int port = serveTls(Echo::new);
    IllegalStateException boom = new IllegalStateException("boom");
    Collector failing = new Collector(1) {
      @Override
      public void dataReceived(ByteBuffer data) {
        throw boom;
      }
    };
    Connection<Collector> connection = connectTls(() -> failing, port);
    onLoop(() -> connection.transport().write(ByteBuffer.wrap(new byte[] {42})));
    assertThat(loop.runUntilComplete(failing.lost)).isSameAs(boom);
    assertThat(failing.lostCalls).isEqualTo(1);
    assertThat(handled).anySatisfy(c -> assertThat(c.exception()).isSameAs(boom));

    // Another connection on the same loop is unaffected.
    echoRoundTrip(10, new Collector(10));
  }
  @Test
  void serverHandshakeTimeoutDropsASilentPlainClient() {
    List<Echo> accepted = new ArrayList<>();
    int port = serve(() -> {
      Echo e = new Echo();
      accepted.add(e);
      return e;
    }, ServerOptions.defaults().withSsl(serverContext).withSslHandshakeTimeout(Duration.ofMillis(200)));
    Collector plainClient = new Collector(1); // connects, never says hello
    loop.runUntilComplete(loop.createConnection(() -> plainClient, "127.0.0.1", port));
    assertThat(loop.runUntilComplete(plainClient.lost)).isNull();
    assertThat(accepted).allSatisfy(e -> assertThat(e.transport).isNull());
  }

  @Test
  void startTlsOverATlsTransportNestsTls() {
    // An HTTPS-proxy-like tunnel: TLS inside TLS, both ends upgraded with startTls.
    LoopFuture<Transport> serverInner = loop.createFuture();
    Echo innerServerApp = new Echo();
    int port = serveTls(() -> new Protocol() {
      Transport outer;

      @Override
      public void connectionMade(Transport t) {
        outer = t;
        loop.startTls(outer, innerServerApp, serverContext, TlsOptions.server()).whenComplete((t2, e) -> {
          if (e != null) {
            serverInner.setException(e);
          } else {
            serverInner.setResult(t2);
          }
        });
      }
    });
    Collector outerClient = new Collector(1);
    Connection<Collector> outer = connectTls(() -> outerClient, port);
    int size = 100_000;
    Collector innerClient = new Collector(size);
    LoopFuture<Transport> upgrade = loop.createFuture();
    onLoop(() -> loop.startTls(outer.transport(), innerClient, clientContext, TlsOptions.client("localhost"))
        .whenComplete((t, e) -> {
          if (e != null) {
            upgrade.setException(e);
          } else {
            upgrade.setResult(t);
          }
        }));
    Transport inner = loop.runUntilComplete(upgrade);
    loop.runUntilComplete(serverInner);
    assertThat(outer.transport().getProtocol()).isNotSameAs(outerClient);
    byte[] payload = randomBytes(size);
    onLoop(() -> inner.write(ByteBuffer.wrap(payload)));
    assertThat(loop.runUntilComplete(innerClient.received)).isEqualTo(payload);
    onLoop(inner::close);
    assertThat(loop.runUntilComplete(innerServerApp.lost)).isNull();
    assertThat(loop.runUntilComplete(innerClient.lost)).isNull();
  }
  @Test
  void withoutServerHostnameTheConnectedAddressIsVerified() {
    // The certificate names ip:127.0.0.1: no SNI is sent for an IP literal, the IP SAN is checked.
    int port = serveTls(Echo::new);
    Collector client = new Collector(3);
    Connection<Collector> connection = loop.runUntilComplete(loop.createConnection(() -> client,
        "127.0.0.1", port, ConnectOptions.defaults().withSsl(clientContext)));
    onLoop(() -> connection.transport().write(ByteBuffer.wrap(new byte[] {1, 2, 3})));
    assertThat(loop.runUntilComplete(client.received)).containsExactly(1, 2, 3);
    onLoop(connection.transport()::close);
    loop.runUntilComplete(client.lost);
  }
}
