package dev.loop.samples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loop.EventLoop;
import dev.loop.Loops;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What every echo sample (the protocol API's, the Reactor bridge's, the RxJava bridge's) must do,
 * answered through plain Java sockets: one subclass per sample supplies its {@code serve} and how
 * its {@code main} is started, and adds the tests of what only it has.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class EchoServerContract {

  /** The line every echo sample prints once it accepts connections. */
  protected static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");

  private EventLoop loop;
  private Thread serverThread;
  private final List<String> announced = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Integer> port = new CompletableFuture<>();
  private final CompletableFuture<Void> serverEnded = new CompletableFuture<>();

  /**
   * The sample's {@code serve}: what its {@code main} runs. Serves on {@code loop} until it stops.
   *
   * @param loop the loop to serve on
   * @param host the address to listen on
   * @param port the port, 0 for any
   * @param announce receives the {@code listening on HOST:PORT} line
   */
  protected abstract void serve(EventLoop loop, String host, int port, Consumer<String> announce);

  /** The sample's main class. */
  protected abstract Class<?> mainClass();

  /** The arguments that make the sample's {@code main} listen on 127.0.0.1 and any port. */
  protected abstract List<String> anyPortArguments();

  /** Runs {@link #serve} on its own thread with port 0. */
  @BeforeEach
  void startServer() {
    loop = Loops.newEventLoop();
    serverThread = new Thread(() -> {
      try {
        serve(loop, "127.0.0.1", 0, line -> {
          announced.add(line);
          Matcher m = LISTENING.matcher(line);
          port.complete(m.matches() ? Integer.parseInt(m.group(1)) : -1);
        });
        serverEnded.complete(null);
      } catch (Throwable t) {
        port.completeExceptionally(t);
        serverEnded.completeExceptionally(t);
      }
    }, mainClass().getSimpleName());
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

  /** The port the server announced. */
  protected int port() throws Exception {
    return port.get(20, TimeUnit.SECONDS);
  }

  /** A plain Java socket connected to the server, with a read timeout. */
  protected Socket connect() throws Exception {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port()), 10_000);
    socket.setSoTimeout(10_000);
    return socket;
  }

  @Test
  void theServerAnnouncesExactlyOneListeningLineWithTheChosenPort() throws Exception {
    int chosen = port();

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
  void severalClientsAreEchoedIndependently() throws Exception {
    try (Socket first = connect(); Socket second = connect()) {
      first.getOutputStream().write("first".getBytes(UTF_8));
      second.getOutputStream().write("second".getBytes(UTF_8));
      assertThat(new String(second.getInputStream().readNBytes(6), UTF_8)).isEqualTo("second");
      assertThat(new String(first.getInputStream().readNBytes(5), UTF_8)).isEqualTo("first");
    }
  }

  /** {@code main} itself, as a user runs it: a separate JVM that serves until it is killed. */
  @Test
  void mainPrintsTheListeningLineAndServesUntilKilled() throws Exception {
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java, "-cp", classPath, mainClass().getName()));
    command.addAll(anyPortArguments());
    Process process = new ProcessBuilder(command)
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

      assertThat(line).as("first line of main's output (class path %s)", classPath.split(File.pathSeparator).length)
          .matches(LISTENING);
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
