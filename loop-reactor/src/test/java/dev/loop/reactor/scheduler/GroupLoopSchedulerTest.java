package dev.loop.reactor.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.loop.EventLoop;
import dev.loop.EventLoopGroup;
import dev.loop.reactor.LoopScheduler;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.scheduler.Scheduler;

/** {@link LoopScheduler#of(EventLoopGroup)} over a group of two loops made by the user. */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class GroupLoopSchedulerTest extends AbstractLoopSchedulerTest {

  private static EventLoopGroup group;

  @BeforeAll
  static void startGroup() {
    group = EventLoopGroup.create(2);
  }

  @AfterAll
  static void stopGroup() {
    group.close();
  }

  @Override
  protected LoopScheduler newScheduler() {
    return LoopScheduler.of(group);
  }

  @Override
  protected boolean ownsLoops() {
    return false;
  }

  @Override
  protected boolean threadsAreNonBlockingMarked() {
    return false;
  }

  @Override
  protected int loopCount() {
    return 2;
  }

  @Test
  void directTasksAreSpreadOverTheGroupsLoops() throws Exception {
    LoopScheduler s = scheduler();
    Set<Thread> threads = ConcurrentHashMap.newKeySet();
    CountDownLatch ran = new CountDownLatch(10);

    for (int i = 0; i < 10; i++) {
      s.schedule(() -> {
        threads.add(Thread.currentThread());
        ran.countDown();
      });
    }

    assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(threads).hasSize(2);
  }

  @Test
  void successiveWorkersAreSpreadOverTheGroupsLoopsEachKeepingOne() throws Exception {
    LoopScheduler s = scheduler();
    Set<Thread> threads = ConcurrentHashMap.newKeySet();
    CountDownLatch ran = new CountDownLatch(4);

    for (int w = 0; w < 2; w++) {
      Scheduler.Worker worker = s.createWorker();
      Set<Thread> own = ConcurrentHashMap.newKeySet();
      for (int i = 0; i < 2; i++) {
        worker.schedule(() -> {
          own.add(Thread.currentThread());
          threads.add(Thread.currentThread());
          ran.countDown();
        });
      }
      awaitLoopsIdle(s);
      assertThat(own).as("worker %d keeps one loop", w).hasSize(1);
      worker.dispose();
    }

    assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(threads).hasSize(2);
  }

  @Test
  void aGroupShuttingDownIsRefusedByName() {
    EventLoopGroup stopping = EventLoopGroup.create(1);
    stopping.close();

    assertThatIllegalArgumentException()
        .isThrownBy(() -> LoopScheduler.of(stopping))
        .withMessageContaining("shutting down");
  }

  @Test
  void theLoopsAreTheGroupsInItsOrder() {
    assertThat(scheduler().loops()).containsExactlyElementsOf(group.loops());
    for (EventLoop loop : group.loops()) {
      assertThat(loop.isRunning()).isTrue();
    }
  }
}
