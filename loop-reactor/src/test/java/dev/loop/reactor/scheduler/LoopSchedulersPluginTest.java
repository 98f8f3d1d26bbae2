package dev.loop.reactor.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

import dev.loop.EventLoop;
import dev.loop.EventLoopGroup;
import dev.loop.reactor.LoopSchedulers;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.NonBlocking;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * The plug-in: {@link LoopSchedulers#install} puts the loops behind {@code Schedulers.single()} and
 * {@code parallel()} through Reactor's {@code Schedulers.Factory}; {@link LoopSchedulers#uninstall()}
 * gives Reactor its own back. Process-wide state: every test uninstalls after itself.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LoopSchedulersPluginTest {

  private EventLoopGroup group;

  @BeforeEach
  void newGroup() {
    group = EventLoopGroup.create(2);
  }

  @AfterEach
  void uninstallAndClose() {
    LoopSchedulers.uninstall();
    Schedulers.resetOnScheduleHooks();
    group.close();
  }

  private boolean onGroupLoop() {
    return group.loops().stream().anyMatch(EventLoop::inEventLoop);
  }

  /** Where {@code scheduler} runs a task: on one of the group's loops or not. */
  private boolean runsOnGroup(Scheduler scheduler) throws Exception {
    CompletableFuture<Boolean> onLoop = new CompletableFuture<>();
    scheduler.schedule(() -> onLoop.complete(onGroupLoop()));
    return onLoop.get(10, TimeUnit.SECONDS);
  }

  private boolean runsOnGroup(Scheduler.Worker worker) throws Exception {
    CompletableFuture<Boolean> onLoop = new CompletableFuture<>();
    worker.schedule(() -> onLoop.complete(onGroupLoop()));
    try {
      return onLoop.get(10, TimeUnit.SECONDS);
    } finally {
      worker.dispose();
    }
  }

  private static String threadNameOf(Scheduler scheduler) throws Exception {
    CompletableFuture<String> name = new CompletableFuture<>();
    scheduler.schedule(() -> name.complete(Thread.currentThread().getName()));
    return name.get(10, TimeUnit.SECONDS);
  }

  @Test
  void installedParallelAndSingleRunOnTheGroupsLoopsButBoundedElasticDoesNot() throws Exception {
    LoopSchedulers.install(group);

    assertThat(LoopSchedulers.isInstalled()).isTrue();
    assertThat(runsOnGroup(Schedulers.parallel())).as("parallel()").isTrue();
    assertThat(runsOnGroup(Schedulers.single())).as("single()").isTrue();
    assertThat(runsOnGroup(Schedulers.parallel().createWorker())).as("a parallel() worker").isTrue();
    assertThat(runsOnGroup(Schedulers.boundedElastic())).as("boundedElastic()").isFalse();
    StepVerifier.create(Flux.range(0, 100).publishOn(Schedulers.parallel()).map(i -> onGroupLoop()).distinct())
        .expectNext(true)
        .verifyComplete();
  }

  @Test
  void newParallelAndNewSingleAlsoRunOnTheLoopsAndDisposingThemLeavesTheGroupRunning() throws Exception {
    LoopSchedulers.install(group);
    Scheduler parallel = Schedulers.newParallel("custom", 3);
    Scheduler single = Schedulers.newSingle("custom-single");

    assertThat(runsOnGroup(parallel)).isTrue();
    assertThat(runsOnGroup(single)).isTrue();
    parallel.dispose();
    single.dispose();

    assertThat(group.isShuttingDown()).isFalse();
    CompletableFuture<Boolean> ran = new CompletableFuture<>();
    group.execute(() -> ran.complete(true));
    assertThat(ran.get(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void uninstallRestoresReactorsOwnCachedSchedulersAndDisposesTheLoopOnes() throws Exception {
    Scheduler reactorsParallel = Schedulers.parallel();
    LoopSchedulers.install(group);
    Scheduler loopParallel = Schedulers.parallel();
    assertThat(loopParallel).isNotSameAs(reactorsParallel);
    assertThat(runsOnGroup(loopParallel)).isTrue();

    LoopSchedulers.uninstall();

    assertThat(LoopSchedulers.isInstalled()).isFalse();
    assertThat(Schedulers.parallel()).isSameAs(reactorsParallel);
    assertThat(threadNameOf(Schedulers.parallel())).startsWith("parallel-");
    assertThat(loopParallel.isDisposed()).isTrue();
    assertThat(group.isShuttingDown()).as("the group stays the caller's").isFalse();
  }

  @Test
  void onScheduleHookAppliesToTheInstalledSchedulers() throws Exception {
    Set<Runnable> decorated = ConcurrentHashMap.newKeySet();
    Schedulers.onScheduleHook("plugin-test", task -> {
      decorated.add(task);
      return task;
    });
    LoopSchedulers.install(group);
    CompletableFuture<Boolean> parallelOnLoop = new CompletableFuture<>();
    CompletableFuture<Boolean> singleOnLoop = new CompletableFuture<>();
    Runnable onParallel = () -> parallelOnLoop.complete(onGroupLoop());
    Runnable onSingle = () -> singleOnLoop.complete(onGroupLoop());

    Schedulers.parallel().schedule(onParallel);
    Schedulers.single().schedule(onSingle);

    assertThat(parallelOnLoop.get(10, TimeUnit.SECONDS)).isTrue();
    assertThat(singleOnLoop.get(10, TimeUnit.SECONDS)).isTrue();
    assertThat(decorated).contains(onParallel, onSingle);
  }

  @Test
  void installWithAThreadCountMakesNonBlockingLoopsThatUninstallShutsDown() throws Exception {
    EventLoopGroup own = LoopSchedulers.install(1);
    CompletableFuture<Thread> thread = new CompletableFuture<>();
    Schedulers.parallel().schedule(() -> thread.complete(Thread.currentThread()));

    assertThat(thread.get(10, TimeUnit.SECONDS)).isInstanceOf(NonBlocking.class);
    assertThat(thread.get().getName()).startsWith("loop-reactor-");
    LoopSchedulers.uninstall();

    await().atMost(Duration.ofSeconds(10)).until(own::isTerminated);
  }

  @Test
  void installingTwiceIsRefusedAndUninstallingTwiceDoesNothing() {
    LoopSchedulers.install(group);

    assertThatIllegalStateException()
        .isThrownBy(() -> LoopSchedulers.install(group))
        .withMessageContaining("already installed");
    assertThatIllegalStateException()
        .isThrownBy(() -> LoopSchedulers.install(1))
        .withMessageContaining("already installed");
    LoopSchedulers.uninstall();
    LoopSchedulers.uninstall();
    assertThat(LoopSchedulers.isInstalled()).isFalse();
  }

  @Test
  void badArgumentsAreRefusedByName() {
    EventLoopGroup stopped = EventLoopGroup.create(1);
    stopped.close();

    assertThatIllegalArgumentException().isThrownBy(() -> LoopSchedulers.install(stopped)).withMessageContaining("shutting down");
    assertThatIllegalArgumentException().isThrownBy(() -> LoopSchedulers.install(0)).withMessageContaining("nThreads");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> LoopSchedulers.nonBlockingThreadFactory(""))
        .withMessageContaining("prefix");
    assertThat(LoopSchedulers.isInstalled()).isFalse();
  }
}
