package dev.loop.samples.reactor;

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

/** The Reactor echo sample, answered through plain Java sockets. */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReactorEchoServerTest {

  private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");

  private EventLoop loop;
  private Thread serverThread;
  private final List<String> announced = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Integer> port = new CompletableFuture<>();
  private final CompletableFuture<Void> serverEnded = new CompletableFuture<>();

  /** Runs {@link ReactorEchoServer#serve} (what {@code main} runs) on its own thread with port 0. */
  @BeforeEach
  void startServer() {
    loop = Loops.newEventLoop();
    serverThread = new Thread(() -> {
      try {
        ReactorEchoServer.serve(loop, "127.0.0.1", 0, line -> {
          announced.add(line);
          Matcher m = LISTENING.matcher(line);
          port.complete(m.matches() ? Integer.parseInt(m.group(1)) : -1);
        });
        serverEnded.complete(null);
      } catch (Throwable t) {
        port.completeExceptionally(t);
        serverEnded.completeExceptionally(t);
      }
    }, "reactor-echo-server");
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
  void megabytesWrittenBeforeReadingAnyComeBackExactly() throws Exception {
    byte[] data = new byte[4_000_000];
    new Random(4).nextBytes(data);
    try (Socket socket = connect()) {
      // Write everything from another thread while this one reads: the server's backpressure
      // holds the writer back whenever this reader lags.
      CompletableFuture<Void> written = CompletableFuture.runAsync(() -> {
        try {
          socket.getOutputStream().write(data);
          socket.shutdownOutput();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      byte[] back = socket.getInputStream().readAllBytes();
      written.get(20, TimeUnit.SECONDS);

      assertThat(back).isEqualTo(data);
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
  void thePortArgumentDefaultsToAnyPortAndRejectsNonsense() {
    assertThat(ReactorEchoServer.port()).isZero();
    assertThat(ReactorEchoServer.port("7000")).isEqualTo(7000);
    assertThatThrownBy(() -> ReactorEchoServer.port("seven"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("seven");
    assertThatThrownBy(() -> ReactorEchoServer.port("70000"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("70000");
    assertThatThrownBy(() -> ReactorEchoServer.port("1", "2"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("usage");
  }

  /** {@code main} itself, as a user runs it: a separate JVM that serves until it is killed. */
  @Test
  void mainPrintsTheListeningLineAndServesUntilKilled() throws Exception {
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process process = new ProcessBuilder(java, "-cp", classPath, ReactorEchoServer.class.getName(), "0")
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
