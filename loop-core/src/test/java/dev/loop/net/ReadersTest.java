package dev.loop.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loop.EventLoop;
import dev.loop.ExceptionContext;
import dev.loop.LoopFuture;
import dev.loop.Loops;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** addReader/addWriter: asyncio's {@code test_add_reader}, {@code test_remove_reader} and friends. */
@Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReadersTest {

  private EventLoop loop;
  private Pipe pipe;
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    loop = Loops.newEventLoop();
    pipe = Pipe.open();
    toClose.add(pipe.sink());
    toClose.add(pipe.source());
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

  private static ByteBuffer ascii(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
  }

  private String drain(Pipe.SourceChannel source) {
    ByteBuffer buffer = ByteBuffer.allocate(1024);
    try {
      source.read(buffer);
    } catch (IOException e) {
      throw new RuntimeException(e);
    }
    buffer.flip();
    return StandardCharsets.US_ASCII.decode(buffer).toString();
  }

  /** Runs {@code work} on the loop thread and returns what it returns (or throws what it throws). */
  private <T> T onLoop(Callable<T> work) {
    LoopFuture<T> f = loop.createFuture();
    loop.callSoon(() -> {
      try {
        f.setResult(work.call());
      } catch (Throwable t) {
        f.setException(t);
      }
    });
    return loop.runUntilComplete(f);
  }

  /** Runs the loop for about {@code millis} on a loop timer. */
  private void runFor(long millis) {
    LoopFuture<Void> done = loop.createFuture();
    loop.callLater(millis, TimeUnit.MILLISECONDS, () -> done.setResult(null));
    loop.runUntilComplete(done);
  }

  @Test
  void readerFiresWhenDataArrivesAndStopsAfterRemoval() throws Exception {
    StringBuilder got = new StringBuilder();
    AtomicInteger calls = new AtomicInteger();
    LoopFuture<Void> first = loop.createFuture();
    loop.addReader(pipe.source(), () -> {
      calls.incrementAndGet();
      got.append(drain(pipe.source()));
      if (got.toString().equals("hello") && !first.isDone()) {
        first.setResult(null);
      }
    });
    loop.callSoon(() -> {
      try {
        pipe.sink().write(ascii("hello"));
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    });
    loop.runUntilComplete(first);
    assertThat(got.toString()).isEqualTo("hello");
    assertThat(pipe.source().isBlocking()).as("addReader makes the channel non-blocking").isFalse();

    int before = calls.get();
    assertThat(onLoop(() -> loop.removeReader(pipe.source()))).isTrue();
    assertThat(onLoop(() -> loop.removeReader(pipe.source()))).as("nothing left to remove").isFalse();
    pipe.sink().write(ascii("more"));
    runFor(50);
    assertThat(calls.get()).as("no call after removeReader").isEqualTo(before);
    assertThat(drain(pipe.source())).isEqualTo("more");
  }

  @Test
  void addingReplacesThePreviousReader() throws Exception {
    List<String> who = new ArrayList<>();
    LoopFuture<Void> done = loop.createFuture();
    loop.addReader(pipe.source(), () -> {
      who.add("first");
      drain(pipe.source());
    });
    loop.addReader(pipe.source(), () -> {
      who.add("second");
      drain(pipe.source());
      if (!done.isDone()) {
        done.setResult(null);
      }
    });
    pipe.sink().write(ascii("x"));
    loop.runUntilComplete(done);
    assertThat(who).containsOnly("second");
    assertThat(onLoop(() -> loop.removeReader(pipe.source()))).isTrue();
  }

  @Test
  void removeAndAddAgainInOneCallbackKeepsWatching() throws Exception {
    // Removing the last reader cancels the key; adding again before the selector lets go of it
    // must still work.
    List<String> seen = new ArrayList<>();
    LoopFuture<Void> done = loop.createFuture();
    Runnable[] second = new Runnable[1];
    second[0] = () -> {
      seen.add("second:" + drain(pipe.source()));
      loop.removeReader(pipe.source());
      done.setResult(null);
    };
    loop.addReader(pipe.source(), () -> {
      seen.add("first:" + drain(pipe.source()));
      loop.removeReader(pipe.source());
      loop.addReader(pipe.source(), second[0]);
      try {
        pipe.sink().write(ascii("b"));
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    });
    pipe.sink().write(ascii("a"));
    loop.runUntilComplete(done);
    assertThat(seen).containsExactly("first:a", "second:b");
  }

  @Test
  void writerFiresWhileWritableAndStopsAfterRemoval() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    LoopFuture<Void> done = loop.createFuture();
    loop.addWriter(pipe.sink(), () -> {
      if (calls.incrementAndGet() == 3) {
        assertThat(loop.removeWriter(pipe.sink())).isTrue();
        done.setResult(null);
      }
    });
    loop.runUntilComplete(done);
    runFor(30);
    assertThat(calls.get()).isEqualTo(3);
    assertThat(onLoop(() -> loop.removeWriter(pipe.sink()))).isFalse();
  }

  @Test
  void readerAndWriterOnOneSocketAreIndependent() throws Exception {
    try (ServerSocketChannel server = ServerSocketChannel.open()) {
      server.bind(new InetSocketAddress("127.0.0.1", 0));
      SocketChannel client = SocketChannel.open(server.getLocalAddress());
      SocketChannel peer = server.accept();
      toClose.add(client);
      toClose.add(peer);
      AtomicInteger writes = new AtomicInteger();
      LoopFuture<String> read = loop.createFuture();
      loop.addWriter(client, () -> {
        if (writes.incrementAndGet() == 1) {
          try {
            peer.write(ascii("ping"));
          } catch (IOException e) {
            throw new RuntimeException(e);
          }
        }
        loop.removeWriter(client);
      });
      loop.addReader(client, () -> {
        ByteBuffer b = ByteBuffer.allocate(16);
        try {
          client.read(b);
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
        b.flip();
        loop.removeReader(client);
        read.setResult(StandardCharsets.US_ASCII.decode(b).toString());
      });
      assertThat(loop.runUntilComplete(read)).isEqualTo("ping");
      assertThat(writes.get()).isEqualTo(1);
    }
  }

  @Test
  void readerOfAConnectingSocketWriterFiresOnConnect() throws Exception {
    try (ServerSocketChannel server = ServerSocketChannel.open()) {
      server.bind(new InetSocketAddress("127.0.0.1", 0));
      SocketChannel client = SocketChannel.open();
      toClose.add(client);
      client.configureBlocking(false);
      client.connect(server.getLocalAddress());
      LoopFuture<Boolean> connected = loop.createFuture();
      loop.addWriter(client, () -> {
        loop.removeWriter(client);
        try {
          connected.setResult(client.finishConnect());
        } catch (IOException e) {
          connected.setException(e);
        }
      });
      assertThat(loop.runUntilComplete(connected)).isTrue();
      SocketChannel accepted = server.accept();
      toClose.add(accepted);
    }
  }

  @Test
  void serverChannelReaderFiresOnIncomingConnection() throws Exception {
    try (ServerSocketChannel server = ServerSocketChannel.open()) {
      server.bind(new InetSocketAddress("127.0.0.1", 0));
      LoopFuture<SocketChannel> accepted = loop.createFuture();
      loop.addReader(server, () -> {
        try {
          SocketChannel c = server.accept();
          if (c != null) {
            loop.removeReader(server);
            accepted.setResult(c);
          }
        } catch (IOException e) {
          accepted.setException(e);
        }
      });
      SocketChannel client = SocketChannel.open(server.getLocalAddress());
      toClose.add(client);
      SocketChannel c = loop.runUntilComplete(accepted);
      toClose.add(c);
      assertThat(c.isConnected()).isTrue();
    }
  }

  @Test
  void aThrowingReaderGoesToTheExceptionHandlerAndTheLoopGoesOn() throws Exception {
    List<ExceptionContext> errors = new ArrayList<>();
    loop.setExceptionHandler((l, ctx) -> errors.add(ctx));
    AtomicInteger calls = new AtomicInteger();
    LoopFuture<Void> done = loop.createFuture();
    loop.addReader(pipe.source(), () -> {
      drain(pipe.source());
      if (calls.incrementAndGet() == 1) {
        throw new IllegalStateException("expected by the test");
      }
      loop.removeReader(pipe.source());
      done.setResult(null);
    });
    pipe.sink().write(ascii("1"));
    loop.callLater(Duration.ofMillis(20), () -> {
      try {
        pipe.sink().write(ascii("2"));
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    });
    loop.runUntilComplete(done);
    assertThat(calls.get()).isEqualTo(2);
    assertThat(errors).hasSize(1);
    assertThat(errors.get(0).exception()).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aChannelOwnedByATransportIsRefused() throws Exception {
    LoopFuture<DatagramEndpoint<DatagramProtocol>> f = loop.createDatagramEndpoint(
        () -> new DatagramProtocol() {}, DatagramOptions.local(new InetSocketAddress("127.0.0.1", 0)));
    DatagramEndpoint<DatagramProtocol> endpoint = loop.runUntilComplete(f);
    SelectableChannel channel = (SelectableChannel) endpoint.transport().getExtraInfo("socket");
    assertThatThrownBy(() -> onLoop(() -> {
      loop.addReader(channel, () -> {});
      return null;
    })).isInstanceOf(IllegalStateException.class).hasMessageContaining("channel is used by a transport");
    assertThatThrownBy(() -> onLoop(() -> {
      loop.addWriter(channel, () -> {});
      return null;
    })).isInstanceOf(IllegalStateException.class).hasMessageContaining("used by a transport");
    assertThat(onLoop(() -> loop.removeReader(channel))).as("not ours to remove").isFalse();

    // Called from another thread (the loop is not running here), the refusal is thrown at the call
    // too, and nothing reaches the exception handler.
    List<ExceptionContext> errors = new ArrayList<>();
    loop.setExceptionHandler((l, ctx) -> errors.add(ctx));
    assertThatThrownBy(() -> loop.addReader(channel, () -> {}))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("used by a transport");
    runFor(10);
    assertThat(errors).isEmpty();

    onLoop(() -> {
      endpoint.transport().close();
      return null;
    });
    runFor(10);
    assertThat(channel.isOpen()).isFalse();
  }

  @Test
  void addReaderOnAClosedChannelFailsClearly() throws Exception {
    pipe.source().close();
    assertThatThrownBy(() -> onLoop(() -> {
      loop.addReader(pipe.source(), () -> {});
      return null;
    })).hasMessageContaining("closed");
  }

  @Test
  void nullArgumentsAreRefused() {
    assertThatThrownBy(() -> loop.addReader(null, () -> {})).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> loop.addReader(pipe.source(), null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> loop.removeWriter(null)).isInstanceOf(NullPointerException.class);
  }
}
