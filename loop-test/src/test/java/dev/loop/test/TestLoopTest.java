package dev.loop.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loop.LoopFuture;
import dev.loop.TimerHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TestLoopTest {

  private final TestLoop loop = TestLoop.create();

  @AfterEach
  void closeLoop() {
    loop.close();
  }

  @Test
  void timeStartsAtZeroAndMovesOnlyWhenAdvanced() {
    assertThat(loop.time()).isZero();
    loop.advance(Duration.ofSeconds(3));
    assertThat(loop.time()).isEqualTo(Duration.ofSeconds(3).toNanos());
    assertThat(loop.clock().nanoTime()).isEqualTo(loop.time());
  }

  @Test
  void runUntilCompleteOfAnHourLongTimerReturnsWithTheClockAtThatHour() {
    LoopFuture<String> future = loop.createFuture();
    loop.callLater(Duration.ofHours(1), () -> future.setResult("an hour later"));

    assertThat(loop.runUntilComplete(future)).isEqualTo("an hour later");
    assertThat(loop.time()).isEqualTo(Duration.ofHours(1).toNanos());
  }

  @Test
  void advanceRunsEachTimerAtItsOwnDeadlineInDeadlineOrder() {
    List<String> fired = new ArrayList<>();
    loop.callLater(Duration.ofSeconds(30), () -> fired.add("30s@" + loop.time()));
    loop.callLater(Duration.ofSeconds(10), () -> fired.add("10s@" + loop.time()));
    loop.callLater(Duration.ofSeconds(20), () -> fired.add("20s@" + loop.time()));
    loop.callLater(Duration.ofSeconds(90), () -> fired.add("90s@" + loop.time()));

    loop.advance(Duration.ofSeconds(59));

    assertThat(fired).containsExactly(
        "10s@" + Duration.ofSeconds(10).toNanos(),
        "20s@" + Duration.ofSeconds(20).toNanos(),
        "30s@" + Duration.ofSeconds(30).toNanos());
    assertThat(loop.time()).isEqualTo(Duration.ofSeconds(59).toNanos());

    loop.advance(Duration.ofSeconds(31));
    assertThat(fired).hasSize(4).last().isEqualTo("90s@" + Duration.ofSeconds(90).toNanos());
  }

  @Test
  void timersWithTheSameDeadlineRunInSchedulingOrder() {
    List<Integer> fired = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      int n = i;
      loop.callAt(Duration.ofMillis(5).toNanos(), () -> fired.add(n));
    }
    loop.advance(Duration.ofMillis(5));
    assertThat(fired).hasSize(1000).isSorted();
  }

  @Test
  void advanceAlsoRunsWhatDueCallbacksScheduleAtTheSameTime() {
    List<String> fired = new ArrayList<>();
    loop.callLater(Duration.ofSeconds(1), () -> {
      fired.add("timer");
      loop.callSoon(() -> fired.add("soon"));
      loop.callLater(Duration.ZERO, () -> fired.add("zero delay"));
      loop.callLater(Duration.ofSeconds(1), () -> fired.add("a second later"));
    });

    loop.advance(Duration.ofSeconds(1));

    assertThat(fired).containsExactly("timer", "soon", "zero delay");
    loop.advance(Duration.ofSeconds(1));
    assertThat(fired).endsWith("a second later");
  }

  @Test
  void aCallbackThatStopsTheLoopDoesNotCutAnAdvanceShort() {
    List<String> fired = new ArrayList<>();
    loop.callLater(Duration.ofSeconds(1), loop::stop);
    loop.callLater(Duration.ofSeconds(2), () -> fired.add("2s"));

    loop.advance(Duration.ofSeconds(5));

    assertThat(fired).containsExactly("2s");
    assertThat(loop.time()).isEqualTo(Duration.ofSeconds(5).toNanos());
  }

  @Test
  void cancelledTimersNeverRunInVirtualTime() {
    List<String> fired = new ArrayList<>();
    TimerHandle cancelled = loop.callLater(Duration.ofSeconds(1), () -> fired.add("cancelled"));
    loop.callLater(Duration.ofSeconds(2), () -> fired.add("kept"));
    cancelled.cancel();

    loop.advance(Duration.ofSeconds(3));

    assertThat(fired).containsExactly("kept");
    assertThat(cancelled.isCancelled()).isTrue();
  }

  @Test
  void aMillionTimersWithNinetyPercentCancelledArePurgedAndTheRestFireInOrder() {
    int total = 1_000_000;
    int kept = total / 10;
    long[] fired = new long[kept];
    int[] count = {0};
    int[] heapAfterScheduling = {0};
    loop.callSoon(() -> {
      SplittableRandom random = new SplittableRandom(42);
      TimerHandle[] handles = new TimerHandle[total];
      for (int i = 0; i < total; i++) {
        long delay = 1 + random.nextLong(1_000_000_000L);
        handles[i] = loop.callLater(delay, TimeUnit.NANOSECONDS, () -> fired[count[0]++] = loop.time());
      }
      heapAfterScheduling[0] = loop.timerHeapSize();
      for (int i = 0; i < total; i++) {
        if (i % 10 != 0) {
          handles[i].cancel();
        }
      }
    });

    loop.runUntilIdle(); // the next iteration sees more than half the heap cancelled and purges it

    assertThat(heapAfterScheduling[0]).isEqualTo(total);
    assertThat(loop.timerHeapSize()).isEqualTo(kept);
    loop.advance(Duration.ofSeconds(1));
    assertThat(count[0]).isEqualTo(kept);
    assertThat(loop.timerHeapSize()).isZero();
    for (int i = 1; i < kept; i++) {
      assertThat(fired[i]).isGreaterThanOrEqualTo(fired[i - 1]);
    }
  }

  @Test
  void fewCancelledTimersAreDroppedLazilyNotPurged() {
    loop.callSoon(() -> {
      List<TimerHandle> handles = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        handles.add(loop.callLater(Duration.ofSeconds(i + 1), () -> {}));
      }
      handles.subList(10, 50).forEach(TimerHandle::cancel);
    });

    loop.runUntilIdle();

    // 50 timers is under the purge threshold: the cancelled ones wait until they reach the top
    assertThat(loop.timerHeapSize()).isEqualTo(50);
    loop.advance(Duration.ofSeconds(10));
    assertThat(loop.timerHeapSize()).isZero();
  }

  @Test
  void timersCancelledBeforeReachingTheLoopNeverEnterItsHeap() {
    List<TimerHandle> handles = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      handles.add(loop.callLater(Duration.ofSeconds(i + 1), () -> {}));
    }
    handles.subList(10, 50).forEach(TimerHandle::cancel);

    loop.runUntilIdle();

    assertThat(loop.timerHeapSize()).isEqualTo(10);
  }

  @Test
  void aWaitingLoopWithNoTimersIsWokenByAnotherThread() {
    LoopFuture<String> future = loop.createFuture();
    CompletableFuture.runAsync(() -> loop.callSoonThreadsafe(() -> future.setResult("from outside")));

    assertThat(loop.runUntilComplete(future)).isEqualTo("from outside");
    assertThat(loop.time()).isZero();
  }

  @Test
  void advanceInsideACallbackOnlyMovesTheClock() {
    List<Long> seen = new ArrayList<>();
    loop.callLater(Duration.ofSeconds(10), () -> seen.add(loop.time()));
    loop.callSoon(() -> {
      loop.advance(Duration.ofSeconds(20));
      seen.add(loop.time());
    });

    loop.runUntilIdle();
    assertThat(seen).containsExactly(Duration.ofSeconds(20).toNanos(), Duration.ofSeconds(20).toNanos());
  }

  @Test
  void clockListenersHearEveryMove() {
    List<Long> moves = new ArrayList<>();
    loop.clock().addListener(moves::add);
    loop.callLater(Duration.ofSeconds(1), () -> {});

    loop.advance(Duration.ofSeconds(2));

    assertThat(moves).containsExactly(Duration.ofSeconds(1).toNanos(), Duration.ofSeconds(2).toNanos());
    assertThat(loop.clock().removeListener(moves::add)).isFalse(); // a different method reference
  }

  @Test
  void badArgumentsAreRejectedAndTheLoopStaysUsable() {
    assertThatThrownBy(() -> loop.advance(null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("delta");
    assertThatThrownBy(() -> loop.advance(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative");
    assertThatThrownBy(() -> loop.clock().addListener(null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("listener");

    List<String> fired = new ArrayList<>();
    loop.callLater(Duration.ofSeconds(1), () -> fired.add("still works"));
    loop.advance(Duration.ofSeconds(1));
    assertThat(fired).containsExactly("still works");
  }

  @Test
  void advancingAClosedLoopFails() {
    TestLoop closed = TestLoop.create();
    closed.close();
    assertThatThrownBy(() -> closed.advance(Duration.ofSeconds(1)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    assertThatThrownBy(closed::runUntilIdle)
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }

  @Test
  void advancingALoopRunningOnAnotherThreadFails() throws Exception {
    CompletableFuture<Void> running = new CompletableFuture<>();
    LoopFuture<Void> release = loop.createFuture();
    loop.callSoon(() -> running.complete(null));
    Thread runner = new Thread(() -> loop.runUntilComplete(release));
    runner.start();
    running.get(10, TimeUnit.SECONDS);

    assertThatThrownBy(() -> loop.advance(Duration.ofSeconds(1)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("another thread");

    loop.callSoonThreadsafe(() -> release.setResult(null));
    runner.join(10_000);
    assertThat(runner.isAlive()).isFalse();
  }
}
