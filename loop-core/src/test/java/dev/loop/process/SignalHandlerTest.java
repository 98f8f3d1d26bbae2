package dev.loop.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import dev.loop.ContextVar;
import dev.loop.EventLoop;
import dev.loop.ExceptionContext;
import dev.loop.LoopContext;
import dev.loop.Loops;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * addSignalHandler/removeSignalHandler: asyncio's {@code test_add_signal_handler},
 * {@code test_remove_signal_handler} and friends, with real signals sent to this JVM by
 * {@code kill}.
 *
 * <p>Safety: the surefire fork dies if it receives INT, TERM, HUP or USR1 while the JVM's default
 * handles them, so those are sent only while a loop's handler is installed and each test waits for
 * the callback before removing it. Most tests use WINCH, which is harmless without a handler.
 * Handlers the tests install directly ({@link #installProbe}) are restored after each test.
 *
 * <p>USR2 is not used for delivery: HotSpot (JDK 17 and 25 on Linux) suspends threads with it, so
 * the loop refuses it with an explanation, which {@link #jvmReservedSignalsAreRefusedWithAReason()}
 * checks.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SignalHandlerTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  /** Each loop runs forever on its own thread, as an application's would. */
  private final Map<EventLoop, Thread> loopThreads = new LinkedHashMap<>();

  /** Puts back the handlers the test installed through {@code sun.misc}, last first. */
  private final Deque<Runnable> restore = new ArrayDeque<>();

  @AfterEach
  void tearDown() throws InterruptedException {
    for (EventLoop loop : loopThreads.keySet()) {
      stopAndClose(loop); // close() also removes the loop's handlers
    }
    while (!restore.isEmpty()) {
      restore.pop().run();
    }
  }

  private EventLoop runningLoop(String name) {
    EventLoop loop = Loops.newEventLoop();
    Thread thread = new Thread(loop::runForever, name);
    thread.setDaemon(true);
    thread.start();
    loopThreads.put(loop, thread);
    return loop;
  }

  private void stopAndClose(EventLoop loop) throws InterruptedException {
    if (loop.isClosed()) {
      return;
    }
    Thread thread = loopThreads.get(loop);
    loop.callSoonThreadsafe(loop::stop);
    thread.join(WAIT.toMillis());
    assertThat(thread.isAlive()).as("loop thread stopped").isFalse();
    loop.close();
  }

  /** Sends the signal to this JVM with the {@code kill} command, and waits for the command. */
  private static void sendToThisJvm(String name) throws Exception {
    Process kill =
        new ProcessBuilder("kill", "-" + name, String.valueOf(ProcessHandle.current().pid()))
            .redirectErrorStream(true)
            .start();
    assertThat(kill.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("kill finished").isTrue();
    assertThat(kill.exitValue()).as("kill's exit status").isZero();
  }

  /** Completes once everything the loop was given before it has run. */
  private static void roundTrip(EventLoop loop) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    loop.callSoonThreadsafe(() -> done.complete(null));
    done.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** A handler installed directly, before the loop's, counting what it receives. */
  private static final class Probe implements SignalHandler {
    final AtomicInteger received = new AtomicInteger();

    @Override
    public void handle(Signal sig) {
      received.incrementAndGet();
    }
  }

  /**
   * Installs a probe as the JVM's handler of {@code name}; after the test, the handler that was
   * there before comes back.
   */
  private Probe installProbe(String name) {
    Signal signal = new Signal(name);
    Probe probe = new Probe();
    SignalHandler before = Signal.handle(signal, probe);
    restore.push(() -> Signal.handle(signal, before));
    return probe;
  }

  /**
   * The JVM's current handler of {@code name}, found by swapping a no-op in and the handler back
   * ({@code sun.misc} has no getter): a Java handler comes back as the very object installed.
   */
  private static SignalHandler currentHandler(String name) {
    Signal signal = new Signal(name);
    SignalHandler current = Signal.handle(signal, sig -> {});
    Signal.handle(signal, current);
    return current;
  }

  @Test
  void signalSentToTheJvmRunsTheCallbackOnTheLoopThread() throws Exception {
    EventLoop loop = runningLoop("signal-loop");
    CompletableFuture<Thread> ranOn = new CompletableFuture<>();
    loop.addSignalHandler("USR1", () -> ranOn.complete(Thread.currentThread()));

    sendToThisJvm("USR1");

    assertThat(ranOn.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isSameAs(loopThreads.get(loop));
    assertThat(loop.removeSignalHandler("USR1")).isTrue();
  }

  @Test
  void namesMayHaveTheSigPrefixAndAnyCase() throws Exception {
    EventLoop loop = runningLoop("signal-loop");
    AtomicInteger calls = new AtomicInteger();
    loop.addSignalHandler("sigwinch", calls::incrementAndGet);

    sendToThisJvm("WINCH");

    await().atMost(WAIT).until(() -> calls.get() == 1);
    assertThat(loop.removeSignalHandler("SIGWINCH")).isTrue();
    assertThat(loop.removeSignalHandler("Winch")).isFalse();
  }

  @Test
  void callbackRunsInTheContextCapturedWhenTheHandlerWasAdded() throws Exception {
    EventLoop loop = runningLoop("signal-loop");
    ContextVar<String> who = ContextVar.named("who");
    CompletableFuture<String> seen = new CompletableFuture<>();
    // The adding thread stays inside this context: the loop must not need to enter it itself.
    LoopContext.empty()
        .run(
            () -> {
              who.set("at add");
              loop.addSignalHandler("WINCH", () -> seen.complete(who.get("unset")));
              who.set("after add");
            });

    sendToThisJvm("WINCH");

    assertThat(seen.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("at add");
  }

  @Test
  void addingAgainReplacesTheCallbackAndRemovalRestoresTheHandlerFromBeforeTheFirstAdd()
      throws Exception {
    Probe before = installProbe("WINCH");
    EventLoop loop = runningLoop("signal-loop");
    AtomicInteger first = new AtomicInteger();
    AtomicInteger second = new AtomicInteger();
    loop.addSignalHandler("WINCH", first::incrementAndGet);
    loop.addSignalHandler("WINCH", second::incrementAndGet);

    sendToThisJvm("WINCH");
    await().atMost(WAIT).until(() -> second.get() == 1);
    roundTrip(loop);
    assertThat(first).hasValue(0);
    assertThat(before.received).hasValue(0);

    assertThat(loop.removeSignalHandler("WINCH")).isTrue();
    assertThat(loop.removeSignalHandler("WINCH")).isFalse();
    assertThat(currentHandler("WINCH")).isSameAs(before);

    sendToThisJvm("WINCH");
    await().atMost(WAIT).until(() -> before.received.get() == 1);
    roundTrip(loop);
    assertThat(second).hasValue(1);
  }

  @Test
  void removingAHandlerTheLoopNeverAddedReturnsFalse() {
    EventLoop loop = runningLoop("signal-loop");

    assertThat(loop.removeSignalHandler("USR1")).isFalse();
    assertThat(loop.removeSignalHandler("KILL")).isFalse();
    assertThatThrownBy(() -> loop.removeSignalHandler("FOO"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown signal: FOO");
  }

  @Test
  void closingTheLoopRemovesItsHandlersAndRestoresThePreviousOnes() throws Exception {
    Probe before = installProbe("WINCH");
    EventLoop loop = runningLoop("signal-loop");
    AtomicInteger calls = new AtomicInteger();
    loop.addSignalHandler("WINCH", calls::incrementAndGet);
    sendToThisJvm("WINCH");
    await().atMost(WAIT).until(() -> calls.get() == 1);

    stopAndClose(loop);

    assertThat(currentHandler("WINCH")).isSameAs(before);
    sendToThisJvm("WINCH");
    await().atMost(WAIT).until(() -> before.received.get() == 1);
    assertThat(calls).hasValue(1);
    assertThat(loop.removeSignalHandler("WINCH")).isFalse();
  }

  @Test
  void twoLoopsHandlingTheSameSignalBothGetItAndRemovingOneKeepsTheOther() throws Exception {
    Probe before = installProbe("WINCH");
    EventLoop first = runningLoop("first-loop");
    EventLoop second = runningLoop("second-loop");
    List<Thread> firstRanOn = new ArrayList<>();
    AtomicInteger firstCalls = new AtomicInteger();
    AtomicInteger secondCalls = new AtomicInteger();
    first.addSignalHandler(
        "WINCH",
        () -> {
          firstRanOn.add(Thread.currentThread());
          firstCalls.incrementAndGet();
        });
    second.addSignalHandler("WINCH", secondCalls::incrementAndGet);

    sendToThisJvm("WINCH");
    await().atMost(WAIT).until(() -> firstCalls.get() == 1 && secondCalls.get() == 1);
    roundTrip(first); // publishes firstRanOn
    assertThat(firstRanOn).containsExactly(loopThreads.get(first));

    assertThat(first.removeSignalHandler("WINCH")).isTrue();
    sendToThisJvm("WINCH");
    await().atMost(WAIT).until(() -> secondCalls.get() == 2);
    // Had the first loop still been registered, its callback would be queued before this trip.
    roundTrip(first);
    assertThat(firstCalls).hasValue(1);
    assertThat(before.received).hasValue(0);

    assertThat(second.removeSignalHandler("WINCH")).isTrue();
    assertThat(currentHandler("WINCH")).isSameAs(before);
  }

  @Test
  void interruptHandledByALoopDoesNotEndTheJvmAndRemovalGivesItBackToTheJvm() throws Exception {
    SignalHandler jvmHandler = currentHandler("INT");
    assumeThat(jvmHandler)
        .as("SIGINT is ignored by this process (a background job?): the JVM will not handle it")
        .isNotSameAs(SignalHandler.SIG_IGN);
    EventLoop loop = runningLoop("signal-loop");
    CompletableFuture<Thread> ranOn = new CompletableFuture<>();
    loop.addSignalHandler("SIGINT", () -> ranOn.complete(Thread.currentThread()));

    sendToThisJvm("INT"); // Ctrl-C: without the loop's handler, the JVM would exit

    assertThat(ranOn.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isSameAs(loopThreads.get(loop));
    assertThat(loop.removeSignalHandler("INT")).isTrue();
    // The JDK's shutdown handler (java.lang.Terminator) is back: same object, wrapped anew.
    assertThat(currentHandler("INT")).hasToString(jvmHandler.toString());
  }

  @Test
  void jvmReservedSignalsAreRefusedWithAReason() throws Exception {
    EventLoop loop = runningLoop("signal-loop");

    // HotSpot's thread suspend signal: sun.misc would accept it, and break JFR's sampling.
    assertThatThrownBy(() -> loop.addSignalHandler("USR2", () -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("signal USR2 is reserved by the JVM")
        .hasMessageContaining("suspends threads");
    // Refused by the JVM itself (thread dumps).
    assertThatThrownBy(() -> loop.addSignalHandler("SIGQUIT", () -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("signal QUIT is reserved by the JVM")
        .hasMessageContaining("thread dump")
        .hasMessageContaining("Signal already used by VM or OS: SIGQUIT");
    assertThatThrownBy(() -> loop.addSignalHandler("SEGV", () -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("signal SEGV is reserved by the JVM");

    assertThat(loop.removeSignalHandler("USR2")).isFalse();
    roundTrip(loop);
  }

  @Test
  void badArgumentsFailAtTheCallAndTheLoopStaysUsable() throws Exception {
    EventLoop loop = runningLoop("signal-loop");
    Runnable noop = () -> {};

    assertThatThrownBy(() -> loop.addSignalHandler("FOO", noop))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown signal: FOO");
    assertThatThrownBy(() -> loop.addSignalHandler("SIG", noop))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown signal: SIG");
    assertThatThrownBy(() -> loop.addSignalHandler("KILL", noop))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("KILL cannot be caught");
    assertThatThrownBy(() -> loop.addSignalHandler("SIGSTOP", noop))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("STOP cannot be caught");
    assertThatThrownBy(() -> loop.addSignalHandler(null, noop))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("name");
    assertThatThrownBy(() -> loop.addSignalHandler("WINCH", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("callback");
    assertThatThrownBy(() -> loop.removeSignalHandler(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("name");

    CompletableFuture<Thread> ranOn = new CompletableFuture<>();
    loop.callSoonThreadsafe(() -> ranOn.complete(Thread.currentThread()));
    assertThat(ranOn.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isSameAs(loopThreads.get(loop));

    AtomicInteger calls = new AtomicInteger();
    loop.addSignalHandler("WINCH", calls::incrementAndGet);
    sendToThisJvm("WINCH");
    await().atMost(WAIT).until(() -> calls.get() == 1);
  }

  @Test
  void addingToAClosedLoopThrowsAndInstallsNothing() throws Exception {
    Probe before = installProbe("WINCH");
    EventLoop loop = runningLoop("signal-loop");
    stopAndClose(loop);

    assertThatThrownBy(() -> loop.addSignalHandler("WINCH", () -> {}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThat(currentHandler("WINCH")).isSameAs(before);
  }

  @Test
  void concurrentAddsAndRemovesOnSeveralLoopsLeaveThePreviousHandlerInPlace() throws Exception {
    Probe before = installProbe("WINCH");
    List<EventLoop> loops = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      loops.add(runningLoop("loop-" + i));
    }
    CountDownLatch start = new CountDownLatch(1);
    List<CompletableFuture<Void>> workers = new ArrayList<>();
    for (EventLoop loop : loops) {
      workers.add(
          CompletableFuture.runAsync(
              () -> {
                awaitQuietly(start);
                for (int round = 0; round < 200; round++) {
                  loop.addSignalHandler("WINCH", () -> {});
                  loop.addSignalHandler("WINCH", () -> {}); // replaces
                  assertThat(loop.removeSignalHandler("WINCH")).isTrue();
                }
              }));
    }
    start.countDown();
    CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new))
        .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);

    assertThat(currentHandler("WINCH")).isSameAs(before);
  }

  @Test
  void closingWhileAnotherThreadAddsLeavesNoHandlerBehind() throws Exception {
    Probe before = installProbe("WINCH");
    EventLoop loop = Loops.newEventLoop(); // not running: close() is allowed at any moment
    CountDownLatch adding = new CountDownLatch(1);
    CompletableFuture<Integer> adder =
        CompletableFuture.supplyAsync(
            () -> {
              int added = 0;
              try {
                while (true) {
                  loop.addSignalHandler("WINCH", () -> {});
                  added++;
                  adding.countDown();
                }
              } catch (IllegalStateException closed) {
                return added;
              }
            });
    adding.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);

    loop.close();

    assertThat(adder.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isPositive();
    assertThat(currentHandler("WINCH")).isSameAs(before);
    assertThat(loop.removeSignalHandler("WINCH")).isFalse();
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      assertThat(latch.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Test
  void callbackThatThrowsGoesToTheExceptionHandlerAndTheLoopKeepsRunning() throws Exception {
    EventLoop loop = runningLoop("signal-loop");
    CompletableFuture<ExceptionContext> reported = new CompletableFuture<>();
    loop.setExceptionHandler((l, context) -> reported.complete(context));
    RuntimeException failure = new IllegalStateException("expected by the test: signal callback");
    AtomicInteger calls = new AtomicInteger();
    loop.addSignalHandler(
        "WINCH",
        () -> {
          if (calls.incrementAndGet() == 1) {
            throw failure;
          }
        });

    sendToThisJvm("WINCH");

    ExceptionContext context = reported.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(context.exception()).isSameAs(failure);
    assertThat(context.handle()).isNotNull();
    assertThat(context.handle().toString()).contains("SIGWINCH");
    sendToThisJvm("WINCH");
    await().atMost(WAIT).until(() -> calls.get() == 2);
    roundTrip(loop);
  }
}
