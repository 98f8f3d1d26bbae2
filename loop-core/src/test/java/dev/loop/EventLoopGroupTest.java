package dev.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link EventLoopGroup}: N loops on N threads, as Netty's. */
@Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class EventLoopGroupTest {

  private final List<EventLoopGroup> groups = new ArrayList<>();

  @AfterEach
  void shutDownGroups() throws Exception {
    for (EventLoopGroup group : groups) {
      group.shutdownGracefully().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private EventLoopGroup newGroup(int n) {
    EventLoopGroup group = EventLoopGroup.create(n);
    groups.add(group);
    return group;
  }

  /** Runs {@code body} on {@code loop}'s thread and returns what it returned. */
  private static <T> T onLoop(EventLoop loop, java.util.function.Supplier<T> body)
      throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    loop.callSoonThreadsafe(
        () -> {
          try {
            result.complete(body.get());
          } catch (Throwable t) {
            result.completeExceptionally(t);
          }
        });
    return result.get(5, TimeUnit.SECONDS);
  }

  @Test
  void loopsOfAGroupRunOnDistinctThreads() throws Exception {
    EventLoopGroup group = newGroup(2);
    List<EventLoop> loops = group.loops();
    assertThat(loops).hasSize(2).doesNotHaveDuplicates();

    Thread first = onLoop(loops.get(0), Thread::currentThread);
    Thread second = onLoop(loops.get(1), Thread::currentThread);

    assertThat(first).isNotSameAs(second);
    assertThat(first).isNotSameAs(Thread.currentThread());
    assertThat(second).isNotSameAs(Thread.currentThread());
  }

  @Test
  void loopsOfAGroupAreRunningAndKnowTheirOwnThread() throws Exception {
    EventLoopGroup group = newGroup(2);

    for (EventLoop loop : group.loops()) {
      await().atMost(Duration.ofSeconds(5)).until(loop::isRunning);
      assertThat(loop.isClosed()).isFalse();
      assertThat(loop.inEventLoop()).isFalse();
      assertThat(onLoop(loop, loop::inEventLoop)).isTrue();
      assertThat(onLoop(loop, Loops::getRunningLoop)).isSameAs(loop);
    }
  }

  @Test
  void defaultThreadsAreDaemonsNamedAfterGroupAndIndex() throws Exception {
    EventLoopGroup group = newGroup(2);

    for (EventLoop loop : group.loops()) {
      Thread thread = onLoop(loop, Thread::currentThread);
      assertThat(thread.isDaemon()).isTrue();
      assertThat(thread.getName()).matches("loop-\\d+-\\d+");
    }
  }

  @Test
  void nextPicksTheLoopsRoundRobin() {
    EventLoopGroup group = newGroup(2);

    List<EventLoop> picked = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      picked.add(group.next());
    }

    assertThat(picked.get(0)).isNotSameAs(picked.get(1));
    assertThat(picked).containsExactly(
        picked.get(0), picked.get(1), picked.get(0), picked.get(1), picked.get(0), picked.get(1));
    assertThat(new HashSet<>(picked)).containsExactlyInAnyOrderElementsOf(group.loops());
  }

  @Test
  void nextOfAThreeLoopGroupVisitsEveryLoopOncePerRound() {
    EventLoopGroup group = newGroup(3);

    for (int round = 0; round < 3; round++) {
      Set<EventLoop> seen = new HashSet<>();
      for (int i = 0; i < 3; i++) {
        seen.add(group.next());
      }
      assertThat(seen).containsExactlyInAnyOrderElementsOf(group.loops());
    }
  }

  @Test
  void nextFromManyThreadsSpreadsEvenlyOverTheLoops() throws Exception {
    EventLoopGroup group = newGroup(2);
    java.util.Map<EventLoop, AtomicInteger> picks = new ConcurrentHashMap<>();
    List<CompletableFuture<Void>> pickers = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      pickers.add(
          CompletableFuture.runAsync(
              () -> {
                for (int i = 0; i < 10_000; i++) {
                  picks.computeIfAbsent(group.next(), k -> new AtomicInteger()).incrementAndGet();
                }
              }));
    }
    for (CompletableFuture<Void> picker : pickers) {
      picker.get(10, TimeUnit.SECONDS);
    }

    assertThat(picks).hasSize(2);
    for (AtomicInteger count : picks.values()) {
      assertThat(count).hasValue(20_000);
    }
  }

  @Test
  void runningAGroupLoopOnAnotherThreadThrows() {
    EventLoopGroup group = newGroup(1);
    EventLoop loop = group.next();
    await().atMost(Duration.ofSeconds(5)).until(loop::isRunning);

    assertThatThrownBy(loop::runForever).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(loop::close).isInstanceOf(IllegalStateException.class);
    assertThat(loop.isClosed()).isFalse();
  }

  @Test
  void loopsListIsUnmodifiable() {
    EventLoopGroup group = newGroup(2);

    assertThatThrownBy(() -> group.loops().clear())
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void executeRunsTheCommandOnALoopThread() throws Exception {
    EventLoopGroup group = newGroup(2);
    Set<Thread> loopThreads = new HashSet<>();
    for (EventLoop loop : group.loops()) {
      loopThreads.add(onLoop(loop, Thread::currentThread));
    }

    Set<Thread> ranOn = ConcurrentHashMap.newKeySet();
    CompletableFuture<Void> all = new CompletableFuture<>();
    AtomicInteger remaining = new AtomicInteger(4);
    for (int i = 0; i < 4; i++) {
      group.execute(
          () -> {
            ranOn.add(Thread.currentThread());
            if (remaining.decrementAndGet() == 0) {
              all.complete(null);
            }
          });
    }
    all.get(5, TimeUnit.SECONDS);

    assertThat(loopThreads).containsAll(ranOn);
    assertThat(ranOn).as("execute spreads over the loops round-robin").hasSize(2);
  }

  @Test
  void timersWorkOnAGroupLoop() throws Exception {
    EventLoopGroup group = newGroup(1);
    EventLoop loop = group.next();
    CompletableFuture<Thread> fired = new CompletableFuture<>();

    loop.callLater(Duration.ofMillis(5), () -> fired.complete(Thread.currentThread()));

    assertThat(fired.get(5, TimeUnit.SECONDS)).isSameAs(onLoop(loop, Thread::currentThread));
  }

  @Test
  void shutdownGracefullyCompletesAndClosesEveryLoop() throws Exception {
    EventLoopGroup group = newGroup(2);
    List<Thread> threads = new ArrayList<>();
    for (EventLoop loop : group.loops()) {
      threads.add(onLoop(loop, Thread::currentThread));
    }
    assertThat(group.isShuttingDown()).isFalse();
    assertThat(group.isTerminated()).isFalse();

    group.shutdownGracefully().toCompletableFuture().get(10, TimeUnit.SECONDS);

    assertThat(group.isShuttingDown()).isTrue();
    assertThat(group.isTerminated()).isTrue();
    for (EventLoop loop : group.loops()) {
      assertThat(loop.isClosed()).isTrue();
      assertThat(loop.isRunning()).isFalse();
    }
    for (Thread thread : threads) {
      assertThat(thread.isAlive()).as("%s alive", thread.getName()).isFalse();
    }
  }

  @Test
  void shutdownGracefullyLetsAlreadyReadyCallbacksRun() throws Exception {
    EventLoopGroup group = newGroup(1);
    EventLoop loop = group.next();
    CompletableFuture<String> ran = new CompletableFuture<>();
    CompletableFuture<Void> blocked = new CompletableFuture<>();
    // hold the loop busy, so that the next callback is ready but not yet run at shutdown
    loop.callSoonThreadsafe(() -> blocked.join());
    loop.callSoonThreadsafe(() -> ran.complete("ran"));

    CompletableFuture<Void> shutdown = group.shutdownGracefully().toCompletableFuture();
    blocked.complete(null);
    shutdown.get(10, TimeUnit.SECONDS);

    assertThat(ran).isCompletedWithValue("ran");
  }

  @Test
  void shutdownGracefullyDoesNotWaitForDistantTimers() throws Exception {
    EventLoopGroup group = newGroup(2);
    List<TimerHandle> timers = new ArrayList<>();
    for (EventLoop loop : group.loops()) {
      timers.add(loop.callLater(Duration.ofHours(1), () -> {}));
    }

    group.shutdownGracefully().toCompletableFuture().get(10, TimeUnit.SECONDS);

    assertThat(group.isTerminated()).isTrue();
    assertThat(timers).allMatch(Handle::isCancelled);
  }

  @Test
  void shutdownGracefullyCalledFromALoopThreadCompletes() throws Exception {
    EventLoopGroup group = newGroup(2);
    EventLoop loop = group.next();

    CompletableFuture<CompletableFuture<Void>> stage = new CompletableFuture<>();
    loop.execute(() -> stage.complete(group.shutdownGracefully().toCompletableFuture()));

    stage.get(5, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS);
    assertThat(group.isTerminated()).isTrue();
  }

  @Test
  void shutdownGracefullyTwiceCompletesBoth() throws Exception {
    EventLoopGroup group = newGroup(2);

    CompletableFuture<Void> first = group.shutdownGracefully().toCompletableFuture();
    CompletableFuture<Void> second = group.shutdownGracefully().toCompletableFuture();

    first.get(10, TimeUnit.SECONDS);
    second.get(10, TimeUnit.SECONDS);
    assertThat(group.isTerminated()).isTrue();
  }

  @Test
  void shutdownGracefullyWithQuietPeriodCompletes() throws Exception {
    EventLoopGroup group = newGroup(2);

    group
        .shutdownGracefully(Duration.ofMillis(10), Duration.ofSeconds(5))
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);

    assertThat(group.isTerminated()).isTrue();
    assertThat(group.loops()).allMatch(EventLoop::isClosed);
  }

  @Test
  void closeShutsTheGroupDownAndWaits() {
    EventLoopGroup group = newGroup(2);

    group.close();

    assertThat(group.isTerminated()).isTrue();
    assertThat(group.loops()).allMatch(EventLoop::isClosed);
  }

  @Test
  void executeAfterShutdownIsRejected() throws Exception {
    EventLoopGroup group = newGroup(1);
    group.shutdownGracefully().toCompletableFuture().get(10, TimeUnit.SECONDS);

    assertThatThrownBy(() -> group.execute(() -> {}))
        .isInstanceOf(RejectedExecutionException.class);
  }

  @Test
  void createWithZeroThreadsThrowsIllegalArgumentException() {
    assertThatThrownBy(() -> EventLoopGroup.create(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> EventLoopGroup.create(-1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void createWithZeroThreadsAndAFactoryThrowsIllegalArgumentException() {
    AtomicInteger made = new AtomicInteger();
    ThreadFactory factory =
        r -> {
          made.incrementAndGet();
          return new Thread(r);
        };

    assertThatThrownBy(() -> EventLoopGroup.create(0, factory))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(made).hasValue(0);
  }

  @Test
  void customThreadFactoryMakesTheLoopThreads() throws Exception {
    AtomicInteger made = new AtomicInteger();
    ThreadFactory factory =
        r -> {
          Thread t = new Thread(r, "custom-loop-" + made.getAndIncrement());
          t.setDaemon(true);
          return t;
        };
    EventLoopGroup group = EventLoopGroup.create(2, factory);
    groups.add(group);

    assertThat(made).hasValue(2);
    Set<String> names = new HashSet<>();
    for (EventLoop loop : group.loops()) {
      names.add(onLoop(loop, () -> Thread.currentThread().getName()));
    }
    assertThat(names).containsExactlyInAnyOrder("custom-loop-0", "custom-loop-1");
  }

  @Test
  void createWithANullThreadFactoryThrowsNullPointerException() {
    assertThatThrownBy(() -> EventLoopGroup.create(1, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("threadFactory");
  }

  @Test
  void executeNullThrowsNullPointerException() {
    EventLoopGroup group = newGroup(1);

    assertThatThrownBy(() -> group.execute(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void throwingCallbackDoesNotStopAGroupLoop() throws Exception {
    EventLoopGroup group = newGroup(1);
    EventLoop loop = group.next();
    CompletableFuture<ExceptionContext> handled = new CompletableFuture<>();
    onLoop(
        loop,
        () -> {
          loop.setExceptionHandler((l, ctx) -> handled.complete(ctx));
          return null;
        });
    RuntimeException failure = new RuntimeException("on a group loop");

    loop.execute(
        () -> {
          throw failure;
        });

    assertThat(handled.get(5, TimeUnit.SECONDS).exception()).isSameAs(failure);
    assertThat(onLoop(loop, () -> "still running")).isEqualTo("still running");
  }
}
