package dev.loop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Timers: asyncio's {@code call_later}, {@code call_at}, {@code time()}, {@code TimerHandle} and the
 * purge of cancelled timers ({@code test__run_once_cancelled_event_cleanup}).
 */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TimerTest {

  private static final String PURGE_EVENT = "dev.loop.TimerHeapPurge";
  private static final long MS = 1_000_000L;

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

  @Test
  void timersRunInDeadlineOrderWhateverOrderTheyWereScheduledIn() {
    List<Integer> ran = new ArrayList<>();
    long t0 = loop.time();
    loop.callAt(t0 + 30 * MS, () -> ran.add(30));
    loop.callAt(t0 + 10 * MS, () -> ran.add(10));
    loop.callAt(t0 + 20 * MS, () -> ran.add(20));
    loop.callAt(t0 + 5 * MS, () -> ran.add(5));
    loop.callAt(t0 + 31 * MS, loop::stop);

    loop.runForever();

    assertThat(ran).containsExactly(5, 10, 20, 30);
  }

  @Test
  void callLaterTimersRunInTheOrderOfTheirDeadlines() {
    // Each deadline is loop.time() + delay at its call, so the expected order is read from when()
    // rather than assumed from the delays: the scheduling thread may be descheduled between calls.
    List<String> ran = new ArrayList<>();
    Map<String, TimerHandle> timers = new LinkedHashMap<>();
    timers.put("25ms", loop.callLater(Duration.ofMillis(25), record(ran, "25ms", 3)));
    timers.put("5ms", loop.callLater(5, TimeUnit.MILLISECONDS, record(ran, "5ms", 3)));
    timers.put("15ms", loop.callLater(Duration.ofMillis(15), record(ran, "15ms", 3)));
    timers.put("1ms", loop.callLater(1_000, TimeUnit.MICROSECONDS, record(ran, "1ms", 3)));
    List<String> byDeadline = new ArrayList<>(timers.keySet());
    byDeadline.sort(Comparator.comparingLong((String k) -> timers.get(k).when()));

    loop.runForever();

    assertThat(ran).containsExactlyElementsOf(byDeadline.subList(0, ran.size()));
    assertThat(ran).hasSizeGreaterThanOrEqualTo(3);
  }

  /** Records {@code name} when run, and stops the loop once {@code stopAt} names are recorded. */
  private Runnable record(List<String> ran, String name, int stopAt) {
    return () -> {
      ran.add(name);
      if (ran.size() == stopAt) {
        loop.stop();
      }
    };
  }

  @Test
  void thousandTimersWithTheSameDeadlineRunInSchedulingOrder() {
    List<Integer> ran = new ArrayList<>();
    long when = loop.time() + 2 * MS;
    for (int i = 0; i < 1000; i++) {
      int n = i;
      TimerHandle handle = loop.callAt(when, () -> ran.add(n));
      assertThat(handle.when()).isEqualTo(when);
    }
    loop.callAt(when, loop::stop);

    loop.runForever();

    assertThat(ran).containsExactlyElementsOf(range(1000));
  }

  @Test
  void timersWithTheSameDeadlineScheduledFromACallbackRunInSchedulingOrder() {
    List<Integer> ran = new ArrayList<>();
    loop.callSoon(
        () -> {
          long when = loop.time() + MS;
          for (int i = 0; i < 1000; i++) {
            int n = i;
            loop.callAt(when, () -> ran.add(n));
          }
          loop.callAt(when, loop::stop);
        });

    loop.runForever();

    assertThat(ran).containsExactlyElementsOf(range(1000));
  }

  @Test
  void timersWithTheSameDeadlineFromTwoThreadsRunInSchedulingOrder() {
    // A timer scheduled on another thread, before (happens-before) a timer with the same deadline
    // scheduled on the loop thread, runs first.
    List<String> ran = new ArrayList<>();
    loop.callSoon(
        () -> {
          long when = loop.time() + 5 * MS;
          Thread other =
              new Thread(() -> loop.callAt(when, () -> ran.add("other thread, first")), "first");
          other.start();
          try {
            other.join(); // the other thread's callAt has returned
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          loop.callAt(when, () -> ran.add("loop thread, second"));
          loop.callAt(when, loop::stop);
        });

    loop.runForever();

    assertThat(ran).containsExactly("other thread, first", "loop thread, second");
  }

  @Test
  void extremeDeadlinesNeitherOverflowNorBlockTheLoop() {
    List<String> ran = new ArrayList<>();
    loop.callAt(Long.MAX_VALUE, () -> ran.add("end of time"));
    loop.callAt(Long.MIN_VALUE, () -> ran.add("beginning of time"));
    loop.callLater(Long.MIN_VALUE, TimeUnit.NANOSECONDS, () -> ran.add("most negative delay"));
    loop.callLater(Duration.ofMillis(2), loop::stop);

    loop.runForever();

    assertThat(ran).containsExactlyInAnyOrder("beginning of time", "most negative delay");
  }

  @Test
  void negativeDelaysRunAsSoonAsPossibleInDeadlineOrder() {
    List<String> ran = new ArrayList<>();
    loop.callLater(Duration.ofHours(1), () -> ran.add("later"));
    loop.callLater(Duration.ofSeconds(-1), () -> ran.add("a"));
    loop.callLater(-2, TimeUnit.SECONDS, () -> ran.add("b"));
    loop.callLater(Duration.ZERO, loop::stop);

    loop.runForever();

    assertThat(ran).containsExactly("b", "a");
  }

  @Test
  void zeroDelayTimerScheduledDuringAnIterationRunsInALaterOne() {
    List<String> ran = new ArrayList<>();
    loop.callSoon(
        () -> {
          ran.add("A");
          loop.callLater(Duration.ZERO, () -> ran.add("timer"));
          loop.callLater(Duration.ofSeconds(-1), () -> ran.add("past timer"));
        });
    loop.callSoon(loop::stop);

    loop.runForever();
    assertThat(ran).containsExactly("A");

    loop.callLater(Duration.ZERO, loop::stop);
    loop.runForever();
    assertThat(ran).containsExactly("A", "past timer", "timer");
  }

  @Test
  void zeroDelayRunsAsSoonAsPossible() {
    List<String> ran = new ArrayList<>();
    loop.callLater(Duration.ofHours(1), () -> ran.add("later"));
    loop.callLater(Duration.ZERO, () -> ran.add("zero"));
    loop.callLater(0, TimeUnit.NANOSECONDS, () -> ran.add("zero-unit"));
    loop.callLater(Duration.ZERO, loop::stop);

    loop.runForever();

    assertThat(ran).containsExactly("zero", "zero-unit");
  }

  @Test
  void callAtInThePastRunsAsSoonAsPossible() {
    AtomicBoolean ran = new AtomicBoolean();
    loop.callAt(loop.time() - Duration.ofSeconds(5).toNanos(), () -> ran.set(true));
    loop.callAt(loop.time(), loop::stop);

    loop.runForever();

    assertThat(ran).isTrue();
  }

  @Test
  void cancelledTimerNeverRuns() {
    AtomicBoolean ran = new AtomicBoolean();
    TimerHandle timer = loop.callLater(Duration.ofMillis(1), () -> ran.set(true));
    timer.cancel();
    loop.callLater(Duration.ofMillis(10), loop::stop);

    loop.runForever();

    assertThat(ran).isFalse();
    assertThat(timer.isCancelled()).isTrue();
  }

  @Test
  void cancellingATimerAfterItFiredDoesNothing() {
    List<String> ran = new ArrayList<>();
    TimerHandle timer = loop.callLater(Duration.ofMillis(1), () -> ran.add("fired"));
    loop.callLater(Duration.ofMillis(2), loop::stop);
    loop.runForever();

    timer.cancel();

    assertThat(ran).containsExactly("fired");
    assertThat(timer.isCancelled()).isFalse();
  }

  @Test
  void timerCancelledByATimerWithTheSameDeadlineNeverRuns() {
    List<String> ran = new ArrayList<>();
    long when = loop.time() + MS;
    AtomicReference<TimerHandle> second = new AtomicReference<>();
    loop.callAt(
        when,
        () -> {
          ran.add("first");
          second.get().cancel();
        });
    second.set(loop.callAt(when, () -> ran.add("second")));
    loop.callAt(when, () -> ran.add("third"));
    loop.callAt(when + MS, loop::stop);

    loop.runForever();

    assertThat(ran).containsExactly("first", "third");
  }

  @Test
  void timerCancelledFromAnotherThreadNeverRuns() throws Exception {
    AtomicBoolean ran = new AtomicBoolean();
    TimerHandle timer = loop.callLater(Duration.ofMillis(50), () -> ran.set(true));
    Thread canceller = new Thread(timer::cancel, "canceller");
    canceller.start();
    canceller.join();
    loop.callLater(Duration.ofMillis(60), loop::stop);

    loop.runForever();

    assertThat(ran).isFalse();
  }

  @Test
  void callLaterFromAnotherThreadWhileTheLoopRunsFiresOnTheLoopThread() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    AtomicReference<Thread> firedOn = new AtomicReference<>();
    AtomicReference<TimerHandle> handle = new AtomicReference<>();
    loop.callSoon(running::countDown);
    Thread other =
        new Thread(
            () -> {
              try {
                running.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
              }
              handle.set(
                  loop.callLater(
                      Duration.ofMillis(5),
                      () -> {
                        firedOn.set(Thread.currentThread());
                        loop.stop();
                      }));
            },
            "scheduler");
    other.start();

    loop.runForever();
    other.join();

    assertThat(firedOn.get()).isSameAs(Thread.currentThread());
    assertThat(handle.get()).isNotNull();
  }

  @Test
  void callAtFromAnotherThreadWhileTheLoopWaitsForALaterTimerFiresFirst() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    List<String> ran = new ArrayList<>();
    loop.callLater(Duration.ofHours(1), () -> ran.add("hour"));
    loop.callSoon(running::countDown);
    Thread other =
        new Thread(
            () -> {
              try {
                running.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
              }
              loop.callAt(
                  loop.time() + MS,
                  () -> {
                    ran.add("soon");
                    loop.stop();
                  });
            },
            "scheduler");
    other.start();

    loop.runForever();
    other.join();

    assertThat(ran).containsExactly("soon");
  }

  @Test
  void timeIsMonotonic() {
    long previous = loop.time();
    for (int i = 0; i < 100_000; i++) {
      long now = loop.time();
      assertThat(now).isGreaterThanOrEqualTo(previous);
      previous = now;
    }
  }

  @Test
  void timeNeverDecreasesAcrossIterations() {
    List<Long> times = new ArrayList<>();
    Runnable[] tick = new Runnable[1];
    tick[0] =
        () -> {
          times.add(loop.time());
          if (times.size() < 1000) {
            loop.callSoon(tick[0]);
          } else {
            loop.stop();
          }
        };
    loop.callSoon(tick[0]);

    loop.runForever();

    assertThat(times).hasSize(1000).isSorted();
  }

  @Test
  void timeReadsTheLoopClock() {
    long before = loop.clock().nanoTime();
    long time = loop.time();
    long after = loop.clock().nanoTime();

    assertThat(time).isBetween(before, after);
  }

  @Test
  void callLaterWhenIsTheLoopTimePlusTheDelay() {
    Duration delay = Duration.ofSeconds(10);
    long before = loop.time();
    TimerHandle timer = loop.callLater(delay, () -> {});
    long after = loop.time();

    assertThat(timer.when()).isBetween(before + delay.toNanos(), after + delay.toNanos());
  }

  @Test
  void callLaterWithAUnitWhenIsTheLoopTimePlusTheDelay() {
    long before = loop.time();
    TimerHandle timer = loop.callLater(3, TimeUnit.MINUTES, () -> {});
    long after = loop.time();

    long delay = TimeUnit.MINUTES.toNanos(3);
    assertThat(timer.when()).isBetween(before + delay, after + delay);
  }

  @Test
  void callAtWhenIsTheGivenDeadline() {
    long when = loop.time() + 123_456_789L;
    TimerHandle timer = loop.callAt(when, () -> {});

    assertThat(timer.when()).isEqualTo(when);
  }

  @Test
  void timerNeverFiresBeforeItsDeadline() {
    List<long[]> firings = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      TimerHandle[] self = new TimerHandle[1];
      self[0] = loop.callLater(Duration.ofMillis(i * 3L), () -> firings.add(new long[] {self[0].when(), loop.time()}));
    }
    loop.callLater(Duration.ofMillis(20), loop::stop);

    loop.runForever();

    assertThat(firings).hasSize(5);
    for (long[] f : firings) {
      assertThat(f[1]).as("loop time when the timer ran").isGreaterThanOrEqualTo(f[0]);
    }
  }

  @Test
  void timerHandleToStringNamesTheCallback() {
    TimerHandle timer = loop.callLater(Duration.ofSeconds(1), new NamedTimerCallback());

    assertThat(timer.toString()).contains("NamedTimerCallback");
  }

  // The purge tests schedule their timers from a callback, on the loop thread, so that every timer
  // is in the heap before it is cancelled (a timer cancelled before it reaches the heap is simply
  // never pushed, which says nothing about purging).

  @Test
  void heapWithMoreThanHalfOfOverHundredTimersCancelledIsPurgedAndTheRestStillFireInOrder()
      throws Exception {
    List<RecordedEvent> purges;
    List<Integer> fired = new ArrayList<>();
    List<Integer> expected = new ArrayList<>();
    try (Recording recording = new Recording()) {
      recording.enable(PURGE_EVENT).withoutThreshold();
      recording.start();

      loop.callSoon(
          () -> {
            long base = loop.time() + 100 * MS;
            List<TimerHandle> handles = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
              int n = i;
              handles.add(loop.callAt(base + i * 10_000L, () -> fired.add(n)));
            }
            loop.callAt(base + 200 * 10_000L, loop::stop);
            for (int i = 0; i < 200; i++) {
              if (i % 4 != 0) {
                handles.get(i).cancel(); // 150 of 201 cancelled
              } else {
                expected.add(i);
              }
            }
          });

      loop.runForever();

      recording.stop();
      purges = events(recording, PURGE_EVENT);
    }

    assertThat(fired).containsExactlyElementsOf(expected);
    assertThat(purges).as("TimerHeapPurge events").isNotEmpty();
    RecordedEvent purge = purges.get(0);
    int before = purge.getInt("before");
    int after = purge.getInt("after");
    assertThat(before).isGreaterThan(100);
    assertThat(after).isLessThan(before).isGreaterThanOrEqualTo(51);
    assertThat(after * 2).as("more than half of the heap removed").isLessThan(before);
  }

  @Test
  void heapIsPurgedWhenAnotherThreadCancelsMoreThanHalfOfIt() throws Exception {
    List<RecordedEvent> purges;
    List<TimerHandle> handles = new ArrayList<>();
    try (Recording recording = new Recording()) {
      recording.enable(PURGE_EVENT).withoutThreshold();
      recording.start();

      loop.callSoon(
          () -> {
            long base = loop.time() + Duration.ofHours(1).toNanos();
            for (int i = 0; i < 200; i++) {
              handles.add(loop.callAt(base + i, () -> {}));
            }
            Thread canceller =
                new Thread(
                    () -> {
                      for (int i = 0; i < 150; i++) {
                        handles.get(i).cancel();
                      }
                      // two more iterations at least, then stop
                      loop.execute(() -> loop.callSoon(loop::stop));
                    },
                    "canceller");
            canceller.start();
          });

      loop.runForever();

      recording.stop();
      purges = events(recording, PURGE_EVENT);
    }

    assertThat(purges).as("TimerHeapPurge events").isNotEmpty();
    assertThat(purges.get(0).getInt("before")).isGreaterThan(100);
    assertThat(purges.get(0).getInt("after")).isLessThan(purges.get(0).getInt("before"));
  }

  @Test
  void heapOfAHundredTimersIsNotPurgedEvenIfMostAreCancelled() throws Exception {
    List<RecordedEvent> purges;
    try (Recording recording = new Recording()) {
      recording.enable(PURGE_EVENT).withoutThreshold();
      recording.start();

      loop.callSoon(
          () -> {
            long base = loop.time() + Duration.ofHours(1).toNanos();
            List<TimerHandle> handles = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
              handles.add(loop.callAt(base + i, () -> {}));
            }
            for (int i = 20; i < 100; i++) {
              handles.get(i).cancel(); // 80 of 100 cancelled, but the heap is not over 100
            }
            loop.callSoon(() -> loop.callSoon(loop::stop)); // two more iterations
          });

      loop.runForever();

      recording.stop();
      purges = events(recording, PURGE_EVENT);
    }

    assertThat(purges).isEmpty();
  }

  @Test
  void heapWithExactlyHalfItsTimersCancelledIsNotPurged() throws Exception {
    List<RecordedEvent> purges;
    try (Recording recording = new Recording()) {
      recording.enable(PURGE_EVENT).withoutThreshold();
      recording.start();

      loop.callSoon(
          () -> {
            long base = loop.time() + Duration.ofHours(1).toNanos();
            List<TimerHandle> handles = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
              handles.add(loop.callAt(base + i, () -> {}));
            }
            // the live timers are the earliest, so no cancelled timer reaches the top of the heap
            for (int i = 100; i < 200; i++) {
              handles.get(i).cancel();
            }
            loop.callSoon(() -> loop.callSoon(loop::stop)); // two more iterations
          });

      loop.runForever();

      recording.stop();
      purges = events(recording, PURGE_EVENT);
    }

    assertThat(purges).isEmpty();
  }

  private List<RecordedEvent> events(Recording recording, String name) throws IOException {
    Path file = Files.createTempFile(tempDir, "timer", ".jfr");
    recording.dump(file);
    return RecordingFile.readAllEvents(file).stream()
        .filter(e -> e.getEventType().getName().equals(name))
        .collect(Collectors.toList());
  }

  private static List<Integer> range(int n) {
    return IntStream.range(0, n).boxed().collect(Collectors.toList());
  }

  private static final class NamedTimerCallback implements Runnable {
    @Override
    public void run() {}

    @Override
    public String toString() {
      return "NamedTimerCallback";
    }
  }
}
