package dev.loop.benchmarks;

import dev.loop.EventLoop;
import dev.loop.Loops;
import dev.loop.Server;
import dev.loop.net.BufferedProtocol;
import dev.loop.net.Protocol;
import dev.loop.net.Transport;
import java.io.EOFException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Loop's stream read path over a real TCP connection on 127.0.0.1: a {@link BufferedProtocol} (the
 * transport reads straight into the protocol's own buffer) against a plain {@link Protocol} (the
 * transport reads into the loop's shared read buffer and hands it to {@code dataReceived}).
 *
 * <p>Set-up, the same for both: a Loop runs {@code runForever()} on a thread of its own with a server
 * from {@code createServer} on an ephemeral port; the JMH thread is the client, on a blocking {@link
 * SocketChannel} with {@code TCP_NODELAY} and direct buffers (the client allocates nothing per
 * operation either, so {@code -prof gc}'s {@code gc.alloc.rate.norm}, which covers every thread of
 * the fork, is the loop's allocation).
 *
 * <ul>
 *   <li><b>{@code echo}</b>: one operation = one message of {@code size} bytes written by the client
 *       and echoed back whole by the server's protocol ({@code transport.write} of what it got), a
 *       ping-pong. Score: messages/s; {@code bytes} is echoed payload bytes/s (one direction).
 *   <li><b>{@code stream}</b>: the client writes {@value #STREAM_CHUNK}-byte chunks as fast as the
 *       socket takes them and the server's protocol only counts what it reads (a sink), so the
 *       loop's read path is the bottleneck. One operation = one chunk; {@code bytes} is bytes/s.
 * </ul>
 *
 * <p>Goal: 0 B/op in steady state with {@code BufferedProtocol}. {@code gc.alloc.rate.norm} covers
 * every thread of the fork, JMH's own included, so besides it each iteration prints a {@code
 * [readpath]} line with what the loop thread alone allocated per operation (HotSpot's per-thread
 * allocation counter). Loop, server, connection and thread are all closed in {@code @TearDown}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m"})
public class ReadPathBenchmark {

  /** The client's write size in {@code stream}. */
  static final int STREAM_CHUNK = 64 * 1024;

  /**
   * The size of a {@code BufferedProtocol}'s own buffer: the size hint the transport passes, as big
   * as the loop's shared read buffer that a plain {@code Protocol} gets, so both read alike.
   */
  static final int PROTOCOL_BUFFER = 256 * 1024;

  // ------------------------------------------------------------------ server-side protocols

  /** What the benchmark needs from a server-side protocol: its transport, once made. */
  abstract static class Side {
    final CountDownLatch made = new CountDownLatch(1);
    @Nullable Transport transport;
    /** Bytes received; written by the loop thread only, read after the trial. */
    long received;

    void made(Transport t) {
      transport = t;
      made.countDown();
    }
  }

  /** Echo on the zero-copy path: reads land in a reused direct buffer that is written back. */
  static final class BufferedEcho extends Side implements BufferedProtocol {
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(PROTOCOL_BUFFER);

    @Override
    public void connectionMade(Transport t) {
      made(t);
    }

    @Override
    public ByteBuffer getBuffer(int sizeHint) {
      buffer.clear();
      return buffer;
    }

    @Override
    public void bufferUpdated(int nbytes) {
      received += nbytes;
      buffer.flip();
      transport.write(buffer); // copies only what the socket does not take at once
    }
  }

  /** Echo on the plain path: the transport's read buffer is written back. */
  static final class PlainEcho extends Side implements Protocol {
    @Override
    public void connectionMade(Transport t) {
      made(t);
    }

    @Override
    public void dataReceived(ByteBuffer data) {
      received += data.remaining();
      transport.write(data);
    }
  }

  /** Sink on the zero-copy path: reads land in a reused direct buffer and are dropped. */
  static final class BufferedSink extends Side implements BufferedProtocol {
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(PROTOCOL_BUFFER);

    @Override
    public void connectionMade(Transport t) {
      made(t);
    }

    @Override
    public ByteBuffer getBuffer(int sizeHint) {
      buffer.clear();
      return buffer;
    }

    @Override
    public void bufferUpdated(int nbytes) {
      received += nbytes;
    }
  }

  /** Sink on the plain path: consumes the transport's buffer. */
  static final class PlainSink extends Side implements Protocol {
    @Override
    public void connectionMade(Transport t) {
      made(t);
    }

    @Override
    public void dataReceived(ByteBuffer data) {
      received += data.remaining();
      data.position(data.limit());
    }
  }

  // ------------------------------------------------------------------ the connection

  /** Per-thread allocation counters (HotSpot). */
  static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  /** A Loop on its own thread, one server, and one client connection to it. */
  abstract static class Connected {
    EventLoop loop;
    private long loopAllocated0;
    private long clientAllocated0;
    private long received0;
    Server server;
    Thread thread;
    SocketChannel client;
    Side side;

    void open(Supplier<? extends Side> factory) throws IOException, InterruptedException {
      loop = Loops.newEventLoop();
      Side[] accepted = new Side[1];
      CountDownLatch made = new CountDownLatch(1);
      Supplier<Protocol> protocols = () -> {
        Side s = factory.get();
        accepted[0] = s;
        made.countDown();
        return (Protocol) s;
      };
      // listen before the loop thread starts: the set-up thread runs the loop until it listens
      server = loop.runUntilComplete(loop.createServer(protocols, "127.0.0.1", 0));
      InetSocketAddress address = (InetSocketAddress) server.sockets().get(0);
      CountDownLatch running = new CountDownLatch(1);
      thread = new Thread(() -> {
        loop.callSoon(running::countDown);
        loop.runForever();
      }, "loop-readpath");
      thread.setDaemon(true);
      thread.start();
      await(running, "the loop to run");

      client = SocketChannel.open();
      client.setOption(StandardSocketOptions.TCP_NODELAY, true);
      client.connect(address); // blocking
      await(made, "the server to accept");
      side = accepted[0];
      await(side.made, "connectionMade");
    }

    /** Notes the loop thread's allocation counter and the bytes received so far. */
    void iterationStart() {
      loopAllocated0 = THREADS.getThreadAllocatedBytes(thread.getId());
      clientAllocated0 = THREADS.getThreadAllocatedBytes(Thread.currentThread().getId());
      received0 = side.received;
    }

    /**
     * Prints what the loop thread alone allocated during the iteration, per operation: the figure
     * that {@code gc.alloc.rate.norm} (all threads of the fork, JMH's own included) bounds; and what
     * the client (the JMH thread, which runs the iteration set-up and tear-down too) allocated.
     *
     * @param bytesPerOp payload bytes of one operation
     */
    void iterationEnd(String what, int bytesPerOp) {
      long allocated = THREADS.getThreadAllocatedBytes(thread.getId()) - loopAllocated0;
      long client = THREADS.getThreadAllocatedBytes(Thread.currentThread().getId()) - clientAllocated0;
      long ops = (side.received - received0) / bytesPerOp; // a plain read of the loop's counter
      System.out.printf("[readpath] %s: loop thread allocated %d B in %d ops = %.4f B/op"
              + " (client thread: %d B = %.4f B/op)%n",
          what, allocated, ops, ops == 0 ? 0.0 : (double) allocated / ops,
          client, ops == 0 ? 0.0 : (double) client / ops);
    }

    void close() throws IOException, InterruptedException {
      try {
        if (client != null) {
          client.close();
        }
      } finally {
        if (thread != null) {
          loop.stop();
          thread.join(TimeUnit.SECONDS.toMillis(10));
          if (thread.isAlive()) {
            throw new IllegalStateException("the loop thread did not stop: " + thread);
          }
        }
        if (server != null) {
          server.close();
          server.abortClients();
          loop.runUntilComplete(server.waitClosed());
        }
        loop.close();
      }
    }

    private static void await(CountDownLatch latch, String what) throws InterruptedException {
      if (!latch.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("timed out waiting for " + what);
      }
    }
  }

  /** The echo connection. */
  @State(Scope.Benchmark)
  public static class Echo extends Connected {
    /** {@code buffered}: a {@code BufferedProtocol}; {@code plain}: a {@code Protocol}. */
    @Param({"buffered", "plain"})
    public String protocol;

    /** The message size in bytes. */
    @Param({"64", "1024", "16384"})
    public int size;

    ByteBuffer out;
    ByteBuffer in;

    @Setup(Level.Trial)
    public void setUp() throws IOException, InterruptedException {
      out = ByteBuffer.allocateDirect(size);
      for (int i = 0; i < size; i++) {
        out.put(i, (byte) i);
      }
      in = ByteBuffer.allocateDirect(size);
      open(protocol.equals("buffered") ? BufferedEcho::new : PlainEcho::new);
    }

    @Setup(Level.Iteration)
    public void startIteration() {
      iterationStart();
    }

    @TearDown(Level.Iteration)
    public void endIteration() {
      iterationEnd("echo " + protocol + " " + size, size);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException, InterruptedException {
      close();
    }
  }

  /** The streaming connection. */
  @State(Scope.Benchmark)
  public static class Stream extends Connected {
    /** {@code buffered}: a {@code BufferedProtocol}; {@code plain}: a {@code Protocol}. */
    @Param({"buffered", "plain"})
    public String protocol;

    ByteBuffer out;

    @Setup(Level.Trial)
    public void setUp() throws IOException, InterruptedException {
      out = ByteBuffer.allocateDirect(STREAM_CHUNK);
      open(protocol.equals("buffered") ? BufferedSink::new : PlainSink::new);
    }

    @Setup(Level.Iteration)
    public void startIteration() {
      iterationStart();
    }

    @TearDown(Level.Iteration)
    public void endIteration() {
      iterationEnd("stream " + protocol, STREAM_CHUNK);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException, InterruptedException {
      close();
    }
  }

  /** Payload bytes per second, as a secondary JMH result ({@code bytes}). */
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  @State(Scope.Thread)
  public static class Bytes {
    /** Payload bytes moved in this iteration (JMH reports it as a rate). */
    public long bytes;

    @Setup(Level.Iteration)
    public void reset() {
      bytes = 0;
    }
  }

  // ------------------------------------------------------------------ benchmarks

  /**
   * One message of {@code size} bytes to the server and its whole echo back.
   *
   * @param s the connection
   * @param counter payload bytes
   * @return the last byte received (consumed by JMH)
   * @throws IOException if the connection fails
   */
  @Benchmark
  public byte echo(Echo s, Bytes counter) throws IOException {
    SocketChannel ch = s.client;
    ByteBuffer out = s.out;
    out.clear();
    while (out.hasRemaining()) {
      ch.write(out);
    }
    ByteBuffer in = s.in;
    in.clear();
    while (in.hasRemaining()) {
      if (ch.read(in) < 0) {
        throw new EOFException("the server closed the connection");
      }
    }
    counter.bytes += s.size;
    return in.get(s.size - 1);
  }

  /**
   * One {@value #STREAM_CHUNK}-byte chunk to a server that only reads.
   *
   * @param s the connection
   * @param counter payload bytes
   * @return bytes written
   * @throws IOException if the connection fails
   */
  @Benchmark
  public int stream(Stream s, Bytes counter) throws IOException {
    SocketChannel ch = s.client;
    ByteBuffer out = s.out;
    out.clear();
    int n = 0;
    while (out.hasRemaining()) {
      n += ch.write(out);
    }
    counter.bytes += n;
    return n;
  }
}
