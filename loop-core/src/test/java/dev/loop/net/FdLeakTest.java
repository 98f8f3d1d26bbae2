package dev.loop.net;

import static dev.loop.net.StreamTransportTest.WAIT;
import static dev.loop.net.StreamTransportTest.await;
import static dev.loop.net.StreamTransportTest.bytes;
import static dev.loop.net.StreamTransportTest.failureOf;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loop.Server;
import dev.loop.net.StreamTransportTest.Harness;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract's invariant "after any number of connections the process's open file descriptors
 * return to their baseline", measured in {@code /proc/self/fd}.
 *
 * <p>No tolerance is allowed: the JVM opens no descriptor on its own between two measurements once
 * the classes the test touches are loaded, and every test first runs a small warm-up of exactly
 * what it measures (same classes, same code paths, same jars) so that lazily opened files are open
 * before the baseline is taken. The test thread's own sockets are closed before each count.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FdLeakTest {

  private static final Path FDS = Path.of("/proc/self/fd");
  private static final Duration SETTLE = Duration.ofSeconds(20);

  @TempDir Path dir;

  @BeforeEach
  void needProcFs() {
    Assumptions.assumeTrue(Files.isDirectory(FDS),
        "/proc/self/fd does not exist on this system: descriptor counts cannot be measured");
  }

  /** How many descriptors the process has open now. */
  private static long openFds() {
    try (Stream<Path> fds = Files.list(FDS)) {
      return fds.count();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** What the open descriptors point to (jars left out), for a failure message. */
  private static String describeFds() {
    try (Stream<Path> fds = Files.list(FDS)) {
      return fds.map(p -> {
        try {
          return p.getFileName() + "->" + Files.readSymbolicLink(p);
        } catch (IOException e) {
          return p.getFileName() + "->?";
        }
      }).filter(entry -> !entry.endsWith(".jar") && !entry.endsWith("/modules"))
          .collect(Collectors.joining(", "));
    } catch (IOException e) {
      return "?";
    }
  }

  private static void awaitFdsBackTo(long baseline, String when) {
    await().atMost(SETTLE).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
        assertThat(openFds()).as("open descriptors %s (now: %s)", when, describeFds()).isEqualTo(baseline));
  }

  /** Counts the server side's connections made and lost. */
  static final class Counting extends StreamTransportTest.Echo {
    final AtomicInteger madeCounter;
    final AtomicInteger lostCounter;

    Counting(Harness h, AtomicInteger made, AtomicInteger lost) {
      super(h);
      this.madeCounter = made;
      this.lostCounter = lost;
    }

    @Override
    void onMade(Transport t) {
      madeCounter.incrementAndGet();
    }

    @Override
    void onLost(@Nullable Throwable cause) {
      lostCounter.incrementAndGet();
    }
  }

  /**
   * Opens {@code count} plain-socket connections one after another against {@code port}; each
   * sends a ping and reads the echo (so the server surely made its transport); every fourth then
   * sends once more and resets the connection (SO_LINGER 0, then close), the others close normally.
   */
  private static void hammer(int port, int count) throws IOException {
    InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    for (int i = 0; i < count; i++) {
      try (Socket s = new Socket()) {
        s.connect(address, 10_000);
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        InputStream in = s.getInputStream();
        out.write("ping".getBytes(UTF_8));
        assertThat(new String(in.readNBytes(4), UTF_8)).as("echo on connection %d", i).isEqualTo("ping");
        if (i % 4 == 0) {
          out.write("reset".getBytes(UTF_8));
          s.setSoLinger(true, 0);
        }
      }
    }
  }

  /** One full round: a loop, a server, {@code count} connections, everything closed again. */
  private static void serverRound(int count, @Nullable Runnable measureWhileServing) throws Exception {
    AtomicInteger made = new AtomicInteger();
    AtomicInteger lost = new AtomicInteger();
    try (Harness h = new Harness()) {
      h.ioErrorsTolerated = true;
      Server server = h.listen(StreamTransportTest.tcp(), () -> new Counting(h, made, lost));
      long withServer = openFds();
      int port = ((InetSocketAddress) server.sockets().get(0)).getPort();

      hammer(port, count);

      await().atMost(SETTLE).untilAsserted(() -> {
        assertThat(made).as("connections the server made").hasValue(count);
        assertThat(lost).as("connections the server lost").hasValue(count);
      });
      if (measureWhileServing != null) {
        awaitFdsBackTo(withServer, "after " + count + " connections, with the server still listening");
        measureWhileServing.run();
      }
      h.run(server::close);
      await(server.waitClosed());
    }
  }

  @Test
  void twoThousandConnectionsAQuarterResetByThePeerLeaveNoDescriptorBehind() throws Exception {
    serverRound(40, null);
    long baseline = openFds();

    AtomicInteger checked = new AtomicInteger();
    serverRound(2_000, checked::incrementAndGet);

    assertThat(checked).hasValue(1);
    awaitFdsBackTo(baseline, "after the server closed and its loop shut down");
  }

  /** Loop clients of every ending, refused connects and failed binds, against one server. */
  private static void clientRound(int count, Path unixDir) throws Exception {
    try (Harness h = new Harness()) {
      h.ioErrorsTolerated = true;
      Server server = h.listen(StreamTransportTest.tcp(), () -> new StreamTransportTest.Echo(h));
      int port = ((InetSocketAddress) server.sockets().get(0)).getPort();

      for (int i = 0; i < count; i++) {
        Connection<StreamTransportTest.Recorder> c = await(
            h.loop.createConnection(() -> new StreamTransportTest.Recorder(h), "127.0.0.1", port));
        h.run(() -> c.transport().write(bytes("ping")));
        await(c.protocol().whenReceived(4));
        int kind = i % 3;
        h.run(() -> {
          if (kind == 0) {
            c.transport().close();
          } else if (kind == 1) {
            c.transport().abort();
          } else {
            c.transport().writeEof();
          }
        });
        await(c.protocol().lost);
      }

      int refusedPort;
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        refusedPort = s.getLocalPort();
      }
      for (int i = 0; i < count / 4; i++) {
        failureOf(h.loop.createConnection(() -> new StreamTransportTest.Recorder(h), "127.0.0.1", refusedPort));
        failureOf(h.loop.createServer(() -> new StreamTransportTest.Recorder(h), "127.0.0.1", port));
        failureOf(h.loop.createUnixConnection(() -> new StreamTransportTest.Recorder(h),
            unixDir.resolve("missing.sock")));
      }

      Server unixServer = await(h.loop.createUnixServer(() -> new StreamTransportTest.Echo(h),
          unixDir.resolve("u.sock"), ServerOptions.defaults()));
      for (int i = 0; i < count / 4; i++) {
        Connection<StreamTransportTest.Recorder> c = await(
            h.loop.createUnixConnection(() -> new StreamTransportTest.Recorder(h), unixDir.resolve("u.sock")));
        h.run(() -> c.transport().write(ByteBuffer.wrap(new byte[] {1, 2, 3})));
        await(c.protocol().whenReceived(3));
        h.run(() -> c.transport().close());
        await(c.protocol().lost);
      }
      h.run(unixServer::close);
      await(unixServer.waitClosed());

      h.run(server::close);
      await(server.waitClosed());
    }
  }

  @Test
  void loopClientsRefusedConnectsAndFailedBindsLeaveNoDescriptorBehind() throws Exception {
    Path warmDir = Files.createDirectory(dir.resolve("warm"));
    Path measuredDir = Files.createDirectory(dir.resolve("measured"));
    clientRound(12, warmDir);
    long baseline = openFds();

    clientRound(600, measuredDir);

    awaitFdsBackTo(baseline, "after 600 loop clients, refused connects, failed binds and a Unix server");
  }
}
