package dev.loop.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loop.EventLoop;
import dev.loop.ExceptionContext;
import dev.loop.LoopFuture;
import dev.loop.Loops;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Datagram endpoints: asyncio's {@code test_create_datagram_endpoint},
 * {@code test_datagram_*} of test_selector_events and test_events.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DatagramTest {

  private static final InetSocketAddress ANY_LOCAL = new InetSocketAddress("127.0.0.1", 0);

  private EventLoop loop;
  private final List<DatagramTransport> transports = new ArrayList<>();

  @BeforeEach
  void setUp() {
    loop = Loops.newEventLoop();
  }

  @AfterEach
  void tearDown() {
    if (!loop.isRunning() && !loop.isClosed()) {
      onLoop(() -> {
        transports.forEach(DatagramTransport::abort);
        return null;
      });
      runFor(5);
      loop.close();
    }
  }

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

  private void runFor(long millis) {
    LoopFuture<Void> done = loop.createFuture();
    loop.callLater(millis, TimeUnit.MILLISECONDS, () -> done.setResult(null));
    loop.runUntilComplete(done);
  }

  private <P extends DatagramProtocol> DatagramEndpoint<P> open(P protocol, DatagramOptions options) {
    DatagramEndpoint<P> endpoint = loop.runUntilComplete(loop.createDatagramEndpoint(() -> protocol, options));
    transports.add(endpoint.transport());
    return endpoint;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** Records every event, in order. */
  static class Recorder implements DatagramProtocol {
    final List<String> events = new ArrayList<>();
    final List<byte[]> data = new ArrayList<>();
    final List<SocketAddress> senders = new ArrayList<>();
    final List<Exception> errors = new ArrayList<>();
    @Nullable DatagramTransport transport;
    int lost;
    @Nullable Throwable lostCause;

    @Override
    public void connectionMade(DatagramTransport t) {
      transport = t;
      events.add("made");
    }

    @Override
    public void datagramReceived(ByteBuffer d, SocketAddress sender) {
      byte[] copy = new byte[d.remaining()];
      d.get(copy);
      data.add(copy);
      senders.add(sender);
      events.add("datagram");
    }

    @Override
    public void errorReceived(Exception error) {
      errors.add(error);
      events.add("error");
    }

    @Override
    public void connectionLost(@Nullable Throwable cause) {
      lost++;
      lostCause = cause;
      events.add("lost");
    }
  }

  /** Sends back every datagram to its sender. */
  static final class Echo extends Recorder {
    @Override
    public void datagramReceived(ByteBuffer d, SocketAddress sender) {
      transport.sendto(d, sender);
    }
  }

  @Test
  void echoOfOneHundredDatagramsIsByteExact() {
    DatagramEndpoint<Echo> server = open(new Echo(), DatagramOptions.local(ANY_LOCAL));
    InetSocketAddress serverAddress = (InetSocketAddress) server.transport().getExtraInfo("sockname");
    assertThat(serverAddress.getPort()).isPositive();

    Random random = new Random(7);
    List<byte[]> sent = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      byte[] d = new byte[1 + random.nextInt(i % 10 == 0 ? 60_000 : 1400)];
      random.nextBytes(d);
      d[0] = (byte) i;
      sent.add(d);
    }
    LoopFuture<Void> allBack = loop.createFuture();
    // A window of 4 datagrams in flight: no loss from overrunning the receive buffer.
    Recorder client = new Recorder() {
      int next;

      @Override
      public void connectionMade(DatagramTransport t) {
        super.connectionMade(t);
        while (next < 4) {
          t.sendto(ByteBuffer.wrap(sent.get(next++)), serverAddress);
        }
      }

      @Override
      public void datagramReceived(ByteBuffer d, SocketAddress sender) {
        super.datagramReceived(d, sender);
        if (next < sent.size()) {
          transport.sendto(ByteBuffer.wrap(sent.get(next++)), serverAddress);
        }
        if (data.size() == sent.size()) {
          allBack.setResult(null);
        }
      }
    };
    open(client, DatagramOptions.local(ANY_LOCAL));
    loop.runUntilComplete(allBack);

    assertThat(client.data).hasSize(100);
    List<byte[]> got = new ArrayList<>(client.data);
    got.sort((a, b) -> Byte.compare(a[0], b[0]));
    for (int i = 0; i < 100; i++) {
      assertThat(got.get(i)).as("datagram %d", i).isEqualTo(sent.get(i));
    }
    assertThat(client.senders).containsOnly(serverAddress);
    assertThat(client.errors).isEmpty();
  }

  @Test
  void connectedEndpointSendsWithoutTargetAndReportsTheRemoteAsSender() throws Exception {
    Recorder serverSide = new Recorder();
    DatagramEndpoint<Recorder> server = open(serverSide, DatagramOptions.local(ANY_LOCAL));
    InetSocketAddress serverAddress = (InetSocketAddress) server.transport().getExtraInfo("sockname");
    Recorder clientSide = new Recorder();
    DatagramEndpoint<Recorder> client = open(clientSide, DatagramOptions.remote(serverAddress));
    DatagramTransport t = client.transport();
    assertThat(t.getExtraInfo("peername")).isEqualTo(serverAddress);
    assertThat(t.getExtraInfo("socket")).isInstanceOf(DatagramChannel.class);
    InetSocketAddress clientAddress = (InetSocketAddress) t.getExtraInfo("sockname");
    assertThat(clientAddress.getPort()).isPositive();
    assertThat(t.getExtraInfo("nonsense")).isNull();
    assertThat(t.getLoop()).isSameAs(loop);

    onLoop(() -> {
      t.sendto(ByteBuffer.wrap(bytes("one")), null);
      t.sendto(ByteBuffer.wrap(bytes("two")), serverAddress);
      return null;
    });
    while (serverSide.data.size() < 2) {
      runFor(2);
    }
    assertThat(serverSide.data).containsExactly(bytes("one"), bytes("two"));
    assertThat(serverSide.senders).containsOnly(clientAddress);

    onLoop(() -> {
      server.transport().sendto(ByteBuffer.wrap(bytes("back")), clientAddress);
      return null;
    });
    while (clientSide.data.isEmpty()) {
      runFor(2);
    }
    assertThat(clientSide.data).containsExactly(bytes("back"));
    assertThat(clientSide.senders).containsExactly(serverAddress);

    // A datagram from anyone else does not reach a connected endpoint.
    try (DatagramChannel stranger = DatagramChannel.open()) {
      stranger.bind(ANY_LOCAL);
      stranger.send(ByteBuffer.wrap(bytes("intruder")), clientAddress);
      server.transport();
      onLoop(() -> {
        server.transport().sendto(ByteBuffer.wrap(bytes("last")), clientAddress);
        return null;
      });
      while (clientSide.data.size() < 2) {
        runFor(2);
      }
      assertThat(clientSide.data).containsExactly(bytes("back"), bytes("last"));
    }
  }

  @Test
  void sendtoValidatesItsArguments() {
    DatagramEndpoint<Recorder> unconnected = open(new Recorder(), DatagramOptions.local(ANY_LOCAL));
    InetSocketAddress address = (InetSocketAddress) unconnected.transport().getExtraInfo("sockname");
    DatagramEndpoint<Recorder> connected = open(new Recorder(), DatagramOptions.remote(address));

    assertThatThrownBy(() -> onLoop(() -> {
      unconnected.transport().sendto(ByteBuffer.wrap(bytes("x")), null);
      return null;
    })).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("target");
    assertThatThrownBy(() -> onLoop(() -> {
      unconnected.transport().sendto(null, address);
      return null;
    })).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> onLoop(() -> {
      connected.transport().sendto(ByteBuffer.wrap(bytes("x")), new InetSocketAddress("127.0.0.1", 9));
      return null;
    })).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(address.toString());
    assertThatThrownBy(() -> onLoop(() -> {
      unconnected.transport().sendto(ByteBuffer.wrap(bytes("x")),
          InetSocketAddress.createUnresolved("nowhere.invalid", 9));
      return null;
    })).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unresolved");
    assertThatThrownBy(() -> unconnected.transport().sendto(ByteBuffer.wrap(bytes("x")), address))
        .as("off the loop thread")
        .isInstanceOf(IllegalStateException.class);
    // Still usable after the refusals.
    assertThat(unconnected.transport().isClosing()).isFalse();
    onLoop(() -> {
      connected.transport().sendto(ByteBuffer.wrap(bytes("ok")), null);
      return null;
    });
    while (unconnected.protocol().data.isEmpty()) {
      runFor(2);
    }
    assertThat(unconnected.protocol().data).containsExactly(bytes("ok"));
  }

  @Test
  void badOptionsFailClearly() {
    assertThatThrownBy(() -> DatagramOptions.local(null).withRemoteAddress(null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> loop.createDatagramEndpoint(null, DatagramOptions.local(ANY_LOCAL)))
        .isInstanceOf(NullPointerException.class);
    LoopFuture<DatagramEndpoint<Recorder>> unresolved = loop.createDatagramEndpoint(Recorder::new,
        DatagramOptions.remote(InetSocketAddress.createUnresolved("nowhere.invalid", 9)));
    assertThatThrownBy(() -> loop.runUntilComplete(unresolved))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unresolved");
    LoopFuture<DatagramEndpoint<Recorder>> mixed = loop.createDatagramEndpoint(Recorder::new,
        new DatagramOptions(ANY_LOCAL, new InetSocketAddress("::1", 9), false, false, false));
    assertThatThrownBy(() -> loop.runUntilComplete(mixed))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("famil");
  }

  @Test
  void bindingAPortInUseFails() {
    DatagramEndpoint<Recorder> first = open(new Recorder(), DatagramOptions.local(ANY_LOCAL));
    InetSocketAddress taken = (InetSocketAddress) first.transport().getExtraInfo("sockname");
    LoopFuture<DatagramEndpoint<Recorder>> second =
        loop.createDatagramEndpoint(Recorder::new, DatagramOptions.local(taken));
    assertThatThrownBy(() -> loop.runUntilComplete(second))
        .isInstanceOf(CompletionException.class).hasCauseInstanceOf(IOException.class);
  }

  @Test
  void reusePortWorksWhereSupportedAndFailsClearlyElsewhere() throws IOException {
    boolean supported;
    try (DatagramChannel probe = DatagramChannel.open()) {
      supported = probe.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT);
    }
    DatagramOptions options = DatagramOptions.local(ANY_LOCAL).withReusePort(true).withReuseAddress(true);
    if (!supported) {
      LoopFuture<DatagramEndpoint<Recorder>> f = loop.createDatagramEndpoint(Recorder::new, options);
      assertThatThrownBy(() -> loop.runUntilComplete(f))
          .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("SO_REUSEPORT");
      return;
    }
    DatagramEndpoint<Recorder> first = open(new Recorder(), options);
    InetSocketAddress address = (InetSocketAddress) first.transport().getExtraInfo("sockname");
    DatagramEndpoint<Recorder> second = open(new Recorder(),
        DatagramOptions.local(address).withReusePort(true).withReuseAddress(true).withAllowBroadcast(true));
    assertThat(second.transport().getExtraInfo("sockname")).isEqualTo(address);
    DatagramChannel channel = (DatagramChannel) second.transport().getExtraInfo("socket");
    assertThat(channel.getOption(StandardSocketOptions.SO_BROADCAST)).isTrue();
  }

  @Test
  void errorReceivedOnPortUnreachableAndTheEndpointStaysOpen() throws Exception {
    InetSocketAddress dead;
    try (DatagramChannel gone = DatagramChannel.open()) {
      gone.bind(ANY_LOCAL);
      dead = (InetSocketAddress) gone.getLocalAddress();
    }
    Recorder recorder = new Recorder();
    DatagramEndpoint<Recorder> endpoint = open(recorder, DatagramOptions.remote(dead));
    DatagramTransport t = endpoint.transport();
    // The ICMP answer to the first datagram is reported on a later send or receive, if at all.
    for (int i = 0; i < 20 && recorder.errors.isEmpty(); i++) {
      onLoop(() -> {
        t.sendto(ByteBuffer.wrap(bytes("anyone?")), null);
        return null;
      });
      runFor(5);
    }
    if (!recorder.errors.isEmpty()) {
      assertThat(recorder.errors.get(0)).isInstanceOf(IOException.class);
      assertThat(recorder.events).doesNotContain("lost");
    }
    // Either way the endpoint stays open and usable.
    assertThat(t.isClosing()).isFalse();
    assertThat(recorder.lost).isZero();
    onLoop(() -> {
      t.sendto(ByteBuffer.wrap(bytes("still here")), null);
      return null;
    });
    runFor(5);
    assertThat(t.isClosing()).isFalse();
    assertThat(((DatagramChannel) t.getExtraInfo("socket")).isOpen()).isTrue();
  }

  @Test
  void connectionMadeComesFirstAndConnectionLostExactlyOnce() throws Exception {
    List<String> order = new ArrayList<>();
    Recorder recorder = new Recorder() {
      @Override
      public void connectionMade(DatagramTransport t) {
        super.connectionMade(t);
        order.add("made");
      }
    };
    LoopFuture<DatagramEndpoint<Recorder>> f =
        loop.createDatagramEndpoint(() -> recorder, DatagramOptions.local(ANY_LOCAL));
    f.thenRun(() -> order.add("future"));
    DatagramEndpoint<Recorder> endpoint = loop.runUntilComplete(f);
    runFor(2);
    assertThat(order).containsExactly("made", "future");
    assertThat(endpoint.protocol()).isSameAs(recorder);
    assertThat(recorder.transport).isSameAs(endpoint.transport());

    DatagramTransport t = endpoint.transport();
    DatagramChannel channel = (DatagramChannel) t.getExtraInfo("socket");
    onLoop(() -> {
      t.close();
      assertThat(t.isClosing()).isTrue();
      assertThat(recorder.lost).as("connectionLost comes later, from callSoon").isZero();
      t.close();
      t.abort();
      t.sendto(ByteBuffer.wrap(bytes("ignored")), new InetSocketAddress("127.0.0.1", 9));
      return null;
    });
    runFor(5);
    assertThat(recorder.lost).isEqualTo(1);
    assertThat(recorder.lostCause).isNull();
    assertThat(recorder.events).containsExactly("made", "lost");
    assertThat(channel.isOpen()).isFalse();
    assertThat(t.getWriteBufferSize()).isZero();
  }

  @Test
  void abortClosesAtOnceWithOneConnectionLost() {
    Recorder recorder = new Recorder();
    DatagramEndpoint<Recorder> endpoint = open(recorder, DatagramOptions.local(ANY_LOCAL));
    onLoop(() -> {
      endpoint.transport().abort();
      endpoint.transport().abort();
      endpoint.transport().close();
      return null;
    });
    runFor(5);
    assertThat(recorder.lost).isEqualTo(1);
    assertThat(((DatagramChannel) endpoint.transport().getExtraInfo("socket")).isOpen()).isFalse();
  }

  @Test
  void aThrowingProtocolGoesToTheExceptionHandlerAndTheEndpointGoesOn() throws Exception {
    List<ExceptionContext> errors = new ArrayList<>();
    loop.setExceptionHandler((l, ctx) -> errors.add(ctx));
    Recorder recorder = new Recorder() {
      @Override
      public void datagramReceived(ByteBuffer d, SocketAddress sender) {
        super.datagramReceived(d, sender);
        if (data.size() == 1) {
          throw new IllegalStateException("expected by the test");
        }
      }
    };
    DatagramEndpoint<Recorder> endpoint = open(recorder, DatagramOptions.local(ANY_LOCAL));
    SocketAddress address = (SocketAddress) endpoint.transport().getExtraInfo("sockname");
    try (DatagramChannel sender = DatagramChannel.open()) {
      sender.send(ByteBuffer.wrap(bytes("a")), address);
      while (recorder.data.isEmpty()) {
        runFor(2);
      }
      sender.send(ByteBuffer.wrap(bytes("b")), address);
      while (recorder.data.size() < 2) {
        runFor(2);
      }
    }
    assertThat(errors).hasSize(1);
    assertThat(errors.get(0).exception()).isInstanceOf(IllegalStateException.class);
    assertThat(errors.get(0).protocol()).isSameAs(recorder);
    assertThat(endpoint.transport().isClosing()).isFalse();
    assertThat(loop.isClosed()).isFalse();
  }

  @Test
  void aFactoryThatThrowsFailsTheFutureAndLeaksNothing() {
    LoopFuture<DatagramEndpoint<Recorder>> f = loop.createDatagramEndpoint(() -> {
      throw new IllegalStateException("factory failed, as the test wants");
    }, DatagramOptions.local(ANY_LOCAL));
    assertThatThrownBy(() -> loop.runUntilComplete(f))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("factory failed");
  }

  @Test
  void emptyDatagramsArriveAsEmptyBuffers() {
    Recorder recorder = new Recorder();
    DatagramEndpoint<Recorder> receiver = open(recorder, DatagramOptions.local(ANY_LOCAL));
    SocketAddress address = (SocketAddress) receiver.transport().getExtraInfo("sockname");
    DatagramEndpoint<Recorder> sender = open(new Recorder(), DatagramOptions.local(ANY_LOCAL));
    onLoop(() -> {
      sender.transport().sendto(ByteBuffer.allocate(0), address);
      return null;
    });
    while (recorder.data.isEmpty()) {
      runFor(2);
    }
    assertThat(recorder.data.get(0)).isEmpty();
  }
}
