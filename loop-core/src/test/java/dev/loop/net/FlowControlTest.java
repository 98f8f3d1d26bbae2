package dev.loop.net;

import static dev.loop.net.StreamTransportTest.MIB;
import static dev.loop.net.StreamTransportTest.assertSameBytes;
import static dev.loop.net.StreamTransportTest.await;
import static dev.loop.net.StreamTransportTest.chain;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loop.ExceptionContext;
import dev.loop.Server;
import dev.loop.net.StreamTransportTest.Endpoints;
import dev.loop.net.StreamTransportTest.Harness;
import dev.loop.net.StreamTransportTest.PausedReader;
import dev.loop.net.StreamTransportTest.Recorder;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Write-side flow control: water marks, {@code pauseWriting}/{@code resumeWriting}, and a bounded
 * write buffer under a fast writer and a slow reader (CPython's {@code test_selector_events.py}
 * flow-control cases, on real sockets).
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FlowControlTest {

  static final int DEFAULT_HIGH = 64 * 1024;
  static final int DEFAULT_LOW = 16 * 1024;

  /** The pattern byte at {@code index} of a produced stream. */
  static byte patternAt(long index) {
    return (byte) (index % 251);
  }

  static byte[] pattern(int size) {
    byte[] bytes = new byte[size];
    for (int i = 0; i < size; i++) {
      bytes[i] = patternAt(i);
    }
    return bytes;
  }

  /**
   * Writes {@code total} bytes in chunks of {@code chunk}, only while the transport has not asked
   * it to pause, and records the largest write buffer it saw after a write.
   */
  static final class Producer extends Recorder {
    final int total;
    final int chunk;
    volatile long sent;
    volatile long maxBuffered;
    volatile long sentWhenFirstPaused = -1;
    private boolean paused;

    Producer(Harness h, int total, int chunk) {
      super(h);
      this.total = total;
      this.chunk = chunk;
    }

    @Override
    void onMade(Transport t) {
      pump();
    }

    @Override
    void onPause() {
      paused = true;
      if (sentWhenFirstPaused < 0) {
        sentWhenFirstPaused = sent;
      }
    }

    @Override
    void onResume() {
      paused = false;
      pump();
    }

    private void pump() {
      Transport t = t();
      while (!paused && sent < total) {
        int n = (int) Math.min(chunk, total - sent);
        byte[] bytes = new byte[n];
        for (int i = 0; i < n; i++) {
          bytes[i] = patternAt(sent + i);
        }
        sent += n;
        t.write(ByteBuffer.wrap(bytes));
        maxBuffered = Math.max(maxBuffered, t.getWriteBufferSize());
      }
    }
  }

  /** The flow-control cases, over whatever {@link #endpoints()} makes. */
  abstract static class Scenarios {
    Harness h;

    abstract Endpoints endpoints();

    @BeforeEach
    void openHarness() throws Exception {
      h = new Harness();
    }

    @AfterEach
    void closeHarness() throws Exception {
      h.close();
    }

    Server pausedServer() throws Exception {
      return h.listen(endpoints(), () -> h.accept(new PausedReader(h)));
    }

    @Test
    void aSlowReaderPausesTheWriterAndKeepsItsBufferBoundedUntilItResumes() throws Exception {
      int total = 8 * MIB;
      int chunk = 64 * 1024;
      Server server = pausedServer();
      Producer producer = h.connect(endpoints(), () -> new Producer(h, total, chunk), server).protocol();
      PausedReader reader = h.nextAccepted();

      await(producer.firstPause);
      int[] limits = h.call(() -> new int[] {producer.t().getWriteBufferHigh(), producer.t().getWriteBufferLow()});
      h.iterations(10);
      long sentWhilePaused = h.call(() -> producer.sent);

      assertThat(limits).as("default water marks (high, low)").containsExactly(DEFAULT_HIGH, DEFAULT_LOW);
      assertThat(producer.sentWhenFirstPaused).as("bytes written when the first pause came").isLessThan(total);
      assertThat(sentWhilePaused).as("a paused producer writes no more").isEqualTo(producer.sentWhenFirstPaused);
      assertThat(producer.resumeCount).as("resumes while the reader is paused").hasValue(0);

      h.run(() -> reader.t().resumeReading());

      assertSameBytes(await(reader.whenReceived(total)), pattern(total));
      await(producer.firstResume);
      assertThat(h.call(() -> producer.t().getWriteBufferSize())).as("buffer once all was read").isZero();
      assertThat(producer.maxBuffered).as("largest write buffer seen after a write")
          .isLessThanOrEqualTo(DEFAULT_HIGH + chunk);
      assertThat(producer.pauseCount.get()).as("pauses").isEqualTo(producer.resumeCount.get());
      List<String> flow = producer.flowEvents();
      for (int i = 0; i < flow.size(); i++) {
        assertThat(flow.get(i)).as("flow event %d of %s", i, flow).isEqualTo(i % 2 == 0 ? "pause" : "resume");
      }
    }

    @Test
    void pauseWritingComesOnceWhenTheBufferCrossesTheHighMarkAndResumeOnceWhenItDrains() throws Exception {
      Server server = pausedServer();
      Recorder writer = h.connect(endpoints(), () -> new Recorder(h), server).protocol();
      PausedReader reader = h.nextAccepted();
      int chunk = 256 * 1024;
      int chunks = 32;

      long buffered = h.call(() -> {
        for (int i = 0; i < chunks; i++) {
          writer.t().write(ByteBuffer.wrap(new byte[chunk]));
        }
        return writer.t().getWriteBufferSize();
      });

      assertThat(buffered).as("bytes buffered").isGreaterThan(DEFAULT_HIGH);
      assertThat(writer.pauseCount).as("pauseWriting calls").hasValue(1);
      assertThat(writer.resumeCount).as("resumeWriting calls").hasValue(0);

      h.run(() -> reader.t().resumeReading());
      await(reader.whenReceived(chunk * chunks));
      await(writer.firstResume);
      h.iterations(5);

      assertThat(writer.pauseCount).as("pauseWriting calls").hasValue(1);
      assertThat(writer.resumeCount).as("resumeWriting calls").hasValue(1);
      assertThat(writer.flowEvents()).containsExactly("pause", "resume");
    }

    @Test
    void loweringTheLimitsBelowWhatIsBufferedPausesAtOnce() throws Exception {
      Server server = pausedServer();
      Recorder writer = h.connect(endpoints(), () -> new Recorder(h), server).protocol();
      PausedReader reader = h.nextAccepted();
      int size = 16 * MIB; // more than loopback's kernel buffers take at once

      long[] state = h.call(() -> {
        Transport t = writer.t();
        t.setWriteBufferLimits(64 * MIB, 32 * MIB);
        t.write(ByteBuffer.wrap(new byte[size]));
        long pausesBefore = writer.pauseCount.get();
        long buffered = t.getWriteBufferSize();
        t.setWriteBufferLimits(1024, 512);
        return new long[] {pausesBefore, buffered, writer.pauseCount.get()};
      });

      assertThat(state[0]).as("pauses under a 64 MiB high mark").isZero();
      assertThat(state[1]).as("bytes buffered").isGreaterThan(1024);
      assertThat(state[2]).as("pauses right after lowering the high mark to 1 KiB").isEqualTo(1);

      h.run(() -> reader.t().resumeReading());
      await(reader.whenReceived(size));
      await(writer.firstResume);
      assertThat(writer.flowEvents()).containsExactly("pause", "resume");
    }

    @Test
    void setWriteBufferLimitsRejectsNegativeAndInvertedMarksAndKeepsTheOldOnes() throws Exception {
      Server server = h.listen(endpoints(), () -> new Recorder(h));
      Transport t = h.connect(endpoints(), () -> new Recorder(h), server).transport();

      List<Throwable> failures = h.call(() -> {
        List<Throwable> out = new ArrayList<>();
        for (int[] limits : new int[][] {{-1, 0}, {100, -5}, {-3, -4}, {10, 11}}) {
          try {
            t.setWriteBufferLimits(limits[0], limits[1]);
            out.add(null);
          } catch (Throwable e) {
            out.add(e);
          }
        }
        return out;
      });
      int[] afterBadCalls = h.call(() -> new int[] {t.getWriteBufferHigh(), t.getWriteBufferLow()});

      assertThat(failures).hasSize(4).allSatisfy(e -> assertThat(e).isInstanceOf(IllegalArgumentException.class));
      assertThat(failures.get(0)).hasMessageContaining("-1");
      assertThat(failures.get(1)).hasMessageContaining("-5");
      assertThat(failures.get(3)).hasMessageContaining("10").hasMessageContaining("11");
      assertThat(afterBadCalls).as("limits after rejected calls").containsExactly(DEFAULT_HIGH, DEFAULT_LOW);

      int[] set = h.call(() -> {
        t.setWriteBufferLimits(100, 10);
        int high = t.getWriteBufferHigh();
        int low = t.getWriteBufferLow();
        t.setWriteBufferLimits(0, 0);
        return new int[] {high, low, t.getWriteBufferHigh(), t.getWriteBufferLow()};
      });
      assertThat(set).containsExactly(100, 10, 0, 0);
    }

    @Test
    void aPauseWritingThatThrowsGoesToTheExceptionHandlerAndTheLoopGoesOn() throws Exception {
      h.errorsExpected = true;
      RuntimeException oops = new IllegalStateException("pauseWriting failed on purpose");
      Server server = pausedServer();
      Recorder writer = h.connect(endpoints(), () -> new Recorder(h) {
        @Override
        void onPause() {
          throw oops;
        }
      }, server).protocol();
      h.nextAccepted();

      // The kernel may take a few MiB at once on loopback: write until the transport pauses (bounded).
      int written = h.call(() -> {
        int n = 0;
        while (writer.pauseCount.get() == 0 && n < 64) {
          writer.t().write(ByteBuffer.wrap(new byte[MIB]));
          n++;
        }
        return n;
      });
      h.iterations(3);

      assertThat(writer.pauseCount).as("pauseWriting calls after %d MiB", written).hasValue(1);

      List<ExceptionContext> errors = h.drainErrors();
      assertThat(errors).as("exception handler calls").hasSize(1);
      assertThat(chain(errors.get(0).exception())).contains(oops);
      assertThat(h.call(() -> "the loop still runs")).isEqualTo("the loop still runs");
    }
  }

  /** Flow control over TCP on 127.0.0.1. */
  @Nested
  class OverTcp extends Scenarios {
    @Override
    Endpoints endpoints() {
      return StreamTransportTest.tcp();
    }
  }

  /** Flow control over Unix-domain sockets. */
  @Nested
  class OverUnixSockets extends Scenarios {
    @TempDir Path dir;

    @Override
    Endpoints endpoints() {
      return StreamTransportTest.unix(() -> dir);
    }
  }
}
