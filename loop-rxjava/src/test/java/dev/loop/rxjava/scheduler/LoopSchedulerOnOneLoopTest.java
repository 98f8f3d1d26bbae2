package dev.loop.rxjava.scheduler;

import dev.loop.EventLoop;
import dev.loop.Loops;
import dev.loop.rxjava.LoopScheduler;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;

/** {@link LoopScheduler#of(EventLoop)} over one loop that runs on a thread of its own. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LoopSchedulerOnOneLoopTest extends AbstractLoopSchedulerTest {

  private EventLoop loop;
  private Thread thread;
  private LoopScheduler scheduler;

  @BeforeEach
  void startLoop() throws InterruptedException {
    loop = Loops.newEventLoop();
    CountDownLatch running = new CountDownLatch(1);
    thread = new Thread(() -> {
      loop.callSoon(running::countDown);
      loop.runForever();
    }, "rx-one-loop");
    thread.setDaemon(true);
    thread.start();
    awaitLatch(running);
    scheduler = LoopScheduler.of(loop);
  }

  @AfterEach
  void stopLoop() throws InterruptedException {
    loop.stop();
    thread.join(WAIT.toMillis());
    loop.close();
  }

  @Override
  protected LoopScheduler scheduler() {
    return scheduler;
  }

  @Override
  protected boolean isLoopThread(Thread t) {
    return t == thread;
  }

  @Override
  protected boolean directTasksShareOneLoop() {
    return true;
  }
}
