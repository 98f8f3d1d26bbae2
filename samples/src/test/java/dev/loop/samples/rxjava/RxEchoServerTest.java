package dev.loop.samples.rxjava;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loop.EventLoop;
import dev.loop.Loops;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The RxJava echo sample, answered through plain Java sockets. */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RxEchoServerTest {

  private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");

  private EventLoop loop;
  private Thread serverThread;
  private final List<String> announced = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Integer> port = new CompletableFuture<>();
  private final CompletableFuture<Void> serverEnded = new CompletableFuture<>();

  /** Runs {@link RxEchoServer#serve} (what {@code main} runs) on its own thread with port 0. */
  @BeforeEach
  void startServer() {
    loop = Loops.newEventLoop();
    serverThread = new Thread(() -> {
      try {
        RxEchoServer.serve(loop, "127.0.0.1", 0, line -> {
          announced.add(line);
          Matcher m = LISTENING.matcher(line);
          port.complete(m.matches() ? Integer.parseInt(m.group(1)) : -1);
        });
        serverEnded.complete(null);
      } catch (Throwable t) {
        port.completeExceptionally(t);
        serverEnded.completeExceptionally(t);
      }
    }, "rx-echo-server");
    serverThread.start();
  }

  @AfterEach
  void stopServer() throws Exception {
    loop.stop();
    try {
      serverEnded.get(20, TimeUnit.SECONDS);
      serverThread.join(20_000);
      assertThat(serverThread.isAlive()).as("server thread still running").isFalse();
    } finally {
      if (!loop.isRunning()) {
        loop.close();
      }
    }
  }

  private Socket connect() throws Exception {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port.get(20, TimeUnit.SECONDS)), 10_000);
    socket.setSoTimeout(10_000);
    return socket;
  }

  @Test
  void theServerAnnouncesExactlyOneListeningLineWithTheChosenPort() throws Exception {
    int chosen = port.get(20, TimeUnit.SECONDS);

    assertThat(chosen).isBetween(1, 65535);
    assertThat(announced).containsExactly("listening on 127.0.0.1:" + chosen);
  }

  @Test
  void aPlainJavaSocketGetsEveryByteBackAndThenEndOfStream() throws Exception {
    try (Socket socket = connect()) {
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      for (String message : List.of("hello", "echo ✓", "x".repeat(10_000))) {
        byte[] bytes = message.getBytes(UTF_8);
        out.write(bytes);
        assertThat(new String(in.readNBytes(bytes.length), UTF_8)).isEqualTo(message);
      }
      socket.shutdownOutput();
      assertThat(in.read()).as("end of stream once we stopped sending").isEqualTo(-1);
    }
  }

  @Test
  void aClientThatSendsAMegabyteBeforeReadingGetsItAllBack() throws Exception {
    byte[] payload = new byte[1 << 20];
    new Random(1).nextBytes(payload);
    try (Socket socket = connect()) {
      CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> {
        try {
          return socket.getInputStream().readNBytes(payload.length);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      socket.getOutputStream().write(payload);

      assertThat(echoed.get(30, TimeUnit.SECONDS)).isEqualTo(payload);
    }
  }

  @Test
  void severalClientsAreEchoedIndependently() throws Exception {
    try (Socket first = connect(); Socket second = connect()) {
      first.getOutputStream().write("first".getBytes(UTF_8));
      second.getOutputStream().write("second".getBytes(UTF_8));
      assertThat(new String(second.getInputStream().readNBytes(6), UTF_8)).isEqualTo("second");
      assertThat(new String(first.getInputStream().readNBytes(5), UTF_8)).isEqualTo("first");
    }
  }

  @Test
  void thePortArgumentIsOptionalAndNonsenseIsRejected() {
    assertThat(RxEchoServer.port()).isZero();
    assertThat(RxEchoServer.port("7000")).isEqualTo(7000);
    assertThatThrownBy(() -> RxEchoServer.port("seven"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("seven");
    assertThatThrownBy(() -> RxEchoServer.port("70000"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("70000");
    assertThatThrownBy(() -> RxEchoServer.port("1", "2"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("usage");
  }

  @Test
  void servingOnAPortInUseFailsWithTheCause() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        EventLoop other = Loops.newEventLoop()) {
      assertThatThrownBy(() -> RxEchoServer.serve(other, "127.0.0.1", taken.getLocalPort(), line -> {}))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(Integer.toString(taken.getLocalPort()))
          .hasCauseInstanceOf(IOException.class);
    }
  }

  /** {@code main} itself, as a user runs it: a separate JVM that serves until it is killed. */
  @Test
  void mainPrintsTheListeningLineAndServesUntilKilled() throws Exception {
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process process = new ProcessBuilder(java, "-cp", classPath, RxEchoServer.class.getName(), "0")
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    try {
      BufferedReader stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8));
      String line = CompletableFuture.supplyAsync(() -> {
        try {
          return stdout.readLine();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }).get(30, TimeUnit.SECONDS);

      assertThat(line).as("first line of main's output").matches(LISTENING);
      Matcher m = LISTENING.matcher(line);
      assertThat(m.matches()).isTrue();
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(m.group(1))), 10_000);
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write("from another process".getBytes(UTF_8));
        assertThat(new String(socket.getInputStream().readNBytes(20), UTF_8)).isEqualTo("from another process");
      }
      assertThat(process.isAlive()).as("the server still runs after serving a client").isTrue();
    } finally {
      process.destroyForcibly();
      assertThat(process.waitFor(20, TimeUnit.SECONDS)).as("the server ended when killed").isTrue();
    }
  }
}
