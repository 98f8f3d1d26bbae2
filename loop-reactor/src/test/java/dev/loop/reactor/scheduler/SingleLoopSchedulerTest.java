package dev.loop.reactor.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.loop.EventLoop;
import dev.loop.Loops;
import dev.loop.reactor.LoopScheduler;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.scheduler.Scheduler;

/** {@link LoopScheduler#of(EventLoop)} over a loop that runs {@code runForever()} on a thread of its own. */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SingleLoopSchedulerTest extends AbstractLoopSchedulerTest {

  private static EventLoop loop;
  private static Thread thread;
  /** What Reactor reported to the loop thread's uncaught-exception handler (task errors). */
  static final Queue<Throwable> uncaught = new ConcurrentLinkedQueue<>();

  @BeforeAll
  static void startLoop() throws InterruptedException {
    loop = Loops.newEventLoop();
    CountDownLatch running = new CountDownLatch(1);
    thread = new Thread(() -> {
      loop.callSoon(running::countDown);
      loop.runForever();
    }, "single-loop-test");
    thread.setDaemon(true);
    thread.setUncaughtExceptionHandler((t, e) -> uncaught.add(e));
    thread.start();
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
  }

  @AfterAll
  static void stopLoop() throws InterruptedException {
    loop.stop();
    thread.join(TimeUnit.SECONDS.toMillis(10));
    assertThat(thread.isAlive()).isFalse();
    loop.close();
  }

  @Override
  protected LoopScheduler newScheduler() {
    return LoopScheduler.of(loop);
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
    return 1;
  }

  @Test
  void everyTaskAndWorkerRunsOnTheOneLoop() throws Exception {
    LoopScheduler s = scheduler();
    Queue<Thread> threads = new ConcurrentLinkedQueue<>();
    CountDownLatch ran = new CountDownLatch(4);

    s.schedule(() -> {
      threads.add(Thread.currentThread());
      ran.countDown();
    });
    s.schedule(() -> {
      threads.add(Thread.currentThread());
      ran.countDown();
    }, 1, TimeUnit.MILLISECONDS);
    s.createWorker().schedule(() -> {
      threads.add(Thread.currentThread());
      ran.countDown();
    });
    s.createWorker().schedule(() -> {
      threads.add(Thread.currentThread());
      ran.countDown();
    });

    assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(threads).containsOnly(thread);
  }

  @Test
  void taskErrorReachesTheLoopThreadsUncaughtExceptionHandlerAsReactorDoes() throws Exception {
    LoopScheduler s = scheduler();
    uncaught.clear();
    IllegalStateException boom = new IllegalStateException("boom");

    s.schedule(() -> {
      throw boom;
    });
    awaitLoopsIdle(s);

    assertThat(uncaught).containsExactly(boom);
    assertThat(thread.isAlive()).isTrue();
  }

  @Test
  void schedulingOnALoopClosedMeanwhileIsRejected() {
    EventLoop closing = Loops.newEventLoop();
    LoopScheduler s = LoopScheduler.of(closing);
    Scheduler.Worker worker = s.createWorker();
    closing.close();

    assertThatExceptionOfType(RejectedExecutionException.class).isThrownBy(() -> s.schedule(() -> {}));
    assertThatExceptionOfType(RejectedExecutionException.class)
        .isThrownBy(() -> s.schedule(() -> {}, 1, TimeUnit.SECONDS));
    assertThatExceptionOfType(RejectedExecutionException.class)
        .isThrownBy(() -> s.schedulePeriodically(() -> {}, 1, 1, TimeUnit.SECONDS));
    assertThatExceptionOfType(RejectedExecutionException.class).isThrownBy(() -> worker.schedule(() -> {}));
    assertThatExceptionOfType(RejectedExecutionException.class)
        .isThrownBy(() -> worker.schedule(() -> {}, 1, TimeUnit.SECONDS));
    s.dispose();
  }

  @Test
  void aClosedLoopIsRefusedByName() {
    EventLoop closed = Loops.newEventLoop();
    closed.close();

    assertThatIllegalArgumentException()
        .isThrownBy(() -> LoopScheduler.of(closed))
        .withMessageContaining("closed");
  }
}
