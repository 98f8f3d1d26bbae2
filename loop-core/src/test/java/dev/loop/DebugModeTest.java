package dev.loop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debug mode: asyncio's {@code set_debug}, handle creation sites ({@code _source_traceback}) and
 * slow-callback reports, here as the JFR event {@code dev.loop.SlowCallback}.
 */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DebugModeTest {

  private static final String SLOW_EVENT = "dev.loop.SlowCallback";
  private static final String THIS_CLASS = "DebugModeTest";

  private EventLoop loop;

  @TempDir Path tempDir;

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

  /**
   * A callback whose class and {@code toString} say nothing about this test class, so that the
   * only way a handle's {@code toString} can mention it is through the recorded creation site.
   */
  private static Runnable anonymousCallback() {
    return (Runnable)
        Proxy.newProxyInstance(
            Runnable.class.getClassLoader(),
            new Class<?>[] {Runnable.class},
            (proxy, method, args) ->
                switch (method.getName()) {
                  case "toString" -> "proxiedCallback";
                  case "hashCode" -> System.identityHashCode(proxy);
                  case "equals" -> proxy == args[0];
                  default -> null;
                });
  }

  @Test
  void debugModeIsOffByDefaultAndCanBeToggled() {
    assertThat(loop.isDebug()).isFalse();

    loop.setDebug(true);
    assertThat(loop.isDebug()).isTrue();

    loop.setDebug(false);
    assertThat(loop.isDebug()).isFalse();
  }

  @Test
  void slowCallbackDurationIsAHundredMillisecondsUnlessSet() {
    assertThat(loop.slowCallbackDuration()).isEqualTo(Duration.ofMillis(100));

    loop.setSlowCallbackDuration(Duration.ofMillis(5));
    assertThat(loop.slowCallbackDuration()).isEqualTo(Duration.ofMillis(5));

    loop.setSlowCallbackDuration(Duration.ZERO);
    assertThat(loop.slowCallbackDuration()).isEqualTo(Duration.ZERO);
  }

  @Test
  void proxiedCallbackDoesNotMentionThisTestClassByItself() {
    Runnable callback = anonymousCallback();

    assertThat(callback.toString()).doesNotContain(THIS_CLASS);
    assertThat(callback.getClass().getName()).doesNotContain(THIS_CLASS);
  }

  @Test
  void handleMadeInDebugModeNamesWhereItWasCreated() {
    loop.setDebug(true);

    Handle handle = loop.callSoon(anonymousCallback());

    assertThat(handle.toString()).contains("proxiedCallback").contains(THIS_CLASS);
  }

  @Test
  void timerHandleMadeInDebugModeNamesWhereItWasCreated() {
    loop.setDebug(true);

    TimerHandle timer = loop.callLater(Duration.ofHours(1), anonymousCallback());
    TimerHandle at = loop.callAt(loop.time() + 1, anonymousCallback());

    assertThat(timer.toString()).contains(THIS_CLASS);
    assertThat(at.toString()).contains(THIS_CLASS);
  }

  @Test
  void threadsafeHandleMadeOnAnotherThreadInDebugModeNamesWhereItWasCreated() throws Exception {
    loop.setDebug(true);

    Handle handle =
        CompletableFuture.supplyAsync(() -> loop.callSoonThreadsafe(anonymousCallback()))
            .get(5, TimeUnit.SECONDS);

    assertThat(handle.toString()).contains(THIS_CLASS);
  }

  @Test
  void handleMadeOutsideDebugModeDoesNotRecordWhereItWasCreated() {
    Handle handle = loop.callSoon(anonymousCallback());

    assertThat(handle.toString()).contains("proxiedCallback").doesNotContain(THIS_CLASS);
  }

  @Test
  void handleMadeBeforeDebugModeWasTurnedOnHasNoCreationSite() {
    Handle before = loop.callSoon(anonymousCallback());
    loop.setDebug(true);
    Handle after = loop.callSoon(anonymousCallback());

    assertThat(before.toString()).doesNotContain(THIS_CLASS);
    assertThat(after.toString()).contains(THIS_CLASS);
  }

  @Test
  void slowCallbackInDebugModeEmitsASlowCallbackJfrEvent() throws Exception {
    loop.setDebug(true);
    loop.setSlowCallbackDuration(Duration.ofMillis(1));
    List<RecordedEvent> events;
    try (Recording recording = new Recording()) {
      recording.enable(SLOW_EVENT).withoutThreshold();
      recording.start();

      loop.callSoon(new SlowSpinner(Duration.ofMillis(20)));
      loop.callSoon(loop::stop);
      loop.runForever();

      recording.stop();
      events = events(recording, SLOW_EVENT);
    }

    // other callbacks may be slow too (class loading, GC): only the spinner's event is checked
    List<RecordedEvent> spinner = aboutSpinner(events);
    assertThat(spinner).as("SlowCallback events naming SlowSpinner in %s", events).hasSize(1);
    assertThat(spinner.get(0).getLong("durationNanos"))
        .isGreaterThanOrEqualTo(Duration.ofMillis(20).toNanos());
  }

  @Test
  void slowTimerCallbackInDebugModeEmitsASlowCallbackJfrEvent() throws Exception {
    loop.setDebug(true);
    loop.setSlowCallbackDuration(Duration.ofMillis(1));
    List<RecordedEvent> events;
    try (Recording recording = new Recording()) {
      recording.enable(SLOW_EVENT).withoutThreshold();
      recording.start();

      loop.callLater(Duration.ofMillis(1), new SlowSpinner(Duration.ofMillis(20)));
      loop.callLater(Duration.ofMillis(2), loop::stop);
      loop.runForever();

      recording.stop();
      events = events(recording, SLOW_EVENT);
    }

    assertThat(aboutSpinner(events))
        .as("SlowCallback events naming SlowSpinner in %s", events)
        .hasSize(1);
  }

  @Test
  void callbackFasterThanTheThresholdEmitsNoSlowCallbackEvent() throws Exception {
    loop.setDebug(true);
    loop.setSlowCallbackDuration(Duration.ofSeconds(5));
    List<RecordedEvent> events;
    try (Recording recording = new Recording()) {
      recording.enable(SLOW_EVENT).withoutThreshold();
      recording.start();

      for (int i = 0; i < 100; i++) {
        loop.callSoon(() -> {});
      }
      loop.callSoon(loop::stop);
      loop.runForever();

      recording.stop();
      events = events(recording, SLOW_EVENT);
    }

    assertThat(events).isEmpty();
  }

  @Test
  void slowCallbackStillLetsTheLoopGoOn() {
    loop.setDebug(true);
    loop.setSlowCallbackDuration(Duration.ofMillis(1));
    StringBuilder ran = new StringBuilder();
    loop.callSoon(new SlowSpinner(Duration.ofMillis(5)));
    loop.callSoon(() -> ran.append("after"));
    loop.callSoon(loop::stop);

    loop.runForever();

    assertThat(ran.toString()).isEqualTo("after");
  }

  private static List<RecordedEvent> aboutSpinner(List<RecordedEvent> events) {
    return events.stream()
        .filter(e -> String.valueOf(e.getString("callback")).contains("SlowSpinner"))
        .collect(Collectors.toList());
  }

  private List<RecordedEvent> events(Recording recording, String name) throws IOException {
    Path file = Files.createTempFile(tempDir, "debug", ".jfr");
    recording.dump(file);
    return RecordingFile.readAllEvents(file).stream()
        .filter(e -> e.getEventType().getName().equals(name))
        .collect(Collectors.toList());
  }

  /** Busy-spins for its duration: a slow callback (the spin is the work, not a wait). */
  private static final class SlowSpinner implements Runnable {
    private final long nanos;

    SlowSpinner(Duration duration) {
      this.nanos = duration.toNanos();
    }

    @Override
    public void run() {
      long start = System.nanoTime();
      while (System.nanoTime() - start < nanos) {
        Thread.onSpinWait();
      }
    }

    @Override
    public String toString() {
      return "SlowSpinner";
    }
  }
}
