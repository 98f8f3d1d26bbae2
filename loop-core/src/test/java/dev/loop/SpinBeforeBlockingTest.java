package dev.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The spin before blocking: a setting with bad input refused, and, whatever the budget (off, the
 * default, or one far longer than the test), work from other threads, I/O, timers and stop() are
 * all still seen while the loop spins.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SpinBeforeBlockingTest {

  private EventLoop loop;

  @BeforeEach
  void newLoop() {
    loop = Loops.newEventLoop();
  }

  @AfterEach
  void closeLoop() {
    if (!loop.isRunning()) {
      loop.close();
    }
  }

  @Test
  void spinBeforeBlockingIsFiftyMicrosecondsUnlessSet() {
    assertThat(loop.spinBeforeBlocking()).isEqualTo(Duration.ofNanos(50_000));

    loop.setSpinBeforeBlocking(Duration.ZERO);
    assertThat(loop.spinBeforeBlocking()).isEqualTo(Duration.ZERO);

    loop.setSpinBeforeBlocking(Duration.ofMillis(2));
    assertThat(loop.spinBeforeBlocking()).isEqualTo(Duration.ofMillis(2));
  }

  @Test
  void setSpinBeforeBlockingRefusesNullAndNegativeAndKeepsTheOldBudget() {
    loop.setSpinBeforeBlocking(Duration.ofMillis(1));

    assertThatThrownBy(() -> loop.setSpinBeforeBlocking(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("budget");
    assertThatThrownBy(() -> loop.setSpinBeforeBlocking(Duration.ofNanos(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("spinBeforeBlocking")
        .hasMessageContaining("PT-0.000000001S");

    assertThat(loop.spinBeforeBlocking()).isEqualTo(Duration.ofMillis(1));
    LoopFuture<String> future = loop.createFuture();
    loop.callSoon(() -> future.setResult("still usable"));
    assertThat(loop.runUntilComplete(future)).isEqualTo("still usable");
  }

  /** One round of a ping-pong played by another thread: true if the loop answered within 5 s. */
  private interface Round {
    boolean play() throws Exception;
  }

  /**
   * Another thread plays {@code rounds} rounds against the running loop, stopping at the first
   * unanswered one; the loop goes idle (and spins, or not) between rounds, so anything missed
   * while spinning shows as a round that is never answered.
   */
  private int playAgainstTheLoop(int rounds, Round round) throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    loop.callSoon(running::countDown);
    CompletableFuture<Integer> done = new CompletableFuture<>();
    Thread player = new Thread(() -> {
      try {
        running.await();
        int i = 0;
        while (i < rounds && round.play()) {
          i++;
        }
        done.complete(i);
      } catch (Throwable t) {
        done.completeExceptionally(t);
      }
      loop.callSoonThreadsafe(loop::stop);
    }, "player");
    player.setDaemon(true);
    player.start();

    loop.runForever();

    return done.get(30, TimeUnit.SECONDS);
  }

  @ParameterizedTest(name = "budget {0} µs")
  @ValueSource(longs = {0, 50, 10_000_000})
  void callbacksFromAnotherThreadRunWhateverTheSpinBudget(long micros) throws Exception {
    loop.setSpinBeforeBlocking(Duration.ofNanos(micros * 1_000));
    Semaphore pong = new Semaphore(0);

    int answered = playAgainstTheLoop(5_000, () -> {
      loop.callSoonThreadsafe(pong::release);
      return pong.tryAcquire(5, TimeUnit.SECONDS);
    });

    assertThat(answered).isEqualTo(5_000);
  }

  @ParameterizedTest(name = "budget {0} µs")
  @ValueSource(longs = {0, 50, 10_000_000})
  void readinessSeenWhileSpinningRunsTheReaderWhateverTheSpinBudget(long micros) throws Exception {
    loop.setSpinBeforeBlocking(Duration.ofNanos(micros * 1_000));
    Pipe pipe = Pipe.open();
    try (Pipe.SourceChannel source = pipe.source(); Pipe.SinkChannel sink = pipe.sink()) {
      source.configureBlocking(false);
      Semaphore pong = new Semaphore(0);
      ByteBuffer in = ByteBuffer.allocate(16);
      loop.addReader(source, () -> {
        in.clear();
        try {
          pong.release(Math.max(source.read(in), 0));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });

      int answered = playAgainstTheLoop(2_000, () -> {
        sink.write(ByteBuffer.wrap(new byte[] {1}));
        return pong.tryAcquire(5, TimeUnit.SECONDS);
      });

      assertThat(answered).isEqualTo(2_000);
    }
  }

  @Test
  void aTimerDueDuringALongSpinFires() {
    // An hour: a spin that ignored the timer's deadline would outlast the test's timeout.
    loop.setSpinBeforeBlocking(Duration.ofHours(1));
    CompletableFuture<String> fired = new CompletableFuture<>();
    loop.callSoon(() -> loop.callLater(Duration.ofMillis(5), () -> fired.complete("fired")));

    loop.callLater(Duration.ofMillis(20), loop::stop);
    loop.runForever();

    assertThat(fired).isCompletedWithValue("fired");
  }

  @Test
  void stopFromAnotherThreadEndsALongSpin() throws Exception {
    loop.setSpinBeforeBlocking(Duration.ofSeconds(10));
    for (int i = 0; i < 200; i++) {
      CountDownLatch running = new CountDownLatch(1);
      loop.callSoon(running::countDown);
      Thread stopper = new Thread(() -> {
        try {
          running.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        loop.stop();
      }, "stopper-" + i);
      stopper.setDaemon(true);
      stopper.start();

      loop.runForever(); // a stop missed by the spin would block here until the class timeout

      stopper.join();
      assertThat(loop.isRunning()).isFalse();
    }
  }
}
