package dev.loop.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loop.EventLoop;
import dev.loop.LoopFuture;
import dev.loop.Loops;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * sendfile and sock_sendfile: asyncio's {@code test_sock_sendfile_*} and {@code test_sendfile_*}
 * of test_sendfile.py, with a 32 MiB file checked by SHA-256 on the receiving side.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SendFileTest {

  private static final int SIZE = 32 << 20;

  @TempDir static Path dir;
  private static Path file;
  private static String fileSha;
  private static byte[] content;

  private EventLoop loop;
  private ServerSocketChannel server;
  private FileChannel fileChannel;
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @BeforeAll
  static void makeFile() throws IOException {
    content = new byte[SIZE];
    new Random(2024).nextBytes(content);
    file = dir.resolve("random.bin");
    Files.write(file, content);
    fileSha = sha256(content, 0, content.length);
  }

  @AfterAll
  static void dropContent() {
    content = null;
  }

  @BeforeEach
  void setUp() throws IOException {
    loop = Loops.newEventLoop();
    server = ServerSocketChannel.open();
    server.bind(new InetSocketAddress("127.0.0.1", 0));
    toClose.add(server);
    fileChannel = FileChannel.open(file, StandardOpenOption.READ);
    toClose.add(fileChannel);
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

  private static String sha256(byte[] data, int from, int length) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(data, from, length);
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** What the receiving side got: byte count and SHA-256. */
  record Received(long count, String sha256) {}

  /**
   * Accepts one connection on a plain thread and reads it to EOF (slowly at first, so that the
   * sender meets a full socket), hashing as it goes.
   */
  private CompletableFuture<Received> receiveOnAThread() {
    return receiveOnAThread(new CountDownLatch(0));
  }

  /** As {@link #receiveOnAThread()}, reading only once {@code go} is open. */
  private CompletableFuture<Received> receiveOnAThread(CountDownLatch go) {
    CompletableFuture<Received> result = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try (SocketChannel accepted = server.accept();
          InputStream in = Channels.newInputStream(accepted)) {
        go.await();
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        int reads = 0;
        int n;
        while ((n = in.read(buffer, 0, reads++ < 64 ? 1024 : buffer.length)) >= 0) {
          md.update(buffer, 0, n);
          total += n;
        }
        result.complete(new Received(total, HexFormat.of().formatHex(md.digest())));
      } catch (Throwable e) {
        result.completeExceptionally(e);
      }
    }, "sendfile-receiver");
    t.setDaemon(true);
    t.start();
    return result;
  }

  private <T> T within(CompletableFuture<T> f) throws Exception {
    return f.get(30, TimeUnit.SECONDS);
  }

  private SocketChannel connectRaw() throws IOException {
    SocketChannel client = SocketChannel.open();
    toClose.add(client);
    loop.runUntilComplete(loop.sockConnect(client, server.getLocalAddress()));
    return client;
  }

  @Test
  void sockSendfileSendsTheWholeFile() throws Exception {
    CompletableFuture<Received> received = receiveOnAThread();
    SocketChannel client = connectRaw();
    long sent = loop.runUntilComplete(loop.sockSendfile(client, fileChannel, 0, -1));
    client.shutdownOutput();
    assertThat(sent).isEqualTo(SIZE);
    assertThat(within(received)).isEqualTo(new Received(SIZE, fileSha));
    assertThat(fileChannel.position()).as("as asyncio: the file position follows what was sent").isEqualTo(SIZE);
  }

  @Test
  void sockSendfileOfARange() throws Exception {
    CompletableFuture<Received> received = receiveOnAThread();
    SocketChannel client = connectRaw();
    long sent = loop.runUntilComplete(loop.sockSendfile(client, fileChannel, 1000, 3_000_000));
    client.shutdownOutput();
    assertThat(sent).isEqualTo(3_000_000);
    assertThat(within(received)).isEqualTo(new Received(3_000_000, sha256(content, 1000, 3_000_000)));
    assertThat(fileChannel.position()).isEqualTo(3_001_000);
  }

  @Test
  void sockSendfilePastTheEndSendsWhatThereIs() throws Exception {
    CompletableFuture<Received> received = receiveOnAThread();
    SocketChannel client = connectRaw();
    long sent = loop.runUntilComplete(loop.sockSendfile(client, fileChannel, SIZE - 10, 1000));
    long none = loop.runUntilComplete(loop.sockSendfile(client, fileChannel, SIZE + 10, -1));
    client.shutdownOutput();
    assertThat(sent).isEqualTo(10);
    assertThat(none).isZero();
    assertThat(within(received)).isEqualTo(new Received(10, sha256(content, SIZE - 10, 10)));
  }

  @Test
  void cancellingAPendingSockSendfileStopsItWhereItWas() throws Exception {
    CountDownLatch go = new CountDownLatch(1);
    CompletableFuture<Received> received = receiveOnAThread(go);
    SocketChannel client = connectRaw();
    LoopFuture<Long> f = loop.sockSendfile(client, fileChannel, 0, -1);
    // Nobody reads yet: the socket fills up and the transfer waits for writability.
    loop.callLater(50, TimeUnit.MILLISECONDS, () -> f.cancel(true));
    assertThatThrownBy(() -> loop.runUntilComplete(f)).isInstanceOf(CancellationException.class);
    LoopFuture<Void> settle = loop.createFuture();
    loop.callLater(5, TimeUnit.MILLISECONDS, () -> settle.setResult(null));
    loop.runUntilComplete(settle);
    long position = fileChannel.position();
    assertThat(position).isPositive().isLessThan(SIZE);
    client.shutdownOutput();
    go.countDown();
    // Exactly what was sent arrives, and the file position says how much that was.
    assertThat(within(received)).isEqualTo(new Received(position, sha256(content, 0, (int) position)));
  }

  @Test
  void sockSendfileArgumentsAreChecked() throws Exception {
    SocketChannel client = connectRaw();
    assertThatThrownBy(() -> loop.sockSendfile(client, fileChannel, -1, 10))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("offset");
    assertThatThrownBy(() -> loop.sockSendfile(client, fileChannel, 0, -2))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("count");
    assertThatThrownBy(() -> loop.sockSendfile(client, null, 0, 1)).isInstanceOf(NullPointerException.class);
    server.accept().close();
  }

  /** A protocol that counts flow-control events and records the end. */
  static final class Counting implements Protocol {
    final AtomicInteger pauses = new AtomicInteger();
    final AtomicInteger resumes = new AtomicInteger();
    final CompletableFuture<@Nullable Throwable> lost = new CompletableFuture<>();
    int made;

    @Override
    public void connectionMade(Transport transport) {
      made++;
    }

    @Override
    public void pauseWriting() {
      pauses.incrementAndGet();
    }

    @Override
    public void resumeWriting() {
      resumes.incrementAndGet();
    }

    @Override
    public void connectionLost(@Nullable Throwable cause) {
      lost.complete(cause);
    }
  }

  @Test
  void sendfileThroughATransportOfCreateConnection() throws Exception {
    CompletableFuture<Received> received = receiveOnAThread();
    Counting protocol = new Counting();
    InetSocketAddress address = (InetSocketAddress) server.getLocalAddress();
    Connection<Counting> connection = loop.runUntilComplete(
        loop.createConnection(() -> protocol, "127.0.0.1", address.getPort()));
    Transport transport = connection.transport();
    long sent = loop.runUntilComplete(loop.sendfile(transport, fileChannel, 0, -1));
    assertThat(sent).isEqualTo(SIZE);
    assertThat(transport.getProtocol()).isSameAs(protocol);
    loop.callSoon(transport::close);
    loop.runUntilComplete(protocol.lost);
    assertThat(within(received)).isEqualTo(new Received(SIZE, fileSha));
    assertThat(protocol.made).isEqualTo(1);
  }

  /**
   * A transport that is not the loop's own: sendfile must fall back to reading the file and writing
   * it, following the flow control of the transport underneath.
   */
  static final class Wrapped implements Transport {
    final Transport inner;

    Wrapped(Transport inner) {
      this.inner = inner;
    }

    @Override
    public void write(ByteBuffer data) {
      inner.write(data);
    }

    @Override
    public void writeEof() {
      inner.writeEof();
    }

    @Override
    public boolean canWriteEof() {
      return inner.canWriteEof();
    }

    @Override
    public void close() {
      inner.close();
    }

    @Override
    public void abort() {
      inner.abort();
    }

    @Override
    public boolean isClosing() {
      return inner.isClosing();
    }

    @Override
    public void pauseReading() {
      inner.pauseReading();
    }

    @Override
    public void resumeReading() {
      inner.resumeReading();
    }

    @Override
    public boolean isReading() {
      return inner.isReading();
    }

    @Override
    public void setWriteBufferLimits(int high, int low) {
      inner.setWriteBufferLimits(high, low);
    }

    @Override
    public int getWriteBufferHigh() {
      return inner.getWriteBufferHigh();
    }

    @Override
    public int getWriteBufferLow() {
      return inner.getWriteBufferLow();
    }

    @Override
    public long getWriteBufferSize() {
      return inner.getWriteBufferSize();
    }

    @Override
    public @Nullable Object getExtraInfo(String name) {
      return inner.getExtraInfo(name);
    }

    @Override
    public Protocol getProtocol() {
      return inner.getProtocol();
    }

    @Override
    public void setProtocol(Protocol protocol) {
      inner.setProtocol(protocol);
    }

    @Override
    public EventLoop getLoop() {
      return inner.getLoop();
    }
  }

  @Test
  void sendfileFallsBackToReadAndWriteWithFlowControl() throws Exception {
    CompletableFuture<Received> received = receiveOnAThread();
    Counting protocol = new Counting();
    InetSocketAddress address = (InetSocketAddress) server.getLocalAddress();
    Connection<Counting> connection = loop.runUntilComplete(
        loop.createConnection(() -> protocol, "127.0.0.1", address.getPort()));
    Transport transport = new Wrapped(connection.transport());
    // The write buffer never holds much more than the high water mark plus one chunk.
    long[] maxBuffered = new long[1];
    dev.loop.TimerHandle[] probe = new dev.loop.TimerHandle[1];
    Runnable[] sample = new Runnable[1];
    sample[0] = () -> {
      maxBuffered[0] = Math.max(maxBuffered[0], transport.getWriteBufferSize());
      probe[0] = loop.callLater(1, TimeUnit.MILLISECONDS, sample[0]);
    };
    loop.callSoon(sample[0]);
    long sent = loop.runUntilComplete(loop.sendfile(transport, fileChannel, 0, -1));
    probe[0].cancel();
    assertThat(sent).isEqualTo(SIZE);
    assertThat(transport.getProtocol()).as("the original protocol is back").isSameAs(protocol);
    assertThat(protocol.pauses.get()).as("the socket filled up at least once").isPositive();
    // Events reach the original protocol in pairs; the last pause may still be open, since the
    // transfer is done once the last chunk is written (asyncio does not wait for the drain).
    assertThat(protocol.resumes.get()).isBetween(protocol.pauses.get() - 1, protocol.pauses.get());
    assertThat(maxBuffered[0]).isLessThanOrEqualTo(transport.getWriteBufferHigh() + 64 * 1024 + 1);
    loop.callSoon(transport::close);
    loop.runUntilComplete(protocol.lost);
    assertThat(within(received)).isEqualTo(new Received(SIZE, fileSha));
    assertThat(fileChannel.position()).isEqualTo(SIZE);
  }

  @Test
  void fallbackFailsWhenTheConnectionIsLostAndRestoresTheProtocol() throws Exception {
    CompletableFuture<SocketChannel> acceptedHere = new CompletableFuture<>();
    Thread acceptor = new Thread(() -> {
      try {
        acceptedHere.complete(server.accept());
      } catch (IOException e) {
        acceptedHere.completeExceptionally(e);
      }
    });
    acceptor.start();
    Counting protocol = new Counting();
    InetSocketAddress address = (InetSocketAddress) server.getLocalAddress();
    Connection<Counting> connection = loop.runUntilComplete(
        loop.createConnection(() -> protocol, "127.0.0.1", address.getPort()));
    SocketChannel peer = within(acceptedHere);
    toClose.add(peer);
    Transport transport = new Wrapped(connection.transport());
    LoopFuture<Long> f = loop.sendfile(transport, fileChannel, 0, -1);
    // Nobody reads: the transport pauses the sender; then the connection goes away.
    loop.callLater(50, TimeUnit.MILLISECONDS, transport::abort);
    assertThatThrownBy(() -> loop.runUntilComplete(f)).isInstanceOf(Exception.class);
    assertThat(transport.getProtocol()).isSameAs(protocol);
    loop.runUntilComplete(protocol.lost);
  }
}
