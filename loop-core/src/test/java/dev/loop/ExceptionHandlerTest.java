package dev.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The exception handler: asyncio's {@code test_default_exc_handler_callback},
 * {@code test_set_exc_handler_custom}, {@code test_set_exc_handler_broken}.
 */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ExceptionHandlerTest {

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

  /** What a handler saw, with the thread it ran on. */
  private record Call(EventLoop loop, ExceptionContext context, Thread thread) {}

  private List<Call> installRecordingHandler() {
    List<Call> calls = new ArrayList<>();
    loop.setExceptionHandler(
        (l, ctx) -> {
          synchronized (calls) {
            calls.add(new Call(l, ctx, Thread.currentThread()));
          }
        });
    return calls;
  }

  @Test
  void throwingCallbackDoesNotStopTheLoopWithTheDefaultHandler() {
    List<String> ran = new ArrayList<>();
    loop.callSoon(
        () -> {
          throw new IllegalStateException("expected by the test: default handler logs it");
        });
    loop.callSoon(() -> ran.add("same iteration"));
    loop.callSoon(() -> loop.callSoon(() -> ran.add("next iteration")));
    loop.callSoon(() -> loop.callSoon(loop::stop));

    loop.runForever();

    assertThat(ran).containsExactly("same iteration", "next iteration");
  }

  @Test
  void throwingCallbackDoesNotStopTheLoopWithACustomHandler() {
    List<Call> calls = installRecordingHandler();
    List<String> ran = new ArrayList<>();
    loop.callSoon(
        () -> {
          throw new IllegalStateException("first");
        });
    loop.callSoon(() -> ran.add("after first"));
    loop.callSoon(
        () -> {
          throw new IllegalArgumentException("second");
        });
    loop.callSoon(() -> ran.add("after second"));
    loop.callSoon(loop::stop);

    loop.runForever();

    assertThat(ran).containsExactly("after first", "after second");
    assertThat(calls)
        .extracting(c -> c.context().exception().getMessage())
        .containsExactly("first", "second");
  }

  @Test
  void handlerReceivesTheLoopMessageExceptionAndHandleOnTheLoopThread() {
    List<Call> calls = installRecordingHandler();
    RuntimeException failure = new RuntimeException("zero_error");
    Handle handle =
        loop.callSoon(
            () -> {
              throw failure;
            });
    loop.callSoon(loop::stop);

    loop.runForever();

    assertThat(calls).hasSize(1);
    Call call = calls.get(0);
    assertThat(call.loop()).isSameAs(loop);
    assertThat(call.thread()).isSameAs(Thread.currentThread());
    assertThat(call.context().exception()).isSameAs(failure);
    assertThat(call.context().handle()).isSameAs(handle);
    assertThat(call.context().message()).isNotBlank();
    assertThat((Object) call.context().future()).isNull();
  }

  @Test
  void failingTimerCallbackReachesTheHandlerWithItsTimerHandle() {
    List<Call> calls = installRecordingHandler();
    RuntimeException failure = new RuntimeException("timer failure");
    TimerHandle timer =
        loop.callLater(
            Duration.ofMillis(1),
            () -> {
              throw failure;
            });
    loop.callLater(Duration.ofMillis(5), loop::stop);

    loop.runForever();

    assertThat(calls).hasSize(1);
    assertThat(calls.get(0).context().exception()).isSameAs(failure);
    assertThat(calls.get(0).context().handle()).isSameAs(timer);
    assertThat(calls.get(0).context().message()).isNotBlank();
  }

  @Test
  void failingThreadsafeCallbackReachesTheHandler() {
    List<Call> calls = installRecordingHandler();
    RuntimeException failure = new RuntimeException("threadsafe failure");
    Handle handle =
        loop.callSoonThreadsafe(
            () -> {
              throw failure;
            });
    loop.callSoon(loop::stop);

    loop.runForever();

    assertThat(calls).hasSize(1);
    assertThat(calls.get(0).context().exception()).isSameAs(failure);
    assertThat(calls.get(0).context().handle()).isSameAs(handle);
  }

  @Test
  void failingExecuteCommandReachesTheHandlerAndTheLoopGoesOn() {
    List<Call> calls = installRecordingHandler();
    AtomicBoolean after = new AtomicBoolean();
    RuntimeException failure = new RuntimeException("execute failure");
    loop.execute(
        () -> {
          throw failure;
        });
    loop.execute(() -> after.set(true));
    loop.callSoon(loop::stop);

    loop.runForever();

    assertThat(calls).extracting(c -> c.context().exception()).containsExactly(failure);
    assertThat(after).isTrue();
  }

  @Test
  void failingDoneCallbackReachesTheHandlerAndTheLoopGoesOn() {
    List<Call> calls = installRecordingHandler();
    RuntimeException failure = new RuntimeException("done callback failure");
    LoopFuture<String> future = loop.createFuture();
    future.addDoneCallback(
        f -> {
          throw failure;
        });
    AtomicBoolean after = new AtomicBoolean();
    future.addDoneCallback(f -> after.set(true));
    future.setResult("x");
    LoopFuture<Void> end = loop.createFuture();
    loop.callSoon(() -> loop.callSoon(() -> loop.callSoon(() -> end.setResult(null))));

    loop.runUntilComplete(end);

    assertThat(calls).extracting(c -> c.context().exception()).containsExactly(failure);
    assertThat(after).isTrue();
  }

  @Test
  void throwingCallbackWhoseToStringThrowsDoesNotStopTheLoop() {
    List<Call> calls = installRecordingHandler();
    AtomicBoolean after = new AtomicBoolean();
    RuntimeException failure = new RuntimeException("run failed");
    loop.callSoon(
        new Runnable() {
          @Override
          public void run() {
            throw failure;
          }

          @Override
          public String toString() {
            throw new IllegalStateException("expected by the test: toString fails too");
          }
        });
    loop.callSoon(() -> loop.callSoon(() -> after.set(true)));
    loop.callSoon(() -> loop.callSoon(loop::stop));

    loop.runForever();

    assertThat(after).isTrue();
    assertThat(calls).extracting(c -> c.context().exception()).containsExactly(failure);
  }

  @Test
  void throwingCallbackWhoseToStringThrowsDoesNotStopTheLoopInDebugMode() {
    loop.setDebug(true);
    AtomicBoolean after = new AtomicBoolean();
    loop.callSoon(
        new Runnable() {
          @Override
          public void run() {
            throw new RuntimeException("expected by the test: run failed");
          }

          @Override
          public String toString() {
            throw new IllegalStateException("expected by the test: toString fails too");
          }
        });
    loop.callSoon(() -> loop.callSoon(() -> after.set(true)));
    loop.callSoon(() -> loop.callSoon(loop::stop));

    loop.runForever();

    assertThat(after).isTrue();
  }

  @Test
  void exceptionWhoseMessageAndToStringThrowDoesNotStopTheLoopWithTheDefaultHandler() {
    AtomicBoolean after = new AtomicBoolean();
    loop.callSoon(
        () -> {
          throw new RuntimeException() {
            @Override
            public String getMessage() {
              throw new IllegalStateException("expected by the test: getMessage fails");
            }

            @Override
            public String toString() {
              throw new IllegalStateException("expected by the test: toString fails");
            }
          };
        });
    loop.callSoon(() -> loop.callSoon(() -> after.set(true)));
    loop.callSoon(() -> loop.callSoon(loop::stop));

    loop.runForever();

    assertThat(after).isTrue();
  }

  @Test
  void throwingHandlerDoesNotStopTheLoop() {
    List<String> handled = new ArrayList<>();
    loop.setExceptionHandler(
        (l, ctx) -> {
          handled.add(ctx.exception().getMessage());
          throw new IllegalStateException("expected by the test: broken handler");
        });
    List<String> ran = new ArrayList<>();
    loop.callSoon(
        () -> {
          throw new RuntimeException("one");
        });
    loop.callSoon(() -> ran.add("after one"));
    loop.callSoon(
        () ->
            loop.callSoon(
                () -> {
                  throw new RuntimeException("two");
                }));
    loop.callSoon(() -> loop.callSoon(() -> loop.callSoon(() -> ran.add("later"))));
    loop.callSoon(() -> loop.callSoon(() -> loop.callSoon(loop::stop)));

    loop.runForever();

    assertThat(ran).containsExactly("after one", "later");
    assertThat(handled).containsExactly("one", "two");
  }

  @Test
  void handlerThatThrowsAnErrorDoesNotStopTheLoop() {
    loop.setExceptionHandler(
        (l, ctx) -> {
          throw new AssertionError("expected by the test: handler throws an Error");
        });
    AtomicBoolean after = new AtomicBoolean();
    loop.callSoon(
        () -> {
          throw new RuntimeException("callback failure");
        });
    loop.callSoon(() -> after.set(true));
    loop.callSoon(loop::stop);

    loop.runForever();

    assertThat(after).isTrue();
  }

  @Test
  void getExceptionHandlerReturnsTheInstalledHandlerAndNullByDefault() {
    assertThat(loop.getExceptionHandler()).isNull();
    ExceptionHandler handler = (l, ctx) -> {};

    loop.setExceptionHandler(handler);

    assertThat(loop.getExceptionHandler()).isSameAs(handler);
  }

  @Test
  void setExceptionHandlerNullRestoresTheDefault() {
    List<Call> calls = installRecordingHandler();
    loop.setExceptionHandler(null);
    assertThat(loop.getExceptionHandler()).isNull();
    AtomicBoolean after = new AtomicBoolean();
    loop.callSoon(
        () -> {
          throw new RuntimeException("expected by the test: goes to the default handler");
        });
    loop.callSoon(() -> after.set(true));
    loop.callSoon(loop::stop);

    loop.runForever();

    assertThat(calls).isEmpty();
    assertThat(after).isTrue();
  }

  @Test
  void replacingTheHandlerSendsLaterFailuresToTheNewOne() {
    List<Call> first = installRecordingHandler();
    List<ExceptionContext> second = new ArrayList<>();
    loop.callSoon(
        () -> {
          throw new RuntimeException("to first");
        });
    loop.callSoon(() -> loop.setExceptionHandler((l, ctx) -> second.add(ctx)));
    loop.callSoon(
        () -> {
          throw new RuntimeException("to second");
        });
    loop.callSoon(loop::stop);

    loop.runForever();

    assertThat(first).extracting(c -> c.context().exception().getMessage()).containsExactly("to first");
    assertThat(second).extracting(c -> c.exception().getMessage()).containsExactly("to second");
  }

  @Test
  void callExceptionHandlerPassesTheContextToTheHandler() {
    List<Call> calls = installRecordingHandler();
    ExceptionContext context = ExceptionContext.of("reported by hand", new RuntimeException("x"));

    loop.callExceptionHandler(context);

    assertThat(calls).hasSize(1);
    assertThat(calls.get(0).context()).isEqualTo(context);
    assertThat(calls.get(0).loop()).isSameAs(loop);
  }

  @Test
  void callExceptionHandlerNeverThrowsWhenTheHandlerThrows() {
    loop.setExceptionHandler(
        (l, ctx) -> {
          throw new IllegalStateException("expected by the test: broken handler");
        });

    assertThatCode(
            () -> loop.callExceptionHandler(ExceptionContext.of("boom", new RuntimeException())))
        .doesNotThrowAnyException();
  }

  @Test
  void callExceptionHandlerNeverThrowsWithTheDefaultHandler() {
    assertThatCode(
            () -> {
              loop.callExceptionHandler(
                  ExceptionContext.of(
                      "expected by the test: default handler", new RuntimeException("x")));
              loop.callExceptionHandler(
                  ExceptionContext.of("expected by the test: no exception", null));
            })
        .doesNotThrowAnyException();
  }

  @Test
  void callExceptionHandlerFromAnotherThreadRunsTheHandlerOnThatThread() throws Exception {
    List<Call> calls = installRecordingHandler();

    Thread caller =
        CompletableFuture.supplyAsync(
                () -> {
                  loop.callExceptionHandler(ExceptionContext.of("from elsewhere", null));
                  return Thread.currentThread();
                })
            .get(5, TimeUnit.SECONDS);

    assertThat(calls).hasSize(1);
    assertThat(calls.get(0).thread()).isSameAs(caller);
  }

  @Test
  void defaultExceptionHandlerDoesNotThrow() {
    assertThatCode(
            () ->
                loop.defaultExceptionHandler(
                    ExceptionContext.of("expected by the test: logged", new RuntimeException("y"))
                        .withHandle(loop.callSoon(() -> {}))))
        .doesNotThrowAnyException();
  }

  @Test
  void handlerInstalledOnOneLoopDoesNotSeeFailuresOfAnother() {
    List<Call> calls = installRecordingHandler();
    try (EventLoop other = Loops.newEventLoop()) {
      List<ExceptionContext> otherCalls = new ArrayList<>();
      other.setExceptionHandler((l, ctx) -> otherCalls.add(ctx));
      other.callSoon(
          () -> {
            throw new RuntimeException("other loop");
          });
      other.callSoon(other::stop);

      other.runForever();

      assertThat(calls).isEmpty();
      assertThat(otherCalls).hasSize(1);
    }
  }
}
