package dev.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input gets a clear exception at the call, naming what was wrong, and leaves the loop usable
 * (DESIGN.md, "Invariants").
 */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BadInputTest {

  private static final Runnable NOOP = () -> {};

  private EventLoop loop;

  @BeforeEach
  void newLoop() {
    loop = Loops.newEventLoop();
  }

  @AfterEach
  void closeLoop() {
    if (!loop.isRunning()) {
      loop.close();
    }
  }

  /** Fails unless the loop still runs a callback. */
  private void assertLoopStillRunsACallback() {
    AtomicBoolean ran = new AtomicBoolean();
    loop.callSoon(() -> ran.set(true));
    loop.callSoon(loop::stop);
    loop.runForever();
    assertThat(ran).as("the loop ran a callback after the bad call").isTrue();
    assertThat(loop.isClosed()).isFalse();
  }

  static Stream<Arguments> nullArguments() {
    return Stream.of(
        nullCase("callSoon(null)", "callback", l -> l.callSoon(null)),
        nullCase("callSoon(null, context)", "callback", l -> l.callSoon(null, LoopContext.empty())),
        nullCase("callSoon(callback, null)", "context", l -> l.callSoon(NOOP, null)),
        nullCase("callSoonThreadsafe(null)", "callback", l -> l.callSoonThreadsafe(null)),
        nullCase(
            "callSoonThreadsafe(null, context)",
            "callback",
            l -> l.callSoonThreadsafe(null, LoopContext.empty())),
        nullCase(
            "callSoonThreadsafe(callback, null)", "context", l -> l.callSoonThreadsafe(NOOP, null)),
        nullCase("execute(null)", "command", l -> l.execute(null)),
        nullCase("callLater(null, callback)", "delay", l -> l.callLater(null, NOOP)),
        nullCase(
            "callLater(duration, null)", "callback", l -> l.callLater(Duration.ofMillis(1), null)),
        nullCase("callLater(1, null, callback)", "unit", l -> l.callLater(1, null, NOOP)),
        nullCase(
            "callLater(1, unit, null)",
            "callback",
            l -> l.callLater(1, TimeUnit.MILLISECONDS, null)),
        nullCase("callAt(when, null)", "callback", l -> l.callAt(l.time(), null)),
        nullCase(
            "callAt(when, null, context)",
            "callback",
            l -> l.callAt(l.time(), null, LoopContext.empty())),
        nullCase("callAt(when, callback, null)", "context", l -> l.callAt(l.time(), NOOP, null)),
        nullCase("runUntilComplete(null)", "future", l -> l.runUntilComplete(null)),
        nullCase("createTask(null)", "body", l -> l.createTask(null)),
        nullCase("runInExecutor(null, null)", "fn", l -> l.runInExecutor(null, null)),
        nullCase("setDefaultExecutor(null)", "executor", l -> l.setDefaultExecutor(null)),
        nullCase(
            "setSlowCallbackDuration(null)", "threshold", l -> l.setSlowCallbackDuration(null)),
        nullCase("callExceptionHandler(null)", "context", l -> l.callExceptionHandler(null)),
        nullCase("defaultExceptionHandler(null)", "context", l -> l.defaultExceptionHandler(null)),
        nullCase("shutdown(null)", "timeout", l -> l.shutdown(null)),
        nullCase(
            "shutdown(null, timeout)", "quietPeriod", l -> l.shutdown(null, Duration.ofSeconds(1))),
        nullCase(
            "shutdown(quietPeriod, null)", "timeout", l -> l.shutdown(Duration.ZERO, null)));
  }

  private static Arguments nullCase(String call, String parameter, Consumer<EventLoop> action) {
    return Arguments.of(Named.of(call, action), parameter);
  }

  @ParameterizedTest(name = "{0} names {1}")
  @MethodSource("nullArguments")
  void nullArgumentThrowsNullPointerExceptionNamingTheParameterAndLeavesTheLoopUsable(
      Consumer<EventLoop> call, String parameter) {
    assertThatThrownBy(() -> call.accept(loop))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining(parameter);

    assertLoopStillRunsACallback();
  }

  @Test
  void nullArgumentFromALoopCallbackThrowsAndTheLoopGoesOn() {
    AtomicBoolean after = new AtomicBoolean();
    Throwable[] thrown = new Throwable[1];
    loop.callSoon(() -> thrown[0] = catchThrowable(() -> loop.callSoon(null)));
    loop.callSoon(() -> after.set(true));
    loop.callSoon(loop::stop);

    loop.runForever();

    assertThat(thrown[0]).isInstanceOf(NullPointerException.class).hasMessageContaining("callback");
    assertThat(after).isTrue();
  }

  @Test
  void callSoonFromAnotherThreadWhileTheLoopRunsThrowsIllegalStateException() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    AtomicBoolean sneaked = new AtomicBoolean();
    loop.callSoon(running::countDown);
    CompletableFuture<Throwable> attempt =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                running.await();
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
              Throwable t = catchThrowable(() -> loop.callSoon(() -> sneaked.set(true)));
              loop.callSoonThreadsafe(loop::stop);
              return t;
            });

    loop.runForever();

    assertThat(attempt.get(5, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class);
    assertThat(sneaked).isFalse();
    assertLoopStillRunsACallback();
    assertThat(sneaked).as("the refused callback never runs").isFalse();
  }

  @Test
  void callSoonFromAnotherThreadThrowsEvenInDebugModeOff() throws Exception {
    loop.setDebug(false);
    CountDownLatch running = new CountDownLatch(1);
    loop.callSoon(running::countDown);
    CompletableFuture<Throwable> attempt =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                running.await();
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
              Throwable t =
                  catchThrowable(() -> loop.callSoon(NOOP, LoopContext.empty()));
              loop.callSoonThreadsafe(loop::stop);
              return t;
            });

    loop.runForever();

    assertThat(attempt.get(5, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void createTaskFromAnotherThreadWhileTheLoopRunsThrowsIllegalStateException() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    loop.callSoon(running::countDown);
    CompletableFuture<Throwable> attempt =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                running.await();
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
              Throwable t =
                  catchThrowable(
                      () -> loop.createTask(() -> CompletableFuture.completedFuture("x")));
              loop.callSoonThreadsafe(loop::stop);
              return t;
            });

    loop.runForever();

    assertThat(attempt.get(5, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class);
    assertLoopStillRunsACallback();
  }

  @Test
  void negativeSlowCallbackDurationThrowsIllegalArgumentExceptionAndKeepsTheOldValue() {
    loop.setSlowCallbackDuration(Duration.ofMillis(250));

    assertThatThrownBy(() -> loop.setSlowCallbackDuration(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class);

    assertThat(loop.slowCallbackDuration()).isEqualTo(Duration.ofMillis(250));
    assertLoopStillRunsACallback();
  }

  @Test
  void negativeShutdownTimeoutThrowsIllegalArgumentException() {
    assertThatThrownBy(() -> loop.shutdown(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> loop.shutdown(Duration.ofSeconds(-1), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> loop.shutdown(Duration.ZERO, Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);

    assertThat(loop.isClosed()).isFalse();
    assertLoopStillRunsACallback();
  }

  @Test
  void hugeDelayNeverFiresInsteadOfOverflowing() {
    AtomicBoolean fired = new AtomicBoolean();
    scheduleOrRefuse(() -> loop.callLater(Long.MAX_VALUE, TimeUnit.NANOSECONDS, () -> fired.set(true)));
    scheduleOrRefuse(() -> loop.callLater(Long.MAX_VALUE, TimeUnit.DAYS, () -> fired.set(true)));
    scheduleOrRefuse(() -> loop.callLater(Duration.ofDays(365L * 1000), () -> fired.set(true)));
    scheduleOrRefuse(
        () -> loop.callLater(Duration.ofSeconds(Long.MAX_VALUE), () -> fired.set(true)));
    loop.callLater(Duration.ofMillis(5), loop::stop);

    loop.runForever();

    assertThat(fired).as("a timer centuries away fired").isFalse();
    assertLoopStillRunsACallback();
  }

  /** A huge delay may be refused with IllegalArgumentException, but nothing else. */
  private static void scheduleOrRefuse(Runnable schedule) {
    Throwable t = catchThrowable(schedule::run);
    if (t != null) {
      assertThat(t).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void callLaterOnAClosedLoopNamesTheClosedLoop() {
    loop.close();

    assertThatThrownBy(() -> loop.callLater(Duration.ZERO, NOOP))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void runUntilCompleteOfAForeignFutureLeavesTheLoopUsable() {
    try (EventLoop other = Loops.newEventLoop()) {
      LoopFuture<String> foreign = other.createFuture();

      assertThatThrownBy(() -> loop.runUntilComplete(foreign))
          .isInstanceOf(IllegalArgumentException.class);

      assertLoopStillRunsACallback();
    }
  }

  @Test
  void reentrantRunForeverLeavesTheLoopRunningAndUsable() {
    Throwable[] thrown = new Throwable[1];
    AtomicBoolean after = new AtomicBoolean();
    loop.callSoon(() -> thrown[0] = catchThrowable(loop::runForever));
    loop.callSoon(() -> loop.callSoon(() -> after.set(true)));
    loop.callSoon(() -> loop.callSoon(loop::stop));

    loop.runForever();

    assertThat(thrown[0]).isInstanceOf(IllegalStateException.class);
    assertThat(after).isTrue();
    assertLoopStillRunsACallback();
  }

  @Test
  void exceptionContextWithoutAMessageThrowsNullPointerException() {
    assertThatThrownBy(() -> new ExceptionContext(null, null, null, null, null, null, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("message");
  }
}
