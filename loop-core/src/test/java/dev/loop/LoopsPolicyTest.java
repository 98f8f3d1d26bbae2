package dev.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Loops} and {@link EventLoopPolicy}: asyncio's {@code get_running_loop},
 * {@code get_event_loop}, {@code set_event_loop}, {@code new_event_loop} and the policy functions
 * ({@code test_events.PolicyTests}, {@code GetEventLoopTestsMixin}).
 */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LoopsPolicyTest {

  private final List<EventLoop> created = new ArrayList<>();

  @BeforeEach
  void freshDefaultPolicy() {
    Loops.setEventLoopPolicy(null);
  }

  @AfterEach
  void restoreDefaultPolicyAndCloseLoops() {
    Loops.setEventLoopPolicy(null);
    for (EventLoop loop : created) {
      if (!loop.isRunning()) {
        loop.close();
      }
    }
  }

  private EventLoop newLoop() {
    EventLoop loop = Loops.newEventLoop();
    created.add(loop);
    return loop;
  }

  // ------------------------------------------------------------------ running loop

  @Test
  void getRunningLoopOffTheLoopThrowsNoRunningEventLoop() {
    assertThatThrownBy(Loops::getRunningLoop)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("no running event loop");
  }

  @Test
  void getRunningLoopOffTheLoopThrowsEvenWhenAThreadLoopIsSet() {
    Loops.setEventLoop(newLoop());

    assertThatThrownBy(Loops::getRunningLoop)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("no running event loop");
  }

  @Test
  void getRunningLoopInsideACallbackReturnsTheLoop() {
    EventLoop loop = newLoop();
    AtomicReference<EventLoop> seen = new AtomicReference<>();
    loop.callSoon(
        () -> {
          seen.set(Loops.getRunningLoop());
          loop.stop();
        });

    loop.runForever();

    assertThat(seen.get()).isSameAs(loop);
  }

  @Test
  void getRunningLoopInsideATimerCallbackReturnsTheLoop() {
    EventLoop loop = newLoop();
    AtomicReference<EventLoop> seen = new AtomicReference<>();
    loop.callLater(
        java.time.Duration.ofMillis(1),
        () -> {
          seen.set(Loops.getRunningLoop());
          loop.stop();
        });

    loop.runForever();

    assertThat(seen.get()).isSameAs(loop);
  }

  @Test
  void getRunningLoopThrowsAgainOnceTheLoopReturned() {
    EventLoop loop = newLoop();
    loop.callSoon(loop::stop);
    loop.runForever();

    assertThatThrownBy(Loops::getRunningLoop)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("no running event loop");
  }

  @Test
  void getRunningLoopThrowsAgainAfterRunUntilCompleteFailed() {
    EventLoop loop = newLoop();
    LoopFuture<String> future = loop.createFuture();
    loop.callSoon(() -> future.setException(new IllegalStateException("expected")));
    catchThrowable(() -> loop.runUntilComplete(future));

    assertThatThrownBy(Loops::getRunningLoop).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void eachThreadSeesItsOwnRunningLoop() throws Exception {
    EventLoop first = newLoop();
    EventLoop second = newLoop();
    CountDownLatch bothRunning = new CountDownLatch(2);

    CompletableFuture<EventLoop> seenByFirst = runOnOwnThread(first, bothRunning);
    CompletableFuture<EventLoop> seenBySecond = runOnOwnThread(second, bothRunning);

    assertThat(seenByFirst.get(5, TimeUnit.SECONDS)).isSameAs(first);
    assertThat(seenBySecond.get(5, TimeUnit.SECONDS)).isSameAs(second);
    assertThatThrownBy(Loops::getRunningLoop).isInstanceOf(IllegalStateException.class);
  }

  /**
   * Runs {@code loop} on a new thread; its callback waits until both loops run at once, then
   * reports what {@code getRunningLoop} says there.
   */
  private static CompletableFuture<EventLoop> runOnOwnThread(
      EventLoop loop, CountDownLatch bothRunning) {
    CompletableFuture<EventLoop> seen = new CompletableFuture<>();
    Thread thread =
        new Thread(
            () -> {
              loop.callSoon(
                  () -> {
                    bothRunning.countDown();
                    try {
                      if (!bothRunning.await(5, TimeUnit.SECONDS)) {
                        seen.completeExceptionally(new AssertionError("loops not concurrent"));
                      }
                      seen.complete(Loops.getRunningLoop());
                    } catch (Throwable t) {
                      seen.completeExceptionally(t);
                    }
                    loop.stop();
                  });
              try {
                loop.runForever();
              } catch (Throwable t) {
                seen.completeExceptionally(t);
              }
            },
            "runner-" + loop.hashCode());
    thread.setDaemon(true);
    thread.start();
    return seen;
  }

  // ------------------------------------------------------------------ thread's loop

  @Test
  void defaultPolicyGetEventLoopThrowsWhenNoLoopWasSet() {
    assertThatThrownBy(Loops::getEventLoop).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> Loops.getEventLoopPolicy().getEventLoop())
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void freshDefaultPolicyGetEventLoopThrowsWhenNoLoopWasSet() {
    EventLoopPolicy policy = EventLoopPolicy.defaultPolicy();

    assertThatThrownBy(policy::getEventLoop).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void setEventLoopThenGetEventLoopReturnsIt() {
    EventLoop loop = newLoop();

    Loops.setEventLoop(loop);

    assertThat(Loops.getEventLoop()).isSameAs(loop);
    assertThat(Loops.getEventLoopPolicy().getEventLoop()).isSameAs(loop);
  }

  @Test
  void setEventLoopNullClearsTheThreadsLoop() {
    Loops.setEventLoop(newLoop());

    Loops.setEventLoop(null);

    assertThatThrownBy(Loops::getEventLoop).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void newEventLoopIsNotSetAsTheThreadsLoop() {
    EventLoop loop = newLoop();

    assertThat(loop.isRunning()).isFalse();
    assertThatThrownBy(Loops::getEventLoop).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void newEventLoopMakesADifferentLoopEachTime() {
    assertThat(newLoop()).isNotSameAs(newLoop());
  }

  @Test
  void eachThreadHasItsOwnEventLoop() throws Exception {
    EventLoop mine = newLoop();
    EventLoop theirs = newLoop();
    Loops.setEventLoop(mine);

    CompletableFuture<Throwable> unsetThere =
        CompletableFuture.supplyAsync(() -> catchThrowable(Loops::getEventLoop), newThread());
    assertThat(unsetThere.get(5, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class);

    CompletableFuture<EventLoop> setThere =
        CompletableFuture.supplyAsync(
            () -> {
              Loops.setEventLoop(theirs);
              return Loops.getEventLoop();
            },
            newThread());
    assertThat(setThere.get(5, TimeUnit.SECONDS)).isSameAs(theirs);

    assertThat(Loops.getEventLoop()).isSameAs(mine);
  }

  private static java.util.concurrent.Executor newThread() {
    return command -> {
      Thread t = new Thread(command, "policy-test");
      t.setDaemon(true);
      t.start();
    };
  }

  @Test
  void getEventLoopInsideACallbackReturnsTheRunningLoop() {
    EventLoop running = newLoop();
    EventLoop other = newLoop();
    Loops.setEventLoop(other);
    AtomicReference<EventLoop> seen = new AtomicReference<>();
    running.callSoon(
        () -> {
          seen.set(Loops.getEventLoop());
          running.stop();
        });

    running.runForever();

    assertThat(seen.get()).isSameAs(running);
    assertThat(Loops.getEventLoop()).isSameAs(other);
  }

  @Test
  void getEventLoopInsideACallbackReturnsTheRunningLoopWhenNoneIsSet() {
    EventLoop running = newLoop();
    AtomicReference<EventLoop> seen = new AtomicReference<>();
    running.callSoon(
        () -> {
          seen.set(Loops.getEventLoop());
          running.stop();
        });

    running.runForever();

    assertThat(seen.get()).isSameAs(running);
  }

  // ------------------------------------------------------------------ custom policy

  /** A policy that hands out one fixed loop and records what it was asked. */
  private static final class RecordingPolicy implements EventLoopPolicy {
    final List<String> calls = new ArrayList<>();
    final EventLoop loop;
    EventLoop set;

    RecordingPolicy(EventLoop loop) {
      this.loop = loop;
    }

    @Override
    public EventLoop getEventLoop() {
      calls.add("get");
      return set != null ? set : loop;
    }

    @Override
    public void setEventLoop(EventLoop loop) {
      calls.add("set");
      set = loop;
    }

    @Override
    public EventLoop newEventLoop() {
      calls.add("new");
      return loop;
    }
  }

  @Test
  void customPolicyIsUsedByTheLoopsFunctions() {
    EventLoop fixed = newLoop();
    EventLoop another = newLoop();
    RecordingPolicy policy = new RecordingPolicy(fixed);

    Loops.setEventLoopPolicy(policy);

    assertThat(Loops.getEventLoopPolicy()).isSameAs(policy);
    assertThat(Loops.newEventLoop()).isSameAs(fixed);
    assertThat(Loops.getEventLoop()).isSameAs(fixed);
    Loops.setEventLoop(another);
    assertThat(Loops.getEventLoop()).isSameAs(another);
    assertThat(policy.calls).containsExactly("new", "get", "set", "get");
  }

  @Test
  void getEventLoopPrefersTheRunningLoopOverTheCustomPolicy() {
    EventLoop fixed = newLoop();
    RecordingPolicy policy = new RecordingPolicy(fixed);
    EventLoop running = newLoop();
    Loops.setEventLoopPolicy(policy);
    AtomicReference<EventLoop> seen = new AtomicReference<>();
    running.callSoon(
        () -> {
          seen.set(Loops.getEventLoop());
          running.stop();
        });

    running.runForever();

    assertThat(seen.get()).isSameAs(running);
  }

  @Test
  void setEventLoopPolicyNullRestoresTheDefault() {
    EventLoop fixed = newLoop();
    RecordingPolicy policy = new RecordingPolicy(fixed);
    Loops.setEventLoopPolicy(policy);

    Loops.setEventLoopPolicy(null);

    EventLoopPolicy restored = Loops.getEventLoopPolicy();
    assertThat(restored).isNotNull().isNotSameAs(policy);
    assertThat(Loops.getEventLoopPolicy()).isSameAs(restored);
    assertThatThrownBy(Loops::getEventLoop).isInstanceOf(IllegalStateException.class);
    EventLoop fresh = newLoop();
    assertThat(fresh).isNotSameAs(fixed);
    assertThat(policy.calls).isEmpty();
  }

  @Test
  void restoredDefaultPolicyForgetsTheLoopsSetBefore() {
    Loops.setEventLoop(newLoop());

    Loops.setEventLoopPolicy(null);

    assertThatThrownBy(Loops::getEventLoop).isInstanceOf(IllegalStateException.class);
  }

  // ------------------------------------------------------------------ Loops.run

  @Test
  void runReturnsTheResultOfMainAndClosesItsLoop() {
    AtomicReference<EventLoop> used = new AtomicReference<>();
    AtomicReference<EventLoop> runningInside = new AtomicReference<>();

    Integer result =
        Loops.run(
            loop -> {
              used.set(loop);
              runningInside.set(Loops.getRunningLoop());
              LoopFuture<Integer> f = loop.createFuture();
              loop.callLater(java.time.Duration.ofMillis(1), () -> f.setResult(42));
              return f;
            });

    assertThat(result).isEqualTo(42);
    assertThat(runningInside.get()).isSameAs(used.get());
    assertThat(used.get().isClosed()).isTrue();
  }

  @Test
  void runRethrowsAnUncheckedFailureOfMainAndClosesItsLoop() {
    AtomicReference<EventLoop> used = new AtomicReference<>();
    IllegalArgumentException failure = new IllegalArgumentException("main failed");

    Throwable thrown =
        catchThrowable(
            () ->
                Loops.run(
                    loop -> {
                      used.set(loop);
                      return CompletableFuture.failedFuture(failure);
                    }));

    assertThat(thrown).isSameAs(failure);
    assertThat(used.get().isClosed()).isTrue();
  }

  @Test
  void runInsideARunningLoopThrows() {
    EventLoop loop = newLoop();
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    loop.callSoon(
        () -> {
          thrown.set(catchThrowable(() -> Loops.run(l -> CompletableFuture.completedFuture(1))));
          loop.stop();
        });

    loop.runForever();

    assertThat(thrown.get()).isInstanceOf(IllegalStateException.class);
  }
}
