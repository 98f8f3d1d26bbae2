package dev.loop.process;

import static dev.loop.process.ProcessHarness.MIB;
import static dev.loop.process.ProcessHarness.await;
import static dev.loop.process.ProcessHarness.failureOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.loop.net.Connection;
import dev.loop.net.Protocol;
import dev.loop.net.Transport;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * connectReadPipe and connectWritePipe: {@link Pipe} channels on the selector and blocking streams
 * on the pipe pump (asyncio's {@code test_unix_events.py} pipe cases, on real pipes).
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PipeTransportTest {

  ProcessHarness h;

  @BeforeEach
  void openHarness() throws Exception {
    h = new ProcessHarness();
  }

  @AfterEach
  void closeHarness() throws Exception {
    h.close();
    await().atMost(Duration.ofSeconds(20)).until(ProcessHarness::pumpThreads, List::isEmpty);
  }

  /**
   * Records what a pipe's protocol is told and checks the order: all on the loop thread, {@code
   * connectionMade} first, {@code eofReceived} at most once, {@code connectionLost} once and last.
   */
  static class PipeRecorder implements Protocol {
    final ProcessHarness h;
    volatile @Nullable Transport transport;
    final CompletableFuture<Void> eof = new CompletableFuture<>();
    final CompletableFuture<Optional<Throwable>> lost = new CompletableFuture<>();
    final AtomicInteger pauses = new AtomicInteger();
    final AtomicInteger resumes = new AtomicInteger();
    final List<String> events = Collections.synchronizedList(new ArrayList<>());
    final List<String> violations = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();

    PipeRecorder(ProcessHarness h) {
      this.h = h;
    }

    private void check(String event) {
      if (!h.loop.inEventLoop()) {
        violations.add(event + " off the loop thread");
      }
      if (!event.equals("made") && transport == null) {
        violations.add(event + " before connectionMade");
      }
      if (lost.isDone()) {
        violations.add(event + " after connectionLost");
      }
      synchronized (events) {
        if (!(event.equals("data") && !events.isEmpty() && events.get(events.size() - 1).equals("data"))) {
          events.add(event);
        }
      }
    }

    @Override
    public void connectionMade(Transport t) {
      check("made");
      transport = t;
      onMade(t);
    }

    @Override
    public void dataReceived(ByteBuffer data) {
      check("data");
      byte[] chunk = new byte[data.remaining()];
      data.get(chunk);
      synchronized (received) {
        received.writeBytes(chunk);
      }
    }

    @Override
    public boolean eofReceived() {
      check("eof");
      if (eof.isDone()) {
        violations.add("eofReceived twice");
      }
      eof.complete(null);
      return true; // ignored by pipes: they close anyway
    }

    @Override
    public void connectionLost(@Nullable Throwable cause) {
      check("lost");
      lost.complete(Optional.ofNullable(cause));
    }

    @Override
    public void pauseWriting() {
      check("pause");
      pauses.incrementAndGet();
      onPause();
    }

    @Override
    public void resumeWriting() {
      check("resume");
      resumes.incrementAndGet();
      onResume();
    }

    void onMade(Transport t) {}

    void onPause() {}

    void onResume() {}

    Transport t() {
      Transport t = transport;
      assertThat(t).isNotNull();
      return t;
    }

    byte[] received() {
      synchronized (received) {
        return received.toByteArray();
      }
    }

    void assertNoViolations() {
      assertThat(violations).as("protocol contract of " + events).isEmpty();
    }
  }

  /** Writes {@code data} in chunks while not paused, then writeEof(). */
  static final class Sender extends PipeRecorder {
    final byte[] data;
    final int chunk;
    int sent;
    boolean paused;
    final AtomicLong maxBuffered = new AtomicLong();

    Sender(ProcessHarness h, byte[] data, int chunk) {
      super(h);
      this.data = data;
      this.chunk = chunk;
    }

    @Override
    void onPause() {
      paused = true;
    }

    @Override
    void onResume() {
      paused = false;
      pump();
    }

    void pump() {
      Transport t = t();
      while (!paused && sent < data.length) {
        int n = Math.min(chunk, data.length - sent);
        t.write(ByteBuffer.wrap(data, sent, n));
        sent += n;
        maxBuffered.accumulateAndGet(t.getWriteBufferSize(), Math::max);
      }
      if (sent == data.length && !t.isClosing()) {
        t.writeEof();
      }
    }
  }

  private static void assertSameBytes(byte[] actual, byte[] expected) {
    assertThat(actual.length).as("byte count").isEqualTo(expected.length);
    assertThat(Arrays.mismatch(actual, expected)).as("index of the first differing byte").isEqualTo(-1);
  }

  // ------------------------------------------------------------------------------------------
  // Pipe channels on the selector
  // ------------------------------------------------------------------------------------------

  @Test
  void fourMibGoThroughAPipeOfTheSameLoopExactlyWithThePausesAndEof() throws Exception {
    byte[] data = ProcessHarness.randomBytes(4 * MIB, 7);
    Pipe pipe = Pipe.open();
    PipeRecorder reader = new PipeRecorder(h);
    Sender sender = new Sender(h, data, 256 * 1024);

    Connection<PipeRecorder> in = await(h.loop.connectReadPipe(() -> reader, pipe.source()));
    Connection<Sender> out = await(h.loop.connectWritePipe(() -> sender, pipe.sink()));
    h.run(sender::pump);

    assertThat(await(reader.lost)).as("the reader's end: EOF, then a normal close").isEmpty();
    assertThat(await(sender.lost)).isEmpty();
    assertSameBytes(reader.received(), data);
    assertThat(reader.events).containsExactly("made", "data", "eof", "lost");
    assertThat(sender.pauses.get()).as("pauses of the writer").isPositive();
    assertThat(sender.resumes.get()).as("resumes, one per pause").isEqualTo(sender.pauses.get());
    assertThat(in.transport().getExtraInfo("pipe")).isSameAs(pipe.source());
    assertThat(out.transport().getExtraInfo("pipe")).isSameAs(pipe.sink());
    // The channels close right after connectionLost returned, in the same loop callback.
    assertThat(h.call(() -> pipe.source().isOpen())).as("the transport closed its channel").isFalse();
    assertThat(h.call(() -> pipe.sink().isOpen())).isFalse();
    reader.assertNoViolations();
    sender.assertNoViolations();
  }

  @Test
  void aPausedReadPipeStopsReadingSoItsWriterPausesUntilItResumes() throws Exception {
    Pipe pipe = Pipe.open();
    PipeRecorder reader = new PipeRecorder(h) {
      @Override
      void onMade(Transport t) {
        t.pauseReading();
      }
    };
    Sender sender = new Sender(h, new byte[MIB], 64 * 1024);
    await(h.loop.connectReadPipe(() -> reader, pipe.source()));
    await(h.loop.connectWritePipe(() -> sender, pipe.sink()));

    h.run(sender::pump);
    for (int i = 0; i < 5; i++) {
      h.run(() -> { }); // a few loop iterations: nothing may be read meanwhile
    }
    assertThat(h.call(() -> sender.sent)).as("bytes the paused writer wrote").isLessThan(MIB);
    assertThat(h.call(() -> reader.t().isReading())).isFalse();
    assertThat(reader.received()).as("nothing read while paused").isEmpty();

    h.run(() -> reader.t().resumeReading());

    assertThat(await(reader.lost)).isEmpty();
    assertThat(reader.received()).hasSize(MIB);
    reader.assertNoViolations();
    sender.assertNoViolations();
  }

  @Test
  void writingToAPipeWhoseReaderClosedLosesTheConnectionWithAnIoExceptionAndDropsLaterWrites() throws Exception {
    Pipe pipe = Pipe.open();
    pipe.source().close();
    PipeRecorder writer = new PipeRecorder(h);
    Connection<PipeRecorder> out = await(h.loop.connectWritePipe(() -> writer, pipe.sink()));

    h.run(() -> out.transport().write(ByteBuffer.wrap(new byte[100])));

    Optional<Throwable> cause = await(writer.lost);
    assertThat(cause).isPresent();
    assertThat(cause.get()).isInstanceOf(IOException.class);
    h.run(() -> {
      assertThat(out.transport().isClosing()).isTrue();
      for (int i = 0; i < 10; i++) {
        out.transport().write(ByteBuffer.wrap(new byte[10])); // dropped, no exception
      }
      assertThat(out.transport().getWriteBufferSize()).isZero();
    });
    writer.assertNoViolations();
  }

  @Test
  void abortDropsWhatIsBufferedAndCloseOfAReadPipeClosesAtOnce() throws Exception {
    Pipe pipe = Pipe.open();
    PipeRecorder writer = new PipeRecorder(h);
    PipeRecorder reader = new PipeRecorder(h) {
      @Override
      void onMade(Transport t) {
        t.pauseReading();
      }
    };
    Connection<PipeRecorder> in = await(h.loop.connectReadPipe(() -> reader, pipe.source()));
    Connection<PipeRecorder> out = await(h.loop.connectWritePipe(() -> writer, pipe.sink()));

    long buffered = h.call(() -> {
      out.transport().write(ByteBuffer.wrap(new byte[MIB]));
      return out.transport().getWriteBufferSize();
    });
    assertThat(buffered).as("what the full pipe did not take").isPositive();
    assertThat(writer.pauses.get()).isEqualTo(1);
    h.run(() -> {
      out.transport().abort();
      assertThat(out.transport().getWriteBufferSize()).isZero();
      in.transport().close();
      assertThat(in.transport().isClosing()).isTrue();
    });

    assertThat(await(writer.lost)).isEmpty();
    assertThat(await(reader.lost)).isEmpty();
    assertThat(reader.events).containsExactly("made", "lost");
    reader.assertNoViolations();
    writer.assertNoViolations();
  }

  @Test
  void readAndWritePipesRefuseTheOtherDirection() throws Exception {
    Pipe pipe = Pipe.open();
    Connection<PipeRecorder> in = await(h.loop.connectReadPipe(() -> new PipeRecorder(h), pipe.source()));
    Connection<PipeRecorder> out = await(h.loop.connectWritePipe(() -> new PipeRecorder(h), pipe.sink()));

    h.run(() -> {
      assertThatThrownBy(() -> in.transport().write(ByteBuffer.allocate(1)))
          .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("read pipe");
      assertThatThrownBy(() -> in.transport().writeEof()).isInstanceOf(UnsupportedOperationException.class);
      assertThatThrownBy(() -> in.transport().setWriteBufferLimits(10, 1))
          .isInstanceOf(UnsupportedOperationException.class);
      assertThat(in.transport().canWriteEof()).isFalse();
      assertThatThrownBy(() -> out.transport().pauseReading())
          .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("write pipe");
      assertThatThrownBy(() -> out.transport().resumeReading()).isInstanceOf(UnsupportedOperationException.class);
      assertThat(out.transport().isReading()).isFalse();
      assertThatThrownBy(() -> out.transport().setWriteBufferLimits(1, 10))
          .isInstanceOf(IllegalArgumentException.class);
      out.transport().setWriteBufferLimits(1000, 10);
      assertThat(out.transport().getWriteBufferHigh()).isEqualTo(1000);
      assertThat(out.transport().getWriteBufferLow()).isEqualTo(10);
      in.transport().close();
      out.transport().close();
    });
  }

  @Test
  void aProtocolFactoryThatThrowsFailsTheFutureAndClosesThePipe() throws Exception {
    Pipe pipe = Pipe.open();

    Throwable failure = failureOf(h.loop.connectReadPipe(() -> {
      throw new IllegalStateException("no protocol");
    }, pipe.source()));

    assertThat(failure).hasMessage("no protocol");
    assertThat(pipe.source().isOpen()).isFalse();
    pipe.sink().close();
  }

  // ------------------------------------------------------------------------------------------
  // Blocking streams on the pipe pump
  // ------------------------------------------------------------------------------------------

  @Test
  void anInputStreamIsReadToItsEndThenEofAndCloseAndItsThreadEnds() throws Exception {
    byte[] data = ProcessHarness.randomBytes(300_000, 3);
    PipeRecorder reader = new PipeRecorder(h);

    Connection<PipeRecorder> in = await(h.loop.connectReadPipe(() -> reader, new ByteArrayInputStream(data)));

    assertThat(await(reader.lost)).isEmpty();
    assertSameBytes(reader.received(), data);
    assertThat(reader.events).containsExactly("made", "data", "eof", "lost");
    assertThat(in.transport().getExtraInfo("pipe")).isInstanceOf(ByteArrayInputStream.class);
    await().atMost(Duration.ofSeconds(20)).until(ProcessHarness::pumpThreads, List::isEmpty);
    reader.assertNoViolations();
  }

  @Test
  void theStreamsOfAJdkProcessCarryOneMibThroughThePumpBothWays() throws Exception {
    byte[] data = ProcessHarness.randomBytes(MIB, 11);
    Process cat = new ProcessBuilder("cat").redirectError(ProcessBuilder.Redirect.DISCARD).start();
    PipeRecorder reader = new PipeRecorder(h);
    Sender sender = new Sender(h, data, 100_000);

    await(h.loop.connectReadPipe(() -> reader, cat.getInputStream()));
    await(h.loop.connectWritePipe(() -> sender, cat.getOutputStream()));
    h.run(sender::pump);

    assertThat(await(sender.lost)).as("stdin closed after the last byte").isEmpty();
    assertThat(await(reader.lost)).as("stdout: EOF once cat saw its input end").isEmpty();
    assertSameBytes(reader.received(), data);
    assertThat(reader.events).containsExactly("made", "data", "eof", "lost");
    assertThat(sender.pauses.get()).as("the writer was paused while the pump wrote").isPositive();
    assertThat(sender.maxBuffered.get()).isLessThanOrEqualTo(64 * 1024 + 100_000);
    assertThat(cat.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(cat.exitValue()).isZero();
    reader.assertNoViolations();
    sender.assertNoViolations();
  }

  @Test
  void aPipedInputStreamIsReadByThePumpWhileItsWriterWrites() throws Exception {
    byte[] data = ProcessHarness.randomBytes(200_000, 5);
    PipedInputStream pin = new PipedInputStream(16 * 1024);
    PipedOutputStream pout = new PipedOutputStream(pin);
    PipeRecorder reader = new PipeRecorder(h);
    await(h.loop.connectReadPipe(() -> reader, pin));

    // A PipedInputStream counts the pipe as broken once the thread that last wrote has ended, so
    // its writer must be one thread that outlives its writes: this one closes before it ends.
    Thread writer = new Thread(() -> {
      try (pout) {
        for (int off = 0; off < data.length; off += 1000) {
          pout.write(data, off, Math.min(1000, data.length - off));
        }
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, "piped-writer");
    writer.start();

    assertThat(await(reader.lost)).isEmpty();
    writer.join(20_000);
    assertSameBytes(reader.received(), data);
    assertThat(reader.events).containsExactly("made", "data", "eof", "lost");
    reader.assertNoViolations();
  }

  @Test
  void closingAReadStreamTransportEndsItsThreadBlockedInAnInterruptibleRead() throws Exception {
    PipedInputStream pin = new PipedInputStream();
    PipedOutputStream pout = new PipedOutputStream(pin); // nobody writes
    PipeRecorder reader = new PipeRecorder(h);
    Connection<PipeRecorder> in = await(h.loop.connectReadPipe(() -> reader, pin));
    await().atMost(Duration.ofSeconds(20)).until(ProcessHarness::pumpThreads, threads -> threads.size() == 1);

    h.run(() -> in.transport().close());

    assertThat(await(reader.lost)).isEmpty();
    await().atMost(Duration.ofSeconds(20)).until(ProcessHarness::pumpThreads, List::isEmpty);
    assertThat(reader.events).containsExactly("made", "lost");
    pout.close();
    reader.assertNoViolations();
  }

  @Test
  void anOutputStreamThatFailsLosesTheConnectionWithItsErrorAndLaterWritesAreDropped() throws Exception {
    OutputStream failing = new OutputStream() {
      int written;

      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        if (written + len > 1000) {
          throw new IOException("Broken pipe");
        }
        written += len;
      }
    };
    PipeRecorder writer = new PipeRecorder(h);
    Connection<PipeRecorder> out = await(h.loop.connectWritePipe(() -> writer, failing));

    h.run(() -> {
      out.transport().write(ByteBuffer.wrap(new byte[500]));
      out.transport().write(ByteBuffer.wrap(new byte[20_000]));
    });

    Optional<Throwable> cause = await(writer.lost);
    assertThat(cause).isPresent();
    assertThat(cause.get()).isInstanceOf(IOException.class).hasMessage("Broken pipe");
    h.run(() -> {
      for (int i = 0; i < 10; i++) {
        out.transport().write(ByteBuffer.wrap("dropped".getBytes(StandardCharsets.UTF_8)));
      }
      assertThat(out.transport().getWriteBufferSize()).isZero();
    });
    await().atMost(Duration.ofSeconds(20)).until(ProcessHarness::pumpThreads, List::isEmpty);
    writer.assertNoViolations();
  }

  @Test
  void aWriteStreamHasNoThreadWhileNothingIsPending() throws Exception {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    PipeRecorder writer = new PipeRecorder(h);
    Connection<PipeRecorder> out = await(h.loop.connectWritePipe(() -> writer, sink));
    assertThat(ProcessHarness.pumpThreads()).as("threads before any write").isEmpty();

    h.run(() -> out.transport().write(ByteBuffer.wrap("hello".getBytes(StandardCharsets.UTF_8))));
    await().atMost(Duration.ofSeconds(20)).until(ProcessHarness::pumpThreads, List::isEmpty);
    assertThat(h.call(() -> out.transport().getWriteBufferSize())).isZero();
    h.run(() -> out.transport().close());

    assertThat(await(writer.lost)).isEmpty();
    assertThat(sink.toString(StandardCharsets.UTF_8)).isEqualTo("hello");
    writer.assertNoViolations();
  }
}
