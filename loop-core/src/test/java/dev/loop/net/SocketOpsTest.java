package dev.loop.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loop.EventLoop;
import dev.loop.LoopFuture;
import dev.loop.Loops;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The sock_* family: asyncio's {@code test_sock_client_ops}, {@code test_sock_accept} and friends. */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SocketOpsTest {

  private EventLoop loop;
  private ServerSocketChannel server;
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    loop = Loops.newEventLoop();
    server = ServerSocketChannel.open();
    server.bind(new InetSocketAddress("127.0.0.1", 0));
    toClose.add(server);
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
    if (!loop.isClosed() && !loop.isRunning()) {
      loop.close();
    }
  }

  private <T extends AutoCloseable> T closeLater(T c) {
    toClose.add(c);
    return c;
  }

  private void runFor(long millis) {
    LoopFuture<Void> done = loop.createFuture();
    loop.callLater(millis, TimeUnit.MILLISECONDS, () -> done.setResult(null));
    loop.runUntilComplete(done);
  }

  /** Connects a client to the server with sockConnect/sockAccept; returns {client, accepted}. */
  private SocketChannel[] pair() throws IOException {
    SocketChannel client = closeLater(SocketChannel.open());
    LoopFuture<SocketChannel> accepted = loop.sockAccept(server);
    LoopFuture<Void> connected = loop.sockConnect(client, server.getLocalAddress());
    loop.runUntilComplete(connected);
    SocketChannel peer = closeLater(loop.runUntilComplete(accepted));
    return new SocketChannel[] {client, peer};
  }

  /** Reads exactly {@code n} bytes (or until EOF) with sockRecv. */
  private CompletionStage<byte[]> readAll(SocketChannel ch, int n) {
    ByteBuffer into = ByteBuffer.allocate(n);
    CompletableFuture<byte[]> result = new CompletableFuture<>();
    readMore(ch, into, result);
    return result;
  }

  private void readMore(SocketChannel ch, ByteBuffer into, CompletableFuture<byte[]> result) {
    loop.sockRecv(ch, Math.max(1, Math.min(65536, into.remaining()))).whenComplete((chunk, error) -> {
      if (error != null) {
        result.completeExceptionally(error);
        return;
      }
      if (!chunk.hasRemaining() || (into.put(chunk).remaining() == 0)) {
        into.flip();
        byte[] bytes = new byte[into.remaining()];
        into.get(bytes);
        result.complete(bytes);
        return;
      }
      readMore(ch, into, result);
    });
  }

  @Test
  void connectAcceptSendallRecvRoundTrip() throws Exception {
    SocketChannel[] p = pair();
    SocketChannel client = p[0];
    SocketChannel peer = p[1];
    assertThat(client.isConnected()).isTrue();
    assertThat(client.isBlocking()).isFalse();
    assertThat(peer.isBlocking()).as("sockAccept returns a non-blocking channel").isFalse();

    // 4 MiB: more than the socket buffers hold, so sendall has to wait for writability.
    byte[] data = new byte[4 << 20];
    new Random(42).nextBytes(data);
    LoopFuture<Void> sent = loop.sockSendall(client, ByteBuffer.wrap(data));
    CompletionStage<byte[]> received = readAll(peer, data.length);
    loop.runUntilComplete(sent);
    assertThat(loop.runUntilComplete(received)).isEqualTo(data);

    // and back, through sockRecvInto
    LoopFuture<Void> reply = loop.sockSendall(peer, ByteBuffer.wrap("pong".getBytes(StandardCharsets.US_ASCII)));
    ByteBuffer into = ByteBuffer.allocate(16);
    int n = loop.runUntilComplete(loop.sockRecvInto(client, into));
    loop.runUntilComplete(reply);
    assertThat(n).isBetween(1, 4);
    while (into.position() < 4) {
      loop.runUntilComplete(loop.sockRecvInto(client, into));
    }
    assertThat(new String(into.array(), 0, 4, StandardCharsets.US_ASCII)).isEqualTo("pong");
  }

  @Test
  void recvReturnsAnEmptyBufferAtEof() throws Exception {
    SocketChannel[] p = pair();
    LoopFuture<ByteBuffer> pending = loop.sockRecv(p[1], 100);
    runFor(10);
    assertThat(pending.isDone()).isFalse();
    p[0].shutdownOutput();
    ByteBuffer eof = loop.runUntilComplete(pending);
    assertThat(eof.remaining()).isZero();
    assertThat(loop.runUntilComplete(loop.sockRecvInto(p[1], ByteBuffer.allocate(8)))).isZero();
  }

  @Test
  void refusedConnectFailsTheFuture() throws Exception {
    SocketAddress closed;
    try (ServerSocketChannel gone = ServerSocketChannel.open()) {
      gone.bind(new InetSocketAddress("127.0.0.1", 0));
      closed = gone.getLocalAddress();
    }
    SocketChannel client = closeLater(SocketChannel.open());
    LoopFuture<Void> f = loop.sockConnect(client, closed);
    assertThatThrownBy(() -> loop.runUntilComplete(f))
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(ConnectException.class);
    assertThat(f.exception()).isInstanceOf(ConnectException.class).hasMessageContaining("refused");
  }

  @Test
  void cancellingAPendingRecvUnregistersIt() throws Exception {
    SocketChannel[] p = pair();
    LoopFuture<ByteBuffer> first = loop.sockRecv(p[1], 100);
    runFor(10);
    assertThat(first.cancel(true)).isTrue();
    runFor(10);
    p[0].write(ByteBuffer.wrap("after".getBytes(StandardCharsets.US_ASCII)));
    // The cancelled receive must not have eaten the bytes: a new one gets them all.
    ByteBuffer got = loop.runUntilComplete(loop.sockRecv(p[1], 100));
    assertThat(StandardCharsets.US_ASCII.decode(got).toString()).isEqualTo("after");
    assertThat(first.isCancelled()).isTrue();
    assertThatThrownBy(first::result).isInstanceOf(CancellationException.class);
  }

  @Test
  void cancellingFromAnotherThreadWhileTheLoopRuns() throws Exception {
    SocketChannel[] p = pair();
    LoopFuture<ByteBuffer> pending = loop.sockRecv(p[1], 100);
    Thread canceller = new Thread(() -> pending.cancel(true));
    loop.callLater(5, TimeUnit.MILLISECONDS, canceller::start);
    assertThatThrownBy(() -> loop.runUntilComplete(pending)).isInstanceOf(CancellationException.class);
    canceller.join();
    p[0].write(ByteBuffer.wrap("x".getBytes(StandardCharsets.US_ASCII)));
    assertThat(loop.runUntilComplete(loop.sockRecv(p[1], 10)).remaining()).isEqualTo(1);
  }

  @Test
  void cancellingAPendingAcceptLeavesTheConnectionForTheNext() throws Exception {
    LoopFuture<SocketChannel> first = loop.sockAccept(server);
    runFor(5);
    first.cancel(true);
    runFor(5);
    SocketChannel client = closeLater(SocketChannel.open(server.getLocalAddress()));
    SocketChannel accepted = closeLater(loop.runUntilComplete(loop.sockAccept(server)));
    assertThat(accepted.getRemoteAddress()).isEqualTo(client.getLocalAddress());
  }

  @Test
  void sequentialReceivesEachWaitingForData() throws Exception {
    // Each receive waits (registers), completes (unregisters), and the next registers again.
    SocketChannel[] p = pair();
    StringBuilder got = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      LoopFuture<ByteBuffer> r = loop.sockRecv(p[1], 10);
      String s = Integer.toString(i % 10);
      loop.callSoon(() -> {
        try {
          p[0].write(ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII)));
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
      });
      got.append(StandardCharsets.US_ASCII.decode(loop.runUntilComplete(r)));
    }
    assertThat(got.toString()).isEqualTo("01234567890123456789");
  }

  @Test
  void datagramRecvfromAndSendto() throws Exception {
    DatagramChannel a = closeLater(DatagramChannel.open());
    DatagramChannel b = closeLater(DatagramChannel.open());
    a.bind(new InetSocketAddress("127.0.0.1", 0));
    b.bind(new InetSocketAddress("127.0.0.1", 0));
    LoopFuture<Datagram> received = loop.sockRecvfrom(b, 1000);
    runFor(5);
    assertThat(received.isDone()).isFalse();
    int sent = loop.runUntilComplete(
        loop.sockSendto(a, ByteBuffer.wrap("datagram".getBytes(StandardCharsets.US_ASCII)), b.getLocalAddress()));
    assertThat(sent).isEqualTo(8);
    Datagram d = loop.runUntilComplete(received);
    assertThat(StandardCharsets.US_ASCII.decode(d.data()).toString()).isEqualTo("datagram");
    assertThat(d.sender()).isEqualTo(a.getLocalAddress());

    // maxBytes truncates, as recvfrom(n) does
    loop.runUntilComplete(loop.sockSendto(b, ByteBuffer.wrap(new byte[100]), a.getLocalAddress()));
    assertThat(loop.runUntilComplete(loop.sockRecvfrom(a, 10)).data().remaining()).isEqualTo(10);
  }

  @Test
  void aChannelOwnedByATransportIsRefused() throws Exception {
    DatagramEndpoint<DatagramProtocol> endpoint = loop.runUntilComplete(loop.createDatagramEndpoint(
        () -> new DatagramProtocol() {}, DatagramOptions.local(new InetSocketAddress("127.0.0.1", 0))));
    DatagramChannel channel = (DatagramChannel) endpoint.transport().getExtraInfo("socket");
    assertThatThrownBy(() -> loop.runUntilComplete(loop.sockRecvfrom(channel, 10)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("used by a transport");
    LoopFuture<Void> closed = loop.createFuture();
    loop.callSoon(() -> {
      endpoint.transport().close();
      closed.setResult(null);
    });
    loop.runUntilComplete(closed);
    runFor(5);
  }

  @Test
  void opsOnAClosedChannelFail() throws Exception {
    SocketChannel[] p = pair();
    p[1].close();
    assertThatThrownBy(() -> loop.runUntilComplete(loop.sockRecv(p[1], 10)))
        .isInstanceOf(CompletionException.class).hasCauseInstanceOf(IOException.class);
    assertThatThrownBy(() -> loop.runUntilComplete(loop.sockSendall(p[1], ByteBuffer.allocate(1))))
        .isInstanceOf(CompletionException.class).hasCauseInstanceOf(IOException.class);
  }

  @Test
  void badArgumentsAreRefusedAtTheCall() {
    assertThatThrownBy(() -> loop.sockRecv(null, 1)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> loop.sockRecv(SocketChannel.open(), 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> loop.sockSendall(null, ByteBuffer.allocate(1))).isInstanceOf(NullPointerException.class);
  }
}
