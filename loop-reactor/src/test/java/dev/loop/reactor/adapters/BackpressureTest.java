package dev.loop.reactor.adapters;

import static dev.loop.reactor.adapters.TestSupport.onLoop;
import static dev.loop.reactor.adapters.TestSupport.port;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loop.EventLoop;
import dev.loop.EventLoopGroup;
import dev.loop.reactor.LoopConnection;
import dev.loop.reactor.LoopServer;
import dev.loop.reactor.ReactorLoop;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;

/**
 * The backpressure proof: a sender pushes 64 MiB through {@code send(Flux)} to a receiver that
 * asks {@code receive()} for one buffer at a time, and only from a later loop callback once it
 * consumed the previous one. Both ends run on one loop; their socket buffers are made small so
 * that the kernel does not hide what the adapters do.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BackpressureTest {

  private static final int CHUNK = 64 * 1024;
  private static final int CHUNKS = 1024; // 64 MiB
  private static final long TOTAL = (long) CHUNK * CHUNKS;
  /** The loop's read buffer: the most one read delivers. */
  private static final int ONE_READ = 256 * 1024;
  /** What send() requests at most ahead of what it wrote (documented in LoopConnection#send). */
  private static final int SEND_PREFETCH = 16;
  private static final int SOCKET_BUFFER = 64 * 1024;

  private final EventLoopGroup group = EventLoopGroup.create(1);
  private final EventLoop loop = group.next();

  @AfterEach
  void shutDown() {
    group.close();
  }

  private static byte patternAt(long offset) {
    return (byte) (offset * 31 + (offset >>> 13));
  }

  private static ByteBuffer chunk(long index) {
    byte[] bytes = new byte[CHUNK];
    long base = index * CHUNK;
    for (int i = 0; i < CHUNK; i++) {
      bytes[i] = patternAt(base + i);
    }
    return ByteBuffer.wrap(bytes);
  }

  private static void smallBuffers(LoopConnection c) throws Exception {
    SocketChannel channel = (SocketChannel) c.transport().getExtraInfo("socket");
    channel.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
    channel.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER);
  }

  /** The slow receiver: one buffer requested at a time, the next one from a later loop callback. */
  private final class SlowReceiver extends BaseSubscriber<ByteBuffer> {
    final LoopConnection connection;
    final CompletableFuture<Long> done = new CompletableFuture<>();
    long received;
    long mismatchAt = -1;
    int largestBuffer;
    int readingWithoutDemand;
    int offLoop;

    SlowReceiver(LoopConnection connection) {
      this.connection = connection;
    }

    @Override
    protected void hookOnSubscribe(Subscription subscription) {
      request(1);
    }

    @Override
    protected void hookOnNext(ByteBuffer b) {
      if (!loop.inEventLoop()) {
        offLoop++;
      }
      largestBuffer = Math.max(largestBuffer, b.remaining());
      while (b.hasRemaining()) {
        if (b.get() != patternAt(received) && mismatchAt < 0) {
          mismatchAt = received;
        }
        received++;
      }
      loop.callSoon(() -> {
        // No demand since this buffer: the adapter must have paused reading by now.
        if (connection.transport().isReading()) {
          readingWithoutDemand++;
        }
        request(1);
      });
    }

    @Override
    protected void hookOnComplete() {
      done.complete(received);
    }

    @Override
    protected void hookOnError(Throwable throwable) {
      done.completeExceptionally(throwable);
    }
  }

  @Test
  void aSlowReceiverHoldsBackAFastSenderThroughBothTransportsWithBoundedMemory() throws Exception {
    LoopServer server = ReactorLoop.listen(loop, "127.0.0.1", 0).block(Duration.ofSeconds(20));
    CompletableFuture<SlowReceiver> receiver = new CompletableFuture<>();
    server.connections().take(1).subscribe(c -> {
      try {
        smallBuffers(c); // on the loop thread: connections are emitted there
        SlowReceiver r = new SlowReceiver(c);
        c.receive().subscribe(r);
        receiver.complete(r);
      } catch (Exception e) {
        receiver.completeExceptionally(e);
      }
    });
    LoopConnection sender = ReactorLoop.connect(loop, "127.0.0.1", port(server.address()))
        .block(Duration.ofSeconds(20));
    onLoop(loop, () -> {
      smallBuffers(sender);
      return null;
    });
    long high = onLoop(loop, () -> (long) sender.transport().getWriteBufferHigh());
    SlowReceiver slow = receiver.get(20, TimeUnit.SECONDS);

    AtomicLong requested = new AtomicLong();
    AtomicLong emitted = new AtomicLong();
    long[] most = new long[3]; // outstanding requests, write buffer, bytes ahead of the receiver
    int[] sourceOffLoop = new int[1];
    Flux<ByteBuffer> source = Flux.<ByteBuffer, Long>generate(() -> 0L, (i, sink) -> {
      if (i == CHUNKS) {
        sink.complete();
      } else {
        sink.next(chunk(i));
      }
      return i + 1;
    })
        .doOnRequest(requested::addAndGet)
        .doOnNext(b -> {
          // Requests come from the adapter on the loop thread, so generate emits there too.
          if (!loop.inEventLoop()) {
            sourceOffLoop[0]++;
            return;
          }
          long n = emitted.incrementAndGet();
          most[0] = Math.max(most[0], requested.get() - n + 1);
          most[1] = Math.max(most[1], sender.transport().getWriteBufferSize());
          most[2] = Math.max(most[2], n * CHUNK - slow.received);
        });

    sender.send(source).doFinally(s -> sender.close()).subscribe();

    assertThat(slow.done.get(50, TimeUnit.SECONDS)).as("bytes received").isEqualTo(TOTAL);
    assertThat(slow.mismatchAt).as("offset of the first wrong byte").isEqualTo(-1);
    assertThat(emitted).hasValue(CHUNKS);
    assertThat(sourceOffLoop[0]).as("chunks emitted off the loop").isZero();
    assertThat(slow.offLoop).as("buffers received off the loop").isZero();

    // Receiving side: never more than one read at a time, and no reading while there is no demand.
    assertThat(slow.largestBuffer).as("largest buffer").isLessThanOrEqualTo(ONE_READ);
    assertThat(slow.readingWithoutDemand).as("times the transport read with no demand").isZero();

    // Sending side: send() asks lazily and stops asking while the transport is paused.
    assertThat(most[0]).as("buffers requested and not yet emitted").isLessThanOrEqualTo(SEND_PREFETCH);
    assertThat(most[1]).as("sender's write buffer: went over the high-water mark (pauseWriting)")
        .isGreaterThan(high)
        .isLessThanOrEqualTo(high + (long) SEND_PREFETCH * CHUNK);
    // Everything in flight: both kernels' buffers (Linux doubles the sizes set), the sender's write
    // buffer, and the read in hand. A sender that ignored backpressure would be tens of MiB ahead.
    long inFlight = 4L * 2 * SOCKET_BUFFER + high + (long) SEND_PREFETCH * CHUNK + ONE_READ;
    assertThat(most[2]).as("bytes the sender produced ahead of the receiver").isLessThanOrEqualTo(inFlight);
    server.dispose();
  }
}
