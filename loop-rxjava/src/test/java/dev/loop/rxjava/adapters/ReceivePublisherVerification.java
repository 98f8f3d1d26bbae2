package dev.loop.rxjava.adapters;

import dev.loop.EventLoop;
import dev.loop.EventLoopGroup;
import dev.loop.net.Protocol;
import dev.loop.rxjava.RxLoop;
import dev.loop.rxjava.RxProtocol;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import org.reactivestreams.tck.TestEnvironment;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;

/**
 * The Reactive Streams TCK 1.0.4 {@link PublisherVerification} for a connection's {@code
 * receive()}: a TestNG class, run by {@link ReceiveReactiveStreamsTckTest}. Each publisher is the
 * {@code receive()} of an {@link RxLoop#newProtocol()} protocol over a {@link FeedingTransport} on
 * a running loop, which delivers exactly the requested number of one-byte chunks, one per loop
 * iteration while the protocol lets it read, then EOF.
 */
public class ReceivePublisherVerification extends PublisherVerification<ByteBuffer> {

  private EventLoopGroup group;
  private EventLoop loop;

  public ReceivePublisherVerification() {
    super(new TestEnvironment(1_000, 200), 2_000);
  }

  @BeforeClass
  public void startLoop() {
    group = EventLoopGroup.create(1);
    loop = group.next();
  }

  @AfterClass(alwaysRun = true)
  public void stopLoop() throws Exception {
    group.shutdownGracefully().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  /** Runs {@code action} on the loop thread and waits for it. */
  private void onLoop(Runnable action) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    loop.execute(() -> {
      try {
        action.run();
        done.complete(null);
      } catch (Throwable t) {
        done.completeExceptionally(t);
      }
    });
    done.orTimeout(20, TimeUnit.SECONDS).join();
  }

  @Override
  public Publisher<ByteBuffer> createPublisher(long elements) {
    RxProtocol protocol = RxLoop.newProtocol();
    onLoop(() -> {
      FeedingTransport transport = new FeedingTransport(loop, protocol, elements);
      protocol.connectionMade(transport);
      transport.feedLater();
    });
    return protocol.connection().receive();
  }

  @Override
  public Publisher<ByteBuffer> createFailedPublisher() {
    RxProtocol protocol = RxLoop.newProtocol();
    onLoop(() -> {
      protocol.connectionMade(new FeedingTransport(loop, protocol, 0));
      protocol.connectionLost(new IOException("Connection reset by peer"));
    });
    return protocol.connection().receive();
  }

  /** A transport that delivers {@code elements} one-byte reads while reading, then EOF. */
  static final class FeedingTransport extends FakeTransport {
    private long remaining;
    private boolean scheduled;
    private boolean eofSent;

    FeedingTransport(EventLoop loop, Protocol protocol, long elements) {
      super(loop, protocol);
      this.remaining = elements;
    }

    /** Loop thread: one read per loop iteration, as a socket gives at most one per iteration. */
    void feedLater() {
      if (!scheduled && isReading() && !eofSent) {
        scheduled = true;
        loop.callSoon(this::feed);
      }
    }

    private void feed() {
      scheduled = false;
      if (!isReading() || eofSent) {
        return;
      }
      if (remaining == 0) {
        eofSent = true;
        protocol.eofReceived();
        return;
      }
      remaining--;
      protocol.dataReceived(ByteBuffer.wrap(new byte[] {(byte) remaining}));
      feedLater();
    }

    @Override
    public void resumeReading() {
      super.resumeReading();
      feedLater();
    }

    @Override
    public void close() {
      if (!isClosing()) {
        super.close();
        loop.callSoon(() -> protocol.connectionLost(null));
      }
    }
  }
}
