package dev.loop.reactor.adapters;

import dev.loop.EventLoop;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Small helpers shared by the adapter tests. */
final class TestSupport {

  private TestSupport() {}

  static ByteBuffer utf8(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }

  static String utf8(ByteBuffer b) {
    return new String(bytes(b), StandardCharsets.UTF_8);
  }

  static byte[] bytes(ByteBuffer b) {
    byte[] a = new byte[b.remaining()];
    b.duplicate().get(a);
    return a;
  }

  static byte[] randomBytes(int n, long seed) {
    byte[] data = new byte[n];
    new Random(seed).nextBytes(data);
    return data;
  }

  /** {@code data} cut into buffers of {@code chunk} bytes (the last one shorter). */
  static Flux<ByteBuffer> chunks(byte[] data, int chunk) {
    List<ByteBuffer> list = new ArrayList<>();
    for (int i = 0; i < data.length; i += chunk) {
      list.add(ByteBuffer.wrap(data, i, Math.min(chunk, data.length - i)).slice());
    }
    return Flux.fromIterable(list);
  }

  /** The first {@code n} bytes of {@code in}, joined; cancels {@code in} once it has them. */
  static Mono<byte[]> firstBytes(Flux<ByteBuffer> in, int n) {
    AtomicLong seen = new AtomicLong();
    return in.takeUntil(b -> seen.addAndGet(b.remaining()) >= n)
        .collect(ByteArrayOutputStream::new, (out, b) -> out.writeBytes(bytes(b)))
        .map(ByteArrayOutputStream::toByteArray);
  }

  /** Runs {@code action} on the running loop's thread and waits for its result. */
  static <T> T onLoop(EventLoop loop, Callable<T> action) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    loop.execute(() -> {
      try {
        result.complete(action.call());
      } catch (Throwable t) {
        result.completeExceptionally(t);
      }
    });
    return result.get(20, TimeUnit.SECONDS);
  }

  static int port(SocketAddress address) {
    return ((InetSocketAddress) address).getPort();
  }

  /** A port that was free a moment ago, and nothing listens on now. */
  static int unusedPort() {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
