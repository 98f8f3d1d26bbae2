package dev.loop.rxjava.adapters;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loop.ExceptionContext;
import dev.loop.rxjava.RxConnection;
import dev.loop.rxjava.RxLoop;
import dev.loop.rxjava.RxProtocol;
import dev.loop.test.TestLoop;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.observers.TestObserver;
import io.reactivex.rxjava3.processors.PublishProcessor;
import io.reactivex.rxjava3.subscribers.DefaultSubscriber;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code receive()} and {@code send()} against a transport the test drives, on a virtual-time
 * loop: demand becomes pauseReading/resumeReading, writes follow pauseWriting/resumeWriting, and
 * the Reactive Streams rules the receive publisher must keep (3.9, cancel, no onNext beyond
 * demand). The protocol callbacks are called from the test thread, which is the loop's thread while
 * the test loop is not running.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConnectionFlowControlTest {

  private TestLoop loop;
  private RxProtocol protocol;
  private RxConnection connection;
  private FakeTransport transport;

  @BeforeEach
  void connect() {
    loop = TestLoop.create();
    protocol = RxLoop.newProtocol();
    connection = protocol.connection();
    transport = new FakeTransport(loop, protocol);
    protocol.connectionMade(transport);
  }

  @AfterEach
  void closeLoop() {
    loop.close();
  }

  private static ByteBuffer ascii(String s) {
    return ByteBuffer.wrap(s.getBytes(US_ASCII));
  }

  private static String text(ByteBuffer b) {
    return US_ASCII.decode(b.duplicate()).toString();
  }

  private static List<String> texts(TestSubscriber<ByteBuffer> ts) {
    List<String> out = new ArrayList<>();
    ts.values().forEach(b -> out.add(text(b)));
    return out;
  }

  // ------------------------------------------------------------------ receive

  @Test
  void withoutSubscriberTheConnectionReadsOneChunkThenPauses() {
    assertThat(transport.isReading()).isTrue();

    protocol.dataReceived(ascii("first"));

    assertThat(transport.isReading()).as("paused after the one read nobody asked for").isFalse();
    TestSubscriber<ByteBuffer> ts = connection.receive().test(1);
    loop.runUntilIdle();
    assertThat(texts(ts)).containsExactly("first");
  }

  @Test
  void demandResumesReadingAndZeroDemandPausesIt() {
    TestSubscriber<ByteBuffer> ts = connection.receive().test(0);
    loop.runUntilIdle();
    assertThat(transport.isReading()).as("subscribed without demand").isFalse();

    ts.request(2);
    loop.runUntilIdle();
    assertThat(transport.isReading()).as("two chunks requested").isTrue();

    protocol.dataReceived(ascii("a"));
    assertThat(transport.isReading()).as("one chunk still requested").isTrue();
    protocol.dataReceived(ascii("b"));
    assertThat(transport.isReading()).as("demand used up").isFalse();
    assertThat(texts(ts)).containsExactly("a", "b");

    ts.request(1);
    loop.runUntilIdle();
    assertThat(transport.isReading()).isTrue();
    assertThat(transport.resumes).isEqualTo(2);
  }

  @Test
  void neverEmitsMoreChunksThanRequestedEvenIfTheTransportKeepsDelivering() {
    TestSubscriber<ByteBuffer> ts = connection.receive().test(1);
    loop.runUntilIdle();

    protocol.dataReceived(ascii("1"));
    protocol.dataReceived(ascii("2")); // a transport that ignored pauseReading
    protocol.dataReceived(ascii("3"));

    assertThat(texts(ts)).containsExactly("1");
    ts.request(1);
    loop.runUntilIdle();
    assertThat(texts(ts)).containsExactly("1", "2");
    ts.request(Long.MAX_VALUE);
    loop.runUntilIdle();
    assertThat(texts(ts)).containsExactly("1", "2", "3");
    assertThat(transport.isReading()).as("unbounded demand reads on").isTrue();
  }

  @Test
  void eachChunkIsACopyThatOutlivesTheTransportsBuffer() {
    TestSubscriber<ByteBuffer> ts = connection.receive().test(1);
    loop.runUntilIdle();
    ByteBuffer shared = ascii("hello");

    protocol.dataReceived(shared);
    shared.clear();
    shared.put("XXXXX".getBytes(US_ASCII));

    assertThat(texts(ts)).containsExactly("hello");
  }

  @Test
  void requestOfZeroFailsWithIllegalArgumentExceptionAndClosesTheConnection() {
    TestSubscriber<ByteBuffer> ts = connection.receive().test(0);
    ts.request(0);
    loop.runUntilIdle();

    ts.assertError(e -> e instanceof IllegalArgumentException
        && e.getMessage().contains("3.9") && e.getMessage().endsWith(" 0"));
    assertThat(transport.isClosing()).isTrue();
  }

  @Test
  void negativeRequestFailsWithIllegalArgumentExceptionEvenAfterPositiveDemand() {
    TestSubscriber<ByteBuffer> ts = connection.receive().test(5);
    ts.request(-3);
    loop.runUntilIdle();

    ts.assertError(e -> e instanceof IllegalArgumentException && e.getMessage().endsWith("-3"));
    protocol.dataReceived(ascii("late"));
    ts.assertNoValues();
  }

  @Test
  void cancelStopsEmissionsAndClosesTheConnection() {
    TestSubscriber<ByteBuffer> ts = connection.receive().test(10);
    loop.runUntilIdle();
    protocol.dataReceived(ascii("one"));

    ts.cancel();
    loop.runUntilIdle();
    protocol.dataReceived(ascii("two"));

    assertThat(texts(ts)).containsExactly("one");
    assertThat(transport.isClosing()).isTrue();
  }

  @Test
  void cancelAfterEofCompletionLeavesTheHalfOpenConnectionOpen() {
    TestSubscriber<ByteBuffer> ts = connection.receive().test(10);
    loop.runUntilIdle();

    assertThat(protocol.eofReceived()).as("keep the connection open for writing").isTrue();
    ts.assertComplete();
    ts.cancel();
    loop.runUntilIdle();

    assertThat(transport.isClosing()).isFalse();
  }

  @Test
  void eofCompletesOnlyAfterTheQueuedChunkIsDelivered() {
    protocol.dataReceived(ascii("last words"));
    protocol.eofReceived();

    TestSubscriber<ByteBuffer> ts = connection.receive().test(0);
    loop.runUntilIdle();
    ts.assertNotComplete();
    ts.request(1);
    loop.runUntilIdle();

    assertThat(texts(ts)).containsExactly("last words");
    ts.assertComplete();
  }

  @Test
  void aLostConnectionFailsReceiveWithItsCauseAfterTheQueuedChunk() {
    IOException reset = new IOException("Connection reset by peer");
    protocol.dataReceived(ascii("partial"));
    protocol.connectionLost(reset);

    TestSubscriber<ByteBuffer> ts = connection.receive().test(1);
    loop.runUntilIdle();

    assertThat(texts(ts)).containsExactly("partial");
    ts.assertError(reset);
    connection.onClose().test().assertError(reset);
  }

  @Test
  void aLocalCloseCompletesReceiveAndOnClose() {
    TestSubscriber<ByteBuffer> ts = connection.receive().test(1);
    TestObserver<Void> closed = connection.onClose().test();
    connection.close();
    loop.runUntilIdle();
    assertThat(transport.isClosing()).isTrue();

    protocol.connectionLost(null);

    ts.assertComplete().assertNoValues();
    closed.assertComplete();
  }

  @Test
  void aSecondSubscriberIsRefusedWithIllegalStateException() {
    connection.receive().test(1);

    connection.receive().test().assertError(IllegalStateException.class);
    connection.receiveObservable().test().assertError(IllegalStateException.class);
  }

  @Test
  void receiveObservableNeverPausesReading() {
    TestObserver<ByteBuffer> to = connection.receiveObservable().test();
    loop.runUntilIdle();
    for (int i = 0; i < 5; i++) {
      protocol.dataReceived(ascii("chunk" + i));
    }

    assertThat(transport.pauses).isZero();
    assertThat(to.values()).hasSize(5);
  }

  @Test
  void aSubscriberThatThrowsInOnNextClosesTheConnectionAndReachesTheExceptionHandler() {
    List<ExceptionContext> reported = new ArrayList<>();
    loop.setExceptionHandler((l, context) -> reported.add(context));
    IllegalStateException boom = new IllegalStateException("boom");
    connection.receive().subscribe(new DefaultSubscriber<ByteBuffer>() {
      @Override
      protected void onStart() {
        request(1);
      }

      @Override
      public void onNext(ByteBuffer b) {
        throw boom;
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onComplete() {}
    });
    loop.runUntilIdle();

    protocol.dataReceived(ascii("x"));

    assertThat(transport.isClosing()).isTrue();
    assertThat(reported).singleElement().satisfies(c -> {
      assertThat(c.exception()).isSameAs(boom);
      assertThat(c.transport()).isSameAs(transport);
    });
  }

  @Test
  void beforeConnectionMadeTheStreamsFailAndTheAccessorsThrow() {
    RxConnection fresh = RxLoop.newProtocol().connection();

    fresh.receive().test().assertError(IllegalStateException.class);
    fresh.send(Flowable.just(ascii("x"))).test().assertError(IllegalStateException.class);
    assertThatThrownBy(fresh::transport).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("connectionMade");
    assertThatThrownBy(fresh::close).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void addressesComeFromTheTransportsExtraInfo() {
    assertThat(connection.localAddress()).isEqualTo(new InetSocketAddress("127.0.0.1", 1111));
    assertThat(connection.remoteAddress()).isEqualTo(new InetSocketAddress("127.0.0.1", 2222));
    assertThat(connection.loop()).isSameAs(loop);
    assertThat(connection.transport()).isSameAs(transport);
  }

  // ------------------------------------------------------------------ send

  @Test
  void sendRequestsOneBufferAtATimeAndStopsWhileTheTransportIsPaused() {
    List<Long> requests = new ArrayList<>();
    Flowable<ByteBuffer> source = Flowable.range(0, 20)
        .map(i -> ByteBuffer.wrap(new byte[1000]))
        .doOnRequest(requests::add);

    TestObserver<Void> sent = connection.send(source).test();
    loop.runUntilIdle();

    // high water 4096: the fifth 1000-byte write passes it and pauses the protocol
    assertThat(transport.writeSizes).hasSize(5);
    assertThat(requests).hasSize(5).containsOnly(1L);
    sent.assertNotComplete();

    transport.drain();
    loop.runUntilIdle();
    assertThat(transport.writeSizes).hasSize(10);
    assertThat(requests).hasSize(10);

    for (int i = 0; i < 2; i++) {
      transport.drain();
      loop.runUntilIdle();
    }
    sent.assertComplete();
    assertThat(transport.written.size()).isEqualTo(20_000);
  }

  @Test
  void sendWritesBuffersInOrderFromAnotherThreadsPublisher() throws Exception {
    PublishProcessor<ByteBuffer> source = PublishProcessor.create();
    TestObserver<Void> sent = connection.send(source).test();
    loop.runUntilIdle(); // subscribes and requests the first buffer
    transport.high = Integer.MAX_VALUE;

    for (int i = 0; i < 5; i++) {
      String word = "w" + i;
      Thread emitter = new Thread(() -> source.onNext(ascii(word)));
      emitter.start();
      emitter.join();
      loop.runUntilIdle();
    }
    source.onComplete();
    loop.runUntilIdle();

    sent.assertComplete();
    assertThat(transport.written.toString(US_ASCII)).isEqualTo("w0w1w2w3w4");
  }

  @Test
  void sendFailsWithThePublishersError() {
    IOException broken = new IOException("source broke");

    TestObserver<Void> sent = connection.send(Flowable.concat(Flowable.just(ascii("ok")), Flowable.error(broken)))
        .test();
    loop.runUntilIdle();

    sent.assertError(broken);
    assertThat(transport.written.toString(US_ASCII)).isEqualTo("ok");
  }

  @Test
  void disposingSendCancelsThePublisherAndLeavesTheConnectionOpen() {
    PublishProcessor<ByteBuffer> source = PublishProcessor.create();
    TestObserver<Void> sent = connection.send(source).test();
    loop.runUntilIdle();
    assertThat(source.hasSubscribers()).isTrue();

    sent.dispose();
    loop.runUntilIdle();

    assertThat(source.hasSubscribers()).isFalse();
    assertThat(transport.isClosing()).isFalse();
  }

  @Test
  void sendOnAClosingConnectionFailsWithClosedChannelException() {
    transport.close();

    TestObserver<Void> sent = connection.send(Flowable.just(ascii("too late"))).test();
    loop.runUntilIdle();

    sent.assertError(ClosedChannelException.class);
    assertThat(transport.written.size()).isZero();
  }

  @Test
  void aLostConnectionFailsActiveSendsWithItsCause() {
    PublishProcessor<ByteBuffer> source = PublishProcessor.create();
    TestObserver<Void> sent = connection.send(source).test();
    loop.runUntilIdle();
    IOException reset = new IOException("Connection reset by peer");

    protocol.connectionLost(reset);

    sent.assertError(reset);
    assertThat(source.hasSubscribers()).as("the publisher is cancelled").isFalse();
    TestObserver<Void> late = connection.send(Flowable.just(ascii("x"))).test();
    loop.runUntilIdle();
    late.assertError(reset);
  }

  @Test
  void writeEofHalfClosesAndLaterWritesFail() {
    TestObserver<Void> eof = connection.writeEof().test();
    loop.runUntilIdle();
    eof.assertComplete();
    assertThat(transport.eofWritten).isTrue();

    TestObserver<Void> sent = connection.send(Flowable.just(ascii("after eof"))).test();
    loop.runUntilIdle();
    sent.assertError(IllegalStateException.class);
  }
}
