package dev.loop.net;

import static dev.loop.net.StreamTransportTest.await;
import static dev.loop.net.StreamTransportTest.bytes;
import static dev.loop.net.StreamTransportTest.chain;
import static dev.loop.net.StreamTransportTest.failureOf;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loop.Server;
import dev.loop.net.StreamTransportTest.Endpoints;
import dev.loop.net.StreamTransportTest.Harness;
import dev.loop.net.StreamTransportTest.Recorder;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unix-domain stream sockets: every transport scenario of {@link StreamTransportTest}, plus what is
 * particular to a socket that lives in the file system (CPython's {@code UnixServerCleanupTests}).
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class UnixSocketTest {

  @TempDir Path dir;

  /** The shared transport scenarios over Unix-domain sockets in a temporary directory. */
  @Nested
  class Scenarios extends StreamTransportTest.Scenarios {
    @Override
    Endpoints endpoints() {
      return StreamTransportTest.unix(() -> dir);
    }
  }

  /** What only a path-bound socket has. */
  @Nested
  class SocketFile {
    Harness h;

    @BeforeEach
    void openHarness() throws Exception {
      h = new Harness();
    }

    @AfterEach
    void closeHarness() throws Exception {
      h.close();
    }

    @Test
    void aServerEchoesToAPlainUnixSocketChannelAndListensOnItsPath() throws Exception {
      Path path = dir.resolve("echo.sock");
      Server server = await(h.loop.createUnixServer(() -> new StreamTransportTest.Echo(h), path,
          ServerOptions.defaults()));
      h.servers.add(server);

      assertThat(server.sockets()).containsExactly(UnixDomainSocketAddress.of(path));
      assertThat(server.isServing()).isTrue();
      try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
        client.write(bytes("over a unix socket"));
        ByteBuffer back = ByteBuffer.allocate(18);
        while (back.hasRemaining() && client.read(back) >= 0) {
          // the class timeout bounds this loop
        }
        assertThat(new String(back.array(), UTF_8)).isEqualTo("over a unix socket");
      }
    }

    @Test
    void theSocketFileExistsWhileServingAndIsRemovedOnClose() throws Exception {
      Path path = dir.resolve("gone.sock");
      Server server = await(h.loop.createUnixServer(() -> new Recorder(h), path, ServerOptions.defaults()));
      h.servers.add(server);

      assertThat(path).exists();
      server.close();
      await(server.waitClosed());

      assertThat(path).doesNotExist();
      assertThat(server.sockets()).isEmpty();
      assertThat(server.isServing()).isFalse();
    }

    @Test
    void aLiveClientOutlivesTheRemovalOfTheSocketFile() throws Exception {
      Path path = dir.resolve("live.sock");
      Server server = await(h.loop.createUnixServer(() -> h.accept(new StreamTransportTest.Echo(h)), path,
          ServerOptions.defaults()));
      h.servers.add(server);
      Recorder client = await(h.loop.createUnixConnection(() -> new Recorder(h), path)).protocol();
      h.nextAccepted();

      h.run(server::close);
      h.iterations(2);
      h.run(() -> client.t().write(bytes("after close")));

      assertThat(new String(await(client.whenReceived(11)), UTF_8)).isEqualTo("after close");
      assertThat(path).doesNotExist();
      assertThat(server.waitClosed().isDone()).as("waitClosed while a client is open").isFalse();
      h.run(() -> client.t().close());
      await(server.waitClosed());
    }

    @Test
    void listeningOnAPathThatIsAlreadyAFileFailsAndLeavesTheFileAlone() throws Exception {
      Path path = dir.resolve("taken");
      Files.writeString(path, "not a socket");
      AtomicInteger made = new AtomicInteger();

      Throwable failure = failureOf(h.loop.createUnixServer(() -> {
        made.incrementAndGet();
        return new Recorder(h);
      }, path, ServerOptions.defaults()));

      assertThat(chain(failure)).as("cause chain").anyMatch(t -> t instanceof IOException);
      assertThat(Files.readString(path)).isEqualTo("not a socket");
      assertThat(made).hasValue(0);
    }

    @Test
    void connectingToAPathWithNoSocketFailsWithAnIoError() throws Exception {
      AtomicInteger made = new AtomicInteger();

      Throwable failure = failureOf(h.loop.createUnixConnection(() -> {
        made.incrementAndGet();
        return new Recorder(h);
      }, dir.resolve("nobody-here.sock")));

      assertThat(chain(failure)).as("cause chain").anyMatch(t -> t instanceof IOException);
      assertThat(made).as("protocols made for a failed connect").hasValue(0);
    }

    @Test
    void aClientConnectsToAServerSocketMadeOutsideTheLoop() throws Exception {
      Path path = dir.resolve("plain.sock");
      try (var listener = java.nio.channels.ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
        listener.bind(UnixDomainSocketAddress.of(path));
        var connecting = h.loop.createUnixConnection(() -> new Recorder(h), path);
        Connection<Recorder> c;
        try (SocketChannel accepted = listener.accept()) {
          c = await(connecting);
          h.transports.add(c.transport());
          accepted.write(bytes("from plain"));
          assertThat(new String(await(c.protocol().whenReceived(10)), UTF_8)).isEqualTo("from plain");
          assertThat(h.call(() -> c.transport().getExtraInfo("peername")))
              .isEqualTo(UnixDomainSocketAddress.of(path));
        }
        assertThat(await(c.protocol().lost)).as("cause after the peer closed").isEmpty();
        assertThat(c.protocol().events).containsExactly("made", "data", "eof", "lost");
      }
    }
  }
}
