package dev.loop.rxjava.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loop.rxjava.LoopScheduler;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;

/**
 * {@link LoopScheduler#newGroup(int, String)}: a scheduler that makes and owns a group of two
 * loops. Each test has its own thread-name prefix, so that the threads of its group can be told
 * apart and seen to end after the scheduler's shutdown.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LoopSchedulerOwnGroupTest extends AbstractLoopSchedulerTest {

  private static final AtomicInteger TESTS = new AtomicInteger();

  private String prefix;
  private LoopScheduler scheduler;

  @BeforeEach
  void makeScheduler() {
    prefix = "rx-own-loop-" + TESTS.incrementAndGet();
    scheduler = LoopScheduler.newGroup(2, prefix);
  }

  @AfterEach
  void shutdownScheduler() {
    scheduler.shutdown();
    // Nothing the scheduler opened outlives it: its loop threads end.
    await().atMost(WAIT).untilAsserted(() ->
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(this::isLoopThread));
  }

  @Override
  protected LoopScheduler scheduler() {
    return scheduler;
  }

  @Override
  protected boolean isLoopThread(Thread t) {
    return t.getName().startsWith(prefix + "-");
  }

  @Override
  protected boolean spreadsOverSeveralLoops() {
    return true;
  }

  @Override
  protected boolean ownsItsLoops() {
    return true;
  }
}
