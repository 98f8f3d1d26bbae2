package dev.loop.rxjava.adapters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loop.EventLoop;
import dev.loop.EventLoopGroup;
import dev.loop.net.ServerOptions;
import dev.loop.net.Transport;
import dev.loop.rxjava.RxConnection;
import dev.loop.rxjava.RxLoop;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.FlowableSubscriber;
import io.reactivex.rxjava3.disposables.Disposable;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.reactivestreams.Subscription;

/**
 * The backpressure proof: a sender pushes 64 MiB through {@code send(...)} to a receiver whose
 * {@code receive()} subscriber asks for one chunk at a time, from a later loop callback, and at 4
 * MiB stops asking altogether until the test releases it.
 *
 * <p>While the receiver holds no demand its transport must be paused; no chunk may arrive beyond
 * the demand, and none may exceed one read (256 KiB). While it is stalled the sender must end up
 * paused: its transport's write buffer above the high water mark (so the transport called {@code
 * pauseWriting}), no request outstanding at the source, and the bytes produced but not received
 * bounded by the socket buffers plus a few chunks instead of the 64 MiB the source could produce.
 * After the release every byte arrives, in order. The socket buffers are fixed at 256 KiB so that
 * the kernel's autotuning does not blur the bound.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BackpressureProofTest {

  private static final int TOTAL = 64 << 20;
  private static final int CHUNK = 64 << 10;
  private static final int ONE_READ = 256 << 10;
  private static final int STALL_AT = 4 << 20;
  private static final int SOCKET_BUFFER = 256 << 10;
  /** Socket buffers of both ends (the kernel may double them), the write buffer, a chunk, a read. */
  private static final long IN_FLIGHT_BOUND = 8L << 20;
  private static final long WAIT = 60;

  private EventLoopGroup group;
  private EventLoop receiverLoop;
  private EventLoop senderLoop;

  @BeforeEach
  void startLoops() {
    group = EventLoopGroup.create(2);
    receiverLoop = group.loops().get(0);
    senderLoop = group.loops().get(1);
  }

  @AfterEach
  void stopLoops() throws Exception {
    group.shutdownGracefully().toCompletableFuture().get(WAIT, TimeUnit.SECONDS);
  }

  private static <T> T onLoop(EventLoop loop, Callable<T> work) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    loop.execute(() -> {
      try {
        result.complete(work.call());
      } catch (Throwable t) {
        result.completeExceptionally(t);
      }
    });
    return result.get(WAIT, TimeUnit.SECONDS);
  }

  private static byte patternAt(long offset) {
    return (byte) (offset ^ (offset >>> 8) ^ (offset >>> 17));
  }

  private static void fixSocketBuffer(RxConnection c) throws Exception {
    SocketChannel channel = (SocketChannel) c.transport().getExtraInfo("socket");
    channel.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
    channel.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER);
  }

  /** The slow reader; every field is touched on the receiver loop thread only. */
  static final class SlowReader implements FlowableSubscriber<ByteBuffer> {
    final CompletableFuture<Long> stalled = new CompletableFuture<>();
    final CompletableFuture<Long> done = new CompletableFuture<>();
    RxConnection connection;
    Subscription subscription;
    long requested;
    long chunks;
    long received;
    int largestChunk;
    long firstMismatch = -1;
    int chunksBeyondDemand;
    int readingWithoutDemand;
    boolean released;

    @Override
    public void onSubscribe(Subscription s) {
      subscription = s;
      request();
    }

    private void request() {
      requested++;
      subscription.request(1);
    }

    @Override
    public void onNext(ByteBuffer chunk) {
      chunks++;
      if (chunks > requested) {
        chunksBeyondDemand++;
      }
      largestChunk = Math.max(largestChunk, chunk.remaining());
      while (chunk.hasRemaining()) {
        if (chunk.get() != patternAt(received) && firstMismatch < 0) {
          firstMismatch = received;
        }
        received++;
      }
      if (received >= STALL_AT && !released) {
        stalled.complete(received); // no more demand until release()
        return;
      }
      connection.loop().callSoon(() -> {
        // The demand is used up: the transport must have been paused by now.
        if (connection.transport().isReading()) {
          readingWithoutDemand++;
        }
        request();
      });
    }

    void release() {
      released = true;
      request();
    }

    @Override
    public void onError(Throwable t) {
      done.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      done.complete(received);
    }
  }

  /** What the sender's source saw; sender loop thread only. */
  static final class SourceProbe {
    long requested;
    long emitted;
    long produced;
    long mostOutstanding;
    int requestsWhilePaused;
  }

  @Test
  void aSlowReceiverPausesTheSenderAndBothSidesStayBounded() throws Exception {
    SlowReader reader = new SlowReader();
    CompletableFuture<Integer> port = new CompletableFuture<>();
    Disposable server = RxLoop.serve(receiverLoop, "127.0.0.1", 0, ServerOptions.defaults(),
            a -> port.complete(((InetSocketAddress) a.get(0)).getPort()))
        .take(1)
        .subscribe(c -> {
          fixSocketBuffer(c);
          reader.connection = c;
          c.receive().subscribe(reader);
        }, port::completeExceptionally);

    SourceProbe probe = new SourceProbe();
    AtomicReference<RxConnection> sender = new AtomicReference<>();
    Flowable<ByteBuffer> source = Flowable.<ByteBuffer, long[]>generate(() -> new long[1], (offset, emitter) -> {
      if (offset[0] >= TOTAL) {
        emitter.onComplete();
        return;
      }
      byte[] bytes = new byte[CHUNK];
      for (int i = 0; i < CHUNK; i++) {
        bytes[i] = patternAt(offset[0] + i);
      }
      offset[0] += CHUNK;
      emitter.onNext(ByteBuffer.wrap(bytes));
    })
        .doOnRequest(n -> {
          Transport t = sender.get().transport();
          if (t.getWriteBufferSize() > t.getWriteBufferHigh()) {
            probe.requestsWhilePaused++;
          }
          probe.requested += n;
          probe.mostOutstanding = Math.max(probe.mostOutstanding, probe.requested - probe.emitted);
        })
        .doOnNext(b -> {
          probe.emitted++;
          probe.produced += b.remaining();
        });
    CompletableFuture<Void> sent = new CompletableFuture<>();
    RxLoop.connect(senderLoop, "127.0.0.1", port.get(WAIT, TimeUnit.SECONDS))
        .flatMapCompletable(c -> {
          fixSocketBuffer(c);
          sender.set(c);
          return c.send(source).doFinally(c::close);
        })
        .subscribe(() -> sent.complete(null), sent::completeExceptionally);

    // 1. The receiver stops asking at 4 MiB.
    long receivedAtStall = reader.stalled.get(WAIT, TimeUnit.SECONDS);

    // 2. The sender's transport fills up past its high water mark: it called pauseWriting.
    await().atMost(Duration.ofSeconds(WAIT)).until(() -> onLoop(senderLoop, () -> {
      Transport t = sender.get().transport();
      return t.getWriteBufferSize() > t.getWriteBufferHigh();
    }));

    // 3. The sender waits: no outstanding request, and the bytes in flight stay bounded.
    long[] snapshot = onLoop(senderLoop, () -> new long[] {probe.requested, probe.emitted, probe.produced});
    assertThat(snapshot[0]).as("requests outstanding at the source while paused").isEqualTo(snapshot[1]);
    assertThat(snapshot[2]).as("bytes produced while the receiver is stalled").isLessThan(TOTAL);
    assertThat(snapshot[2] - receivedAtStall).as("bytes produced but not received")
        .isLessThanOrEqualTo(IN_FLIGHT_BOUND);
    assertThat(onLoop(receiverLoop, () -> reader.connection.transport().isReading()))
        .as("the stalled receiver's transport reads").isFalse();
    assertThat(onLoop(receiverLoop, () -> reader.received)).isEqualTo(receivedAtStall);
    onLoop(senderLoop, () -> null); // another iteration of the sender loop: still nothing produced
    assertThat(onLoop(senderLoop, () -> probe.produced)).isEqualTo(snapshot[2]);

    // 4. Released, the receiver gets every byte, in order.
    receiverLoop.execute(reader::release);
    assertThat(reader.done.get(WAIT, TimeUnit.SECONDS)).isEqualTo(TOTAL);
    sent.get(WAIT, TimeUnit.SECONDS);

    onLoop(receiverLoop, () -> {
      assertThat(reader.firstMismatch).as("offset of the first wrong byte").isEqualTo(-1);
      assertThat(reader.chunksBeyondDemand).as("chunks delivered beyond demand").isZero();
      assertThat(reader.largestChunk).as("largest chunk").isLessThanOrEqualTo(ONE_READ);
      assertThat(reader.readingWithoutDemand).as("times the transport read with no demand").isZero();
      return null;
    });
    onLoop(senderLoop, () -> {
      assertThat(probe.produced).isEqualTo(TOTAL);
      assertThat(probe.mostOutstanding).as("most buffers requested and not yet emitted").isEqualTo(1);
      assertThat(probe.requestsWhilePaused).as("requests made above the high water mark").isZero();
      return null;
    });
    server.dispose();
  }
}
