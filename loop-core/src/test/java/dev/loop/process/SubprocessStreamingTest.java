package dev.loop.process;

import static dev.loop.process.ProcessHarness.MIB;
import static dev.loop.process.ProcessHarness.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loop.LoopFuture;
import dev.loop.net.Transport;
import dev.loop.process.ProcessHarness.Recorder;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Volume through subprocess pipes: a byte-exact echo with write flow control, read flow control
 * against a fast producer, and many short processes at once, after which no pump thread and no file
 * descriptor is left behind.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SubprocessStreamingTest {

  /** The pump's read size: the most a paused protocol can be handed beyond its own limit. */
  static final int READ_CHUNK = 64 * 1024;

  ProcessHarness h;

  @BeforeEach
  void openHarness() throws Exception {
    h = new ProcessHarness();
  }

  @AfterEach
  void closeHarness() throws Exception {
    h.close();
  }

  /**
   * Writes {@code input} to stdin in chunks while the transport does not ask it to pause, then
   * closes stdin; digests stdout as it arrives.
   */
  static final class EchoChecker extends Recorder {
    final byte[] input;
    final int chunk;
    final MessageDigest digest;
    long received;
    int sent;
    boolean paused;
    volatile int pauses;
    volatile long maxBuffered;

    EchoChecker(ProcessHarness h, byte[] input, int chunk) throws Exception {
      super(h, false);
      this.input = input;
      this.chunk = chunk;
      this.digest = MessageDigest.getInstance("SHA-256");
    }

    @Override
    void onMade(SubprocessTransport t) {
      pump();
    }

    @Override
    void onPause() {
      paused = true;
      pauses++;
    }

    @Override
    void onResume() {
      paused = false;
      pump();
    }

    private void pump() {
      Transport stdin = t().getPipeTransport(0);
      while (!paused && sent < input.length) {
        int n = Math.min(chunk, input.length - sent);
        stdin.write(ByteBuffer.wrap(input, sent, n));
        sent += n;
        maxBuffered = Math.max(maxBuffered, stdin.getWriteBufferSize());
      }
      if (sent == input.length && !stdin.isClosing()) {
        stdin.close();
      }
    }

    @Override
    void onData(int fd, byte[] bytes) {
      if (fd == 1) {
        digest.update(bytes);
        received += bytes.length;
      }
    }
  }

  @Test
  void catEchoesEightMibOfRandomBytesExactlyWithFlowControlOnItsStdin() throws Exception {
    byte[] input = ProcessHarness.randomBytes(8 * MIB, 42);
    byte[] expected = MessageDigest.getInstance("SHA-256").digest(input);
    int chunk = 32 * 1024;

    Subprocess<EchoChecker> p = h.exec(List.of("cat"), ProcessOptions.defaults(),
        () -> {
          try {
            return new EchoChecker(h, input, chunk);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
    EchoChecker echo = p.protocol();

    assertThat(echo.awaitEnd()).isZero();
    long received = h.call(() -> echo.received);
    byte[] digest = h.call(() -> echo.digest.digest());
    assertThat(received).as("bytes echoed").isEqualTo(input.length);
    assertThat(digest).as("SHA-256 of what came back").isEqualTo(expected);
    assertThat(echo.pauses).as("the writer was paused by the stdin transport").isPositive();
    assertThat(echo.maxBuffered).as("stdin's buffer stayed near its high water mark")
        .isLessThanOrEqualTo(64 * 1024 + chunk);
    assertThat(await(echo.pipeLost.get(0))).as("stdin closed normally").isEmpty();
  }

  /**
   * Keeps what arrives "unconsumed" and pauses reading above {@code limit}; a callback scheduled
   * with callSoon consumes it later and resumes reading.
   */
  static final class SlowConsumer extends Recorder {
    final long limit;
    long held;
    long total;
    volatile long maxHeld;
    volatile int pauses;

    SlowConsumer(ProcessHarness h, long limit) {
      super(h, false);
      this.limit = limit;
    }

    @Override
    void onData(int fd, byte[] chunk) {
      Transport stdout = t().getPipeTransport(1);
      if (!stdout.isReading()) {
        violations.add("data while reading is paused");
      }
      held += chunk.length;
      total += chunk.length;
      maxHeld = Math.max(maxHeld, held);
      if (held > limit) {
        stdout.pauseReading();
        pauses++;
        h.loop.callSoon(() -> h.loop.callSoon(() -> {
          held = 0; // consumed, two iterations later
          stdout.resumeReading();
        }));
      }
    }
  }

  @Test
  void aFastProducerIsHeldBackByPauseReadingAndEveryByteArrives() throws Exception {
    long total = 100_000_000L;
    long limit = MIB;
    Subprocess<SlowConsumer> p = h.exec(List.of("head", "-c", Long.toString(total), "/dev/zero"),
        ProcessOptions.defaults(), () -> new SlowConsumer(h, limit));
    SlowConsumer consumer = p.protocol();

    assertThat(consumer.awaitEnd()).isZero();

    assertThat(h.call(() -> consumer.total)).as("bytes received").isEqualTo(total);
    assertThat(consumer.pauses).as("times reading was paused").isGreaterThan(10);
    assertThat(consumer.maxHeld).as("most bytes ever held unconsumed").isLessThanOrEqualTo(limit + READ_CHUNK);
  }

  @Test
  void fiftyShortProcessesAtOnceAllAnswerAndLeaveNoThreadOrDescriptorBehind() throws Exception {
    long unused = ProcessHarness.openFds();
    Assumptions.assumeTrue(unused >= 0, "no /proc/self/fd: descriptors cannot be counted");
    // Warm-up: the same code paths once, so lazily opened files (jars, jspawnhelper) are open
    // before the baseline.
    Subprocess<Recorder> warm = h.exec(List.of("echo", "warm"));
    assertThat(warm.protocol().awaitEnd()).isZero();
    await().atMost(Duration.ofSeconds(20)).until(ProcessHarness::pumpThreads, List::isEmpty);
    long baseline = ProcessHarness.openFds();

    List<LoopFuture<Subprocess<Recorder>>> starting = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      starting.add(h.loop.subprocessExec(() -> new Recorder(h), List.of("echo", "n" + i)));
    }
    for (int i = 0; i < 50; i++) {
      Recorder r = await(starting.get(i)).protocol();
      assertThat(r.awaitEnd()).isZero();
      assertThat(r.text(1)).isEqualTo("n" + i + "\n");
      assertThat(r.text(2)).isEmpty();
    }

    await().atMost(Duration.ofSeconds(20)).until(ProcessHarness::pumpThreads, List::isEmpty);
    // No slack: each process had three pipe descriptors here; all are closed once its transport ended.
    await().atMost(Duration.ofSeconds(20)).until(ProcessHarness::openFds, n -> n <= baseline);
  }
}
