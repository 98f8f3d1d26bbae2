package dev.loop.rxjava.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import dev.loop.EventLoop;
import dev.loop.EventLoopGroup;
import dev.loop.rxjava.LoopScheduler;
import dev.loop.rxjava.LoopSchedulers;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.functions.Function;
import io.reactivex.rxjava3.functions.Supplier;
import io.reactivex.rxjava3.plugins.RxJavaPlugins;
import io.reactivex.rxjava3.schedulers.Schedulers;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link LoopSchedulers}: {@code Schedulers.computation()} and {@code single()} on a group's loops
 * while installed, RxJava's own again after, and the handlers that were there before put back
 * exactly.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LoopSchedulersPluginTest {

  private EventLoopGroup group;
  private final Set<Thread> loopThreads = ConcurrentHashMap.newKeySet();
  private Thread firstLoopThread;

  @BeforeEach
  void startGroup() throws Exception {
    group = EventLoopGroup.create(2);
    for (EventLoop loop : group.loops()) {
      CompletableFuture<Thread> thread = new CompletableFuture<>();
      loop.execute(() -> thread.complete(Thread.currentThread()));
      loopThreads.add(get(thread));
    }
    CompletableFuture<Thread> first = new CompletableFuture<>();
    group.loops().get(0).execute(() -> first.complete(Thread.currentThread()));
    firstLoopThread = get(first);
  }

  @AfterEach
  void uninstallAndCloseGroup() {
    // Uninstall before the reset, so that LoopSchedulers' own state is cleared too.
    LoopSchedulers.uninstall();
    RxJavaPlugins.reset();
    group.close();
  }

  private static <T> T get(CompletableFuture<T> future) throws Exception {
    return future.get(10, TimeUnit.SECONDS);
  }

  private static Thread threadOf(Scheduler scheduler) throws Exception {
    CompletableFuture<Thread> thread = new CompletableFuture<>();
    scheduler.scheduleDirect(() -> thread.complete(Thread.currentThread()));
    return get(thread);
  }

  @Test
  void computationRunsOnTheGroupsLoopsWhileInstalled() throws Exception {
    LoopSchedulers.install(group);
    Set<Thread> threads = ConcurrentHashMap.newKeySet();

    TestSubscriber<Integer> subscriber = Flowable.range(0, 8)
        .flatMap(i -> Flowable.just(i).subscribeOn(Schedulers.computation())
            .doOnNext(v -> threads.add(Thread.currentThread())))
        .test()
        .awaitDone(10, TimeUnit.SECONDS);

    subscriber.assertComplete().assertValueCount(8);
    assertThat(LoopSchedulers.isInstalled()).isTrue();
    assertThat(Schedulers.computation()).isInstanceOf(LoopScheduler.class);
    assertThat(threads).as("workers spread over both loops").isEqualTo(loopThreads);
  }

  @Test
  void singleRunsEverythingOnTheGroupsFirstLoop() throws Exception {
    LoopSchedulers.install(group);

    Set<Thread> threads = ConcurrentHashMap.newKeySet();
    for (int i = 0; i < 4; i++) {
      threads.add(threadOf(Schedulers.single()));
    }

    assertThat(threads).containsExactly(firstLoopThread);
  }

  @Test
  void ioAndNewThreadStayRxJavasOwn() throws Exception {
    LoopSchedulers.install(group);

    assertThat(threadOf(Schedulers.io()).getName()).startsWith("RxCachedThreadScheduler");
    assertThat(threadOf(Schedulers.newThread()).getName()).startsWith("RxNewThreadScheduler");
  }

  @Test
  void computationAndSingleAreRxJavasOwnAgainAfterUninstall() throws Exception {
    LoopSchedulers.install(group);
    assertThat(loopThreads).contains(threadOf(Schedulers.computation()));

    LoopSchedulers.uninstall();

    assertThat(LoopSchedulers.isInstalled()).isFalse();
    assertThat(threadOf(Schedulers.computation()).getName()).startsWith("RxComputationThreadPool");
    assertThat(threadOf(Schedulers.single()).getName()).startsWith("RxSingleScheduler");
  }

  @Test
  void uninstallPutsBackExactlyTheHandlersSetBeforeInstall() {
    Function<Scheduler, Scheduler> single = s -> s;
    Function<Scheduler, Scheduler> computation = s -> s;
    Function<Supplier<Scheduler>, Scheduler> initSingle = Supplier::get;
    Function<Supplier<Scheduler>, Scheduler> initComputation = Supplier::get;
    RxJavaPlugins.setSingleSchedulerHandler(single);
    RxJavaPlugins.setComputationSchedulerHandler(computation);
    RxJavaPlugins.setInitSingleSchedulerHandler(initSingle);
    RxJavaPlugins.setInitComputationSchedulerHandler(initComputation);

    LoopSchedulers.install(group);
    List<Object> whileInstalled = List.of(RxJavaPlugins.getSingleSchedulerHandler(),
        RxJavaPlugins.getComputationSchedulerHandler(), RxJavaPlugins.getInitSingleSchedulerHandler(),
        RxJavaPlugins.getInitComputationSchedulerHandler());
    LoopSchedulers.uninstall();

    assertThat(whileInstalled).doesNotContain(single, computation, initSingle, initComputation);
    assertThat(RxJavaPlugins.getSingleSchedulerHandler()).isSameAs(single);
    assertThat(RxJavaPlugins.getComputationSchedulerHandler()).isSameAs(computation);
    assertThat(RxJavaPlugins.getInitSingleSchedulerHandler()).isSameAs(initSingle);
    assertThat(RxJavaPlugins.getInitComputationSchedulerHandler()).isSameAs(initComputation);
  }

  @Test
  void uninstallPutsBackNoHandlersWhenThereWereNone() {
    LoopSchedulers.install(group);
    LoopSchedulers.uninstall();

    assertThat(RxJavaPlugins.getSingleSchedulerHandler()).isNull();
    assertThat(RxJavaPlugins.getComputationSchedulerHandler()).isNull();
    assertThat(RxJavaPlugins.getInitSingleSchedulerHandler()).isNull();
    assertThat(RxJavaPlugins.getInitComputationSchedulerHandler()).isNull();
  }

  @Test
  void initHandlerGivesASchedulerThatFollowsTheInstallationAndMakesRxJavasDefaultLazily()
      throws Exception {
    ExecutorService rxDefaultExecutor = Executors.newSingleThreadExecutor(r -> new Thread(r, "rx-default"));
    try {
      AtomicInteger made = new AtomicInteger();
      Supplier<Scheduler> rxDefault = () -> {
        made.incrementAndGet();
        return Schedulers.from(rxDefaultExecutor);
      };
      LoopSchedulers.install(group);

      // What RxJava does when the Schedulers class initializes, while the plug-in is installed.
      Scheduler computation = RxJavaPlugins.initComputationScheduler(rxDefault);
      Scheduler single = RxJavaPlugins.initSingleScheduler(rxDefault);
      Thread computationWhileInstalled = threadOf(computation);
      Thread singleWhileInstalled = threadOf(single);
      int madeWhileInstalled = made.get();
      LoopSchedulers.uninstall();
      Thread computationAfter = threadOf(computation);
      LoopSchedulers.install(group);
      Thread computationReinstalled = threadOf(computation);

      assertThat(computationWhileInstalled).isIn(loopThreads);
      assertThat(singleWhileInstalled).isSameAs(firstLoopThread);
      assertThat(madeWhileInstalled).as("RxJava's default made before it was needed").isZero();
      assertThat(computationAfter.getName()).isEqualTo("rx-default");
      assertThat(made).hasValue(1);
      assertThat(computationReinstalled).isIn(loopThreads);
    } finally {
      rxDefaultExecutor.shutdownNow();
    }
  }

  @Test
  void secondInstallIsRefusedAndKeepsTheFirst() throws Exception {
    LoopSchedulers.install(group);
    try (EventLoopGroup other = EventLoopGroup.create(1)) {
      assertThatIllegalStateException().isThrownBy(() -> LoopSchedulers.install(other))
          .withMessageContaining("already installed");
      assertThat(threadOf(Schedulers.computation())).isIn(loopThreads);
    }
  }

  @Test
  void installRefusesAGroupThatIsShuttingDownAndChangesNothing() {
    EventLoopGroup closing = EventLoopGroup.create(1);
    closing.shutdownGracefully();

    assertThatIllegalStateException().isThrownBy(() -> LoopSchedulers.install(closing))
        .withMessageContaining("shutting down");
    assertThat(LoopSchedulers.isInstalled()).isFalse();
    assertThat(RxJavaPlugins.getComputationSchedulerHandler()).isNull();
  }

  @Test
  void installRefusesANullGroup() {
    assertThatNullPointerException().isThrownBy(() -> LoopSchedulers.install(null)).withMessage("group is null");
  }

  @Test
  void uninstallWithoutInstallDoesNothing() {
    Function<Scheduler, Scheduler> computation = s -> s;
    RxJavaPlugins.setComputationSchedulerHandler(computation);

    LoopSchedulers.uninstall();

    assertThat(RxJavaPlugins.getComputationSchedulerHandler()).isSameAs(computation);
  }

  @Test
  void shuttingDownTheInstalledComputationSchedulerLeavesTheGroupRunning() throws Exception {
    LoopSchedulers.install(group);

    Schedulers.computation().shutdown();
    Schedulers.single().shutdown();

    assertThat(threadOf(Schedulers.computation())).isIn(loopThreads);
    assertThat(group.isShuttingDown()).isFalse();
  }
}
