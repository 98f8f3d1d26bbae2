package dev.loop.net;

import static dev.loop.net.StreamTransportTest.WAIT;
import static dev.loop.net.StreamTransportTest.assertSameBytes;
import static dev.loop.net.StreamTransportTest.await;
import static dev.loop.net.StreamTransportTest.bytes;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loop.Server;
import dev.loop.net.StreamTransportTest.Echo;
import dev.loop.net.StreamTransportTest.Harness;
import dev.loop.net.StreamTransportTest.Recorder;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loop against peers it did not make: plain blocking {@code java.net} sockets, a socket accepted
 * elsewhere, and Python 3's own asyncio, as client and as server.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class InteropTest {

  @TempDir Path dir;
  private Harness h;
  private final ExecutorService helpers = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "interop-helper");
    t.setDaemon(true);
    return t;
  });

  @BeforeEach
  void openHarness() throws Exception {
    h = new Harness();
  }

  @AfterEach
  void closeEverything() throws Exception {
    helpers.shutdownNow();
    try {
      h.close();
    } finally {
      assertThat(helpers.awaitTermination(WAIT.toSeconds(), TimeUnit.SECONDS)).as("helper threads ended").isTrue();
    }
  }

  private static int port(Server server) {
    return ((InetSocketAddress) server.sockets().get(0)).getPort();
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  /** On EOF, answers with everything received, upper-cased, then closes (a half-close server). */
  static final class Shouter extends Recorder {
    Shouter(Harness h) {
      super(h);
    }

    @Override
    boolean onEof() {
      t().write(bytes(receivedText().toUpperCase(Locale.ROOT)));
      t().close();
      return true;
    }
  }

  // ------------------------------------------------------------------------------------------
  // Plain Java sockets
  // ------------------------------------------------------------------------------------------

  @Test
  void aBlockingJavaSocketTalksToALoopServerAndSeesItsEof() throws Exception {
    Server server = h.listen(StreamTransportTest.tcp(), () -> h.accept(new Echo(h)));
    byte[] big = StreamTransportTest.randomBytes(2 * StreamTransportTest.MIB, 5);

    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port(server)), 10_000);
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      out.write("line one\n".getBytes(UTF_8));
      assertThat(new String(in.readNBytes(9), UTF_8)).isEqualTo("line one\n");

      // Write from another thread while reading here, or both sides would block on full buffers.
      CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
        try {
          out.write(big);
          out.flush();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }, helpers);
      byte[] back = in.readNBytes(big.length);
      await(writing);
      socket.shutdownOutput();

      assertSameBytes(back, big);
      assertThat(in.read()).as("end of stream after the server closed on our EOF").isEqualTo(-1);
    }
    Echo serverSide = h.nextAccepted();
    assertThat(await(serverSide.lost)).isEmpty();
    assertThat(serverSide.events).containsExactly("made", "data", "eof", "lost");
  }

  @Test
  void aLoopClientTalksToABlockingServerSocket() throws Exception {
    try (ServerSocket listener = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
      CompletableFuture<String> served = CompletableFuture.supplyAsync(() -> {
        try (Socket peer = listener.accept()) {
          peer.setSoTimeout(10_000);
          String request = new String(peer.getInputStream().readAllBytes(), UTF_8);
          peer.getOutputStream().write(("you said: " + request).getBytes(UTF_8));
          return request;
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }, helpers);

      Connection<Recorder> c = await(h.loop.createConnection(() -> new Recorder(h).keepOpenOnEof(),
          "127.0.0.1", listener.getLocalPort()));
      h.transports.add(c.transport());
      h.run(() -> {
        c.transport().write(bytes("hello, blocking world"));
        c.transport().writeEof();
      });

      assertThat(await(served)).isEqualTo("hello, blocking world");
      await(c.protocol().eof);
      assertThat(c.protocol().receivedText()).isEqualTo("you said: hello, blocking world");
      h.run(() -> c.transport().close());
      assertThat(await(c.protocol().lost)).isEmpty();
      assertThat(c.protocol().events).containsExactly("made", "data", "eof", "lost");
    }
  }

  @Test
  void connectAcceptedSocketAdoptsAChannelAcceptedOutsideTheLoop() throws Exception {
    try (ServerSocketChannel listener = ServerSocketChannel.open()) {
      listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      try (Socket client = new Socket()) {
        client.connect(listener.getLocalAddress(), 10_000);
        client.setSoTimeout(10_000);
        SocketChannel accepted = listener.accept();

        Connection<Echo> c = await(h.loop.connectAcceptedSocket(() -> new Echo(h), accepted, ServerOptions.defaults()));
        h.transports.add(c.transport());
        client.getOutputStream().write("adopted".getBytes(UTF_8));

        assertThat(new String(client.getInputStream().readNBytes(7), UTF_8)).isEqualTo("adopted");
        assertThat(accepted.isBlocking()).as("the adopted channel is non-blocking").isFalse();
        assertThat(h.call(() -> c.transport().getExtraInfo("socket"))).isSameAs(accepted);
        assertThat(h.call(() -> c.transport().getExtraInfo("peername"))).isEqualTo(client.getLocalSocketAddress());
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // Python's asyncio
  // ------------------------------------------------------------------------------------------

  private static final String PYTHON_CLIENT = """
      import asyncio, hashlib, sys

      async def main(port, size):
          reader, writer = await asyncio.open_connection('127.0.0.1', port)
          payload = b'hello from python ' + bytes(i % 26 + 97 for i in range(size))
          writer.write(payload)
          await writer.drain()
          writer.write_eof()
          answer = await reader.read()
          writer.close()
          await writer.wait_closed()
          print(len(answer), hashlib.sha256(answer).hexdigest(), answer[:17].decode(), flush=True)

      asyncio.run(asyncio.wait_for(main(int(sys.argv[1]), int(sys.argv[2])), 20))
      """;

  private static final String PYTHON_SERVER = """
      import asyncio

      async def main():
          done = asyncio.Event()

          async def handle(reader, writer):
              data = await reader.read()
              writer.write(data[::-1])
              await writer.drain()
              writer.close()
              await writer.wait_closed()
              done.set()

          server = await asyncio.start_server(handle, '127.0.0.1', 0)
          print(server.sockets[0].getsockname()[1], flush=True)
          async with server:
              await asyncio.wait_for(done.wait(), 20)

      asyncio.run(main())
      """;

  private static boolean pythonAvailable() {
    try {
      Process p = new ProcessBuilder("python3", "-c", "import asyncio").redirectErrorStream(true).start();
      return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private Process startPython(String script, String name, String... args) throws IOException {
    Assumptions.assumeTrue(pythonAvailable(), "python3 with asyncio is not installed: Python interop not tested");
    Path file = dir.resolve(name);
    Files.writeString(file, script);
    List<String> command = new java.util.ArrayList<>(List.of("python3", file.toString()));
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectError(dir.resolve(name + ".err").toFile()).start();
  }

  private String stderrOf(String name) throws IOException {
    Path err = dir.resolve(name + ".err");
    return Files.exists(err) ? Files.readString(err) : "";
  }

  private CompletableFuture<String> firstLine(Process process) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8));
        String line = reader.readLine();
        return line == null ? "" : line;
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, helpers);
  }

  private static void finish(Process process) throws InterruptedException {
    if (!process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(WAIT.toSeconds(), TimeUnit.SECONDS);
    }
  }

  @Test
  void pythonAsyncioClientTalksToALoopServerWithAHalfClose() throws Exception {
    Server server = h.listen(StreamTransportTest.tcp(), () -> h.accept(new Shouter(h)));
    int size = 300_000;
    ByteArrayOutputStream sent = new ByteArrayOutputStream();
    sent.writeBytes("hello from python ".getBytes(UTF_8));
    for (int i = 0; i < size; i++) {
      sent.write(i % 26 + 97);
    }
    byte[] expected = new String(sent.toByteArray(), UTF_8).toUpperCase(Locale.ROOT).getBytes(UTF_8);

    Process python = startPython(PYTHON_CLIENT, "client.py", String.valueOf(port(server)), String.valueOf(size));
    try {
      String line = await(firstLine(python));
      finish(python);

      assertThat(line).as("python's report (stderr: %s)", stderrOf("client.py"))
          .isEqualTo(expected.length + " " + sha256(expected) + " HELLO FROM PYTHON");
      assertThat(python.exitValue()).as("python's exit status (stderr: %s)", stderrOf("client.py")).isZero();
    } finally {
      python.destroyForcibly();
    }
    Shouter serverSide = h.nextAccepted();
    assertThat(await(serverSide.lost)).isEmpty();
    assertThat(serverSide.events).containsExactly("made", "data", "eof", "lost");
  }

  @Test
  void aLoopClientTalksToAPythonAsyncioServer() throws Exception {
    Process python = startPython(PYTHON_SERVER, "server.py");
    try {
      String portLine = await(firstLine(python));
      assertThat(portLine).as("python server's port (stderr: %s)", stderrOf("server.py")).matches("\\d+");
      byte[] payload = StreamTransportTest.randomBytes(500_000, 9);
      byte[] reversed = new byte[payload.length];
      for (int i = 0; i < payload.length; i++) {
        reversed[i] = payload[payload.length - 1 - i];
      }

      Connection<Recorder> c = await(h.loop.createConnection(() -> new Recorder(h), "127.0.0.1",
          Integer.parseInt(portLine)));
      h.transports.add(c.transport());
      h.run(() -> {
        c.transport().write(ByteBuffer.wrap(payload));
        c.transport().writeEof();
      });

      assertThat(await(c.protocol().lost)).as("connectionLost cause").isEmpty();
      assertSameBytes(c.protocol().received(), reversed);
      assertThat(c.protocol().events).containsExactly("made", "data", "eof", "lost");
      finish(python);
      assertThat(python.exitValue()).as("python's exit status (stderr: %s)", stderrOf("server.py")).isZero();
    } finally {
      python.destroyForcibly();
    }
  }
}
