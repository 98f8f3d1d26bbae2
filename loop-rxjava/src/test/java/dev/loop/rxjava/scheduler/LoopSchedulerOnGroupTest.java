package dev.loop.rxjava.scheduler;

import dev.loop.EventLoop;
import dev.loop.EventLoopGroup;
import dev.loop.rxjava.LoopScheduler;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;

/** {@link LoopScheduler#of(EventLoopGroup)} over a user's group of two loops. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LoopSchedulerOnGroupTest extends AbstractLoopSchedulerTest {

  private EventLoopGroup group;
  private final Set<Thread> loopThreads = ConcurrentHashMap.newKeySet();
  private LoopScheduler scheduler;

  @BeforeEach
  void startGroup() throws Exception {
    group = EventLoopGroup.create(2);
    for (EventLoop loop : group.loops()) {
      CompletableFuture<Thread> thread = new CompletableFuture<>();
      loop.execute(() -> thread.complete(Thread.currentThread()));
      loopThreads.add(get(thread));
    }
    scheduler = LoopScheduler.of(group);
  }

  @AfterEach
  void closeGroup() {
    group.close();
  }

  @Override
  protected LoopScheduler scheduler() {
    return scheduler;
  }

  @Override
  protected boolean isLoopThread(Thread t) {
    return loopThreads.contains(t);
  }

  @Override
  protected boolean spreadsOverSeveralLoops() {
    return true;
  }
}
