package dev.loop.reactor.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.loop.EventLoop;
import dev.loop.EventLoopGroup;
import dev.loop.LoopFuture;
import dev.loop.Loops;
import dev.loop.reactor.LoopScheduler;
import dev.loop.reactor.LoopSchedulers;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.NonBlocking;
import reactor.core.scheduler.Schedulers;

/**
 * Which threads Reactor counts as non-blocking ({@code block()} fails fast there): the threads of
 * Loop's factory always, and a loop made elsewhere from the moment a {@code LoopScheduler} has been
 * made over it, while it runs.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NonBlockingLoopThreadsTest {

  private static boolean nonBlockingOn(EventLoopGroup group) throws Exception {
    CompletableFuture<Boolean> answer = new CompletableFuture<>();
    group.execute(() -> answer.complete(Schedulers.isInNonBlockingThread()));
    return answer.get(10, TimeUnit.SECONDS);
  }

  @Test
  void threadsOfAGroupMadeElsewhereBecomeNonBlockingOnceASchedulerIsMadeOverIt() throws Exception {
    try (EventLoopGroup group = EventLoopGroup.create(1)) {
      assertThat(nonBlockingOn(group)).as("before").isFalse();

      LoopScheduler scheduler = LoopScheduler.of(group);
      scheduler.dispose();

      assertThat(nonBlockingOn(group)).as("after, even once the scheduler is disposed").isTrue();
    }
  }

  @Test
  void anOrdinaryThreadIsNonBlockingOnlyWhileItRunsAKnownLoop() {
    EventLoop loop = Loops.newEventLoop();
    try {
      LoopScheduler scheduler = LoopScheduler.of(loop);
      scheduler.dispose(); // the loop stays known: its thread is a loop thread whenever it runs it
      LoopFuture<Throwable> blockFailure = loop.createFuture();
      loop.callSoon(() -> blockFailure.setResult(catchThrowable(() -> Mono.delay(Duration.ofMillis(1)).block())));

      Throwable failure = loop.runUntilComplete(blockFailure);

      assertThat(failure)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("block()/blockFirst()/blockLast() are blocking")
          .hasMessageContaining(Thread.currentThread().getName());
      assertThat(Schedulers.isInNonBlockingThread()).as("once the loop stopped").isFalse();
      assertThat(Mono.delay(Duration.ofMillis(1)).block()).isZero();
    } finally {
      loop.close();
    }
  }

  @Test
  void aGroupMadeWithLoopsThreadFactoryIsNonBlockingWithoutAnyScheduler() throws Exception {
    ThreadFactory factory = LoopSchedulers.nonBlockingThreadFactory("user-made");
    try (EventLoopGroup group = EventLoopGroup.create(1, factory)) {
      CompletableFuture<Thread> thread = new CompletableFuture<>();
      group.execute(() -> thread.complete(Thread.currentThread()));

      assertThat(nonBlockingOn(group)).isTrue();
      assertThat(thread.get(10, TimeUnit.SECONDS)).isInstanceOf(NonBlocking.class);
      assertThat(Schedulers.isNonBlockingThread(thread.get())).as("asked from another thread").isTrue();
      assertThat(thread.get().getName()).isEqualTo("user-made-1");
    }
  }
}
