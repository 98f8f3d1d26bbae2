package dev.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ContextVar} and {@link LoopContext}: CPython's {@code test_context.py} (contextvars) and
 * {@code test_asyncio/test_context.py} (handles and tasks capture the context).
 *
 * <p>Each test makes its own variables, so values left in the test thread's context by one test
 * cannot be seen by another.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ContextVarTest {

  private final List<EventLoop> loops = new ArrayList<>();

  private EventLoop newLoop() {
    EventLoop loop = Loops.newEventLoop();
    loops.add(loop);
    return loop;
  }

  @AfterEach
  void closeLoops() {
    for (EventLoop loop : loops) {
      if (loop.isRunning()) {
        loop.stop();
      } else {
        loop.close();
      }
    }
  }

  private static String valueIn(LoopContext ctx, ContextVar<String> var) {
    return ctx.call(var::get);
  }

  private static void runBriefly(EventLoop loop) {
    LoopFuture<Void> marker = loop.createFuture();
    loop.callSoon(() -> marker.setResult(null));
    loop.runUntilComplete(marker);
  }

  // ---------------------------------------------------------------- ContextVar basics

  @Test
  void getOfAnUnsetVariableWithoutDefaultThrowsNoSuchElement() {
    ContextVar<String> var = ContextVar.named("unset");

    LoopContext.empty()
        .run(
            () -> {
              assertThatThrownBy(var::get).isInstanceOf(NoSuchElementException.class);
              assertThat(var.find()).isEmpty();
            });
  }

  @Test
  void getOfAnUnsetVariableWithDefaultReturnsTheDefault() {
    ContextVar<String> var = ContextVar.named("withDefault", "dflt");

    LoopContext.empty()
        .run(
            () -> {
              assertThat(var.get()).isEqualTo("dflt");
              assertThat(var.find()).isEmpty();
              assertThat(LoopContext.current().contains(var)).isFalse();
            });
  }

  @Test
  void getWithFallbackReturnsTheFallbackWhenUnsetIgnoringTheDefault() {
    ContextVar<String> plain = ContextVar.named("plain");
    ContextVar<String> withDefault = ContextVar.named("withDefault", "dflt");

    LoopContext.empty()
        .run(
            () -> {
              assertThat(plain.get("fallback")).isEqualTo("fallback");
              assertThat(withDefault.get("fallback")).isEqualTo("fallback");
              plain.set("value");
              assertThat(plain.get("fallback")).isEqualTo("value");
              assertThatThrownBy(() -> plain.get(null)).isInstanceOf(NullPointerException.class);
            });
  }

  @Test
  void setMakesTheValueVisibleToGetAndFind() {
    ContextVar<Integer> var = ContextVar.named("n");

    LoopContext.empty()
        .run(
            () -> {
              var.set(1);
              assertThat(var.get()).isEqualTo(1);
              assertThat(var.find()).contains(1);
              var.set(2);
              assertThat(var.get()).isEqualTo(2);
            });
  }

  @Test
  void aVariableKeepsItsName() {
    assertThat(ContextVar.named("requestId").name()).isEqualTo("requestId");
    assertThat(ContextVar.named("withDefault", 1).name()).isEqualTo("withDefault");
  }

  @Test
  void nullNamesDefaultsAndValuesAreRejected() {
    ContextVar<String> var = ContextVar.named("v");

    assertThatThrownBy(() -> ContextVar.named(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> ContextVar.named("x", null))
        .isInstanceOf(NullPointerException.class);
    LoopContext.empty()
        .run(
            () -> {
              assertThatThrownBy(() -> var.set(null)).isInstanceOf(NullPointerException.class);
              assertThat(var.find()).isEmpty();
              assertThatThrownBy(() -> var.reset(null)).isInstanceOf(NullPointerException.class);
            });
  }

  @Test
  void executeRunsTheCommandInTheContextOfTheThreadThatCalledIt() throws Exception {
    EventLoop loop = newLoop();
    ContextVar<String> var = ContextVar.named("executed", "none");
    List<String> seen = new ArrayList<>();
    LoopFuture<Void> done = loop.createFuture();
    Thread caller =
        new Thread(
            () -> {
              loop.execute(() -> seen.add("plain:" + var.get()));
              LoopContext.empty()
                  .run(
                      () -> {
                        var.set("other-thread");
                        loop.execute(() -> seen.add("set:" + var.get()));
                      });
              loop.execute(() -> seen.add("plain-again:" + var.get()));
              loop.callSoonThreadsafe(
                  () ->
                      LoopContext.empty()
                          .run(
                              () -> {
                                var.set("loop-thread");
                                loop.execute(() -> seen.add("from-loop:" + var.get()));
                                loop.execute(() -> done.setResult(null));
                              }));
            });
    caller.start();
    caller.join(10_000);

    loop.runUntilComplete(done);

    assertThat(seen)
        .containsExactly("plain:none", "set:other-thread", "plain-again:none", "from-loop:loop-thread");
  }

  // ---------------------------------------------------------------- tokens

  @Test
  void resetRestoresThePreviousValueAndThenUnsetsTheVariable() {
    ContextVar<String> var = ContextVar.named("r");

    LoopContext.empty()
        .run(
            () -> {
              ContextVar.Token<String> t1 = var.set("a");
              ContextVar.Token<String> t2 = var.set("b");
              assertThat(t1.var()).isSameAs(var);
              assertThat(t1.oldValue()).isEmpty();
              assertThat(t2.oldValue()).contains("a");

              var.reset(t2);
              assertThat(var.get()).isEqualTo("a");

              var.reset(t1);
              assertThat(var.find()).isEmpty();
              assertThat(LoopContext.current().contains(var)).isFalse();
              assertThatThrownBy(var::get).isInstanceOf(NoSuchElementException.class);
            });
  }

  @Test
  void resettingWithTheSameTokenTwiceThrowsIllegalState() {
    ContextVar<String> var = ContextVar.named("twice");

    LoopContext.empty()
        .run(
            () -> {
              ContextVar.Token<String> token = var.set("a");
              var.reset(token);

              assertThatThrownBy(() -> var.reset(token)).isInstanceOf(IllegalStateException.class);
              assertThat(var.find()).isEmpty();
            });
  }

  @Test
  void resettingWithATokenOfAnotherVariableThrowsIllegalArgument() {
    ContextVar<String> a = ContextVar.named("a");
    ContextVar<String> b = ContextVar.named("b");

    LoopContext.empty()
        .run(
            () -> {
              ContextVar.Token<String> tokenOfA = a.set("x");
              b.set("y");

              assertThatThrownBy(() -> b.reset(tokenOfA))
                  .isInstanceOf(IllegalArgumentException.class);
              assertThat(a.get()).isEqualTo("x");
              assertThat(b.get()).isEqualTo("y");
              a.reset(tokenOfA);
              assertThat(a.find()).isEmpty();
            });
  }

  @Test
  void resettingWithATokenFromAnotherContextThrowsIllegalArgument() {
    ContextVar<String> var = ContextVar.named("ctx");
    LoopContext other = LoopContext.empty();
    ContextVar.Token<String> foreign = other.call(() -> var.set("there"));

    LoopContext.empty()
        .run(
            () -> {
              var.set("here");
              assertThatThrownBy(() -> var.reset(foreign))
                  .isInstanceOf(IllegalArgumentException.class);
              assertThat(var.get()).isEqualTo("here");
            });
    assertThat(valueIn(other, var)).isEqualTo("there");
  }

  @Test
  void aValueSetOnOneThreadIsNotSeenOnAnother() throws Exception {
    ContextVar<String> var = ContextVar.named("perThread");
    CountDownLatch set = new CountDownLatch(1);
    CountDownLatch checked = new CountDownLatch(1);
    Thread setter =
        new Thread(
            () -> {
              var.set("on setter");
              set.countDown();
              try {
                checked.await(10, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    setter.start();
    try {
      assertThat(set.await(10, TimeUnit.SECONDS)).isTrue();
      CompletableFuture<java.util.Optional<String>> seenElsewhere = new CompletableFuture<>();
      Thread reader = new Thread(() -> seenElsewhere.complete(var.find()));
      reader.start();
      assertThat(seenElsewhere.get(10, TimeUnit.SECONDS)).isEmpty();
    } finally {
      checked.countDown();
      setter.join(10_000);
    }
  }

  // ---------------------------------------------------------------- LoopContext

  @Test
  void runSetsTheCurrentContextAndKeepsChangesInIt() {
    ContextVar<String> var = ContextVar.named("kept");
    LoopContext ctx = LoopContext.empty();
    AtomicReference<LoopContext> inside = new AtomicReference<>();
    LoopContext before = LoopContext.current();

    ctx.run(
        () -> {
          inside.set(LoopContext.current());
          var.set("inside");
        });

    assertThat(inside.get()).isSameAs(ctx);
    assertThat(LoopContext.current()).isSameAs(before);
    assertThat(ctx.contains(var)).isTrue();
    assertThat(valueIn(ctx, var)).isEqualTo("inside");
    assertThat(before.contains(var)).isFalse();
    assertThat(var.find()).isEmpty();
  }

  @Test
  void runningAContextThatIsAlreadyEnteredThrowsIllegalState() {
    LoopContext ctx = LoopContext.empty();
    AtomicReference<Throwable> thrown = new AtomicReference<>();

    ctx.run(
        () -> {
          try {
            ctx.run(() -> {});
          } catch (Throwable e) {
            thrown.set(e);
          }
        });

    assertThat(thrown.get()).isInstanceOf(IllegalStateException.class);
    // The failed re-entry did not leave the context marked as entered.
    ctx.run(() -> {});
  }

  @Test
  void runningAContextEnteredByAnotherThreadThrowsIllegalState() throws Exception {
    LoopContext ctx = LoopContext.empty();
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Thread holder =
        new Thread(
            () ->
                ctx.run(
                    () -> {
                      entered.countDown();
                      try {
                        release.await(20, TimeUnit.SECONDS);
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                    }));
    holder.start();
    try {
      assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
      assertThatThrownBy(() -> ctx.run(() -> {})).isInstanceOf(IllegalStateException.class);
    } finally {
      release.countDown();
      holder.join(10_000);
    }
    ctx.run(() -> {});
  }

  @Test
  void callReturnsTheActionsResultAndRejectsNull() {
    LoopContext ctx = LoopContext.empty();

    assertThat(ctx.call(() -> "r")).isEqualTo("r");
    assertThatThrownBy(() -> ctx.call(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> ctx.run(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void aCopyIsIndependentOfItsOriginal() {
    ContextVar<String> var = ContextVar.named("copied");
    ContextVar<String> added = ContextVar.named("added");
    LoopContext original = LoopContext.empty();
    original.run(() -> var.set("a"));

    LoopContext copy = original.copy();
    assertThat(copy).isNotSameAs(original);
    assertThat(copy.contains(var)).isTrue();
    assertThat(valueIn(copy, var)).isEqualTo("a");

    copy.run(
        () -> {
          var.set("b");
          added.set("only in copy");
        });
    original.run(() -> var.set("c"));

    assertThat(valueIn(original, var)).isEqualTo("c");
    assertThat(valueIn(copy, var)).isEqualTo("b");
    assertThat(original.contains(added)).isFalse();
    assertThat(copy.contains(added)).isTrue();
  }

  @Test
  void containsAndSizeFollowSetAndReset() {
    ContextVar<String> a = ContextVar.named("a");
    ContextVar<Integer> b = ContextVar.named("b", 0);
    LoopContext ctx = LoopContext.empty();
    assertThat(ctx.size()).isZero();
    assertThat(ctx.contains(a)).isFalse();
    assertThat(ctx.contains(b)).isFalse();

    ContextVar.Token<String> ta = ctx.call(() -> a.set("x"));
    assertThat(ctx.size()).isEqualTo(1);
    assertThat(ctx.contains(a)).isTrue();

    ctx.run(() -> b.set(5));
    ctx.run(() -> a.set("y"));
    assertThat(ctx.size()).isEqualTo(2);
    assertThat(ctx.contains(b)).isTrue();

    ctx.run(() -> a.reset(a.set("z")));
    assertThat(valueIn(ctx, a)).isEqualTo("y");
    assertThat(ta.oldValue()).isEqualTo(Optional.empty());

    ContextVar<String> c = ContextVar.named("c");
    ContextVar.Token<String> tc = ctx.call(() -> c.set("1"));
    assertThat(ctx.size()).isEqualTo(3);
    ctx.run(() -> c.reset(tc));
    assertThat(ctx.contains(c)).isFalse();
    assertThat(ctx.size()).isEqualTo(2);
    assertThatThrownBy(() -> ctx.contains(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void emptyReturnsANewContextEachTime() {
    ContextVar<String> var = ContextVar.named("e");
    LoopContext first = LoopContext.empty();
    first.run(() -> var.set("x"));

    LoopContext second = LoopContext.empty();

    assertThat(second).isNotSameAs(first);
    assertThat(second.contains(var)).isFalse();
    assertThat(second.size()).isZero();
  }

  // ---------------------------------------------------------------- handles capture the context

  @Test
  void aValueSetBeforeCallSoonIsSeenByTheCallback() {
    EventLoop loop = newLoop();
    ContextVar<String> var = ContextVar.named("request");
    AtomicReference<String> seen = new AtomicReference<>();

    LoopContext.empty()
        .run(
            () -> {
              var.set("r-1");
              loop.callSoon(() -> seen.set(var.get("unset")));
            });
    runBriefly(loop);

    assertThat(seen.get()).isEqualTo("r-1");
  }

  @Test
  void aValueSetAfterCallSoonIsNotSeenByTheCallback() {
    EventLoop loop = newLoop();
    ContextVar<String> var = ContextVar.named("snapshot");
    AtomicReference<String> seen = new AtomicReference<>();

    LoopContext.empty()
        .run(
            () -> {
              var.set("before");
              loop.callSoon(() -> seen.set(var.get("unset")));
              var.set("after");
            });
    runBriefly(loop);

    assertThat(seen.get()).isEqualTo("before");
  }

  @Test
  void whatACallbackSetsLeaksNeitherIntoTheSchedulerNorIntoAnotherCallback() {
    EventLoop loop = newLoop();
    ContextVar<String> var = ContextVar.named("leak");
    LoopContext scheduler = LoopContext.empty();
    List<String> seen = new ArrayList<>();

    scheduler.run(
        () -> {
          var.set("outer");
          loop.callSoon(
              () -> {
                seen.add("first saw " + var.get());
                var.set("set by first");
              });
          loop.callSoon(() -> seen.add("second saw " + var.get()));
        });
    runBriefly(loop);

    assertThat(seen).containsExactly("first saw outer", "second saw outer");
    assertThat(valueIn(scheduler, var)).isEqualTo("outer");
  }

  @Test
  void aCallbackRunsWithItsHandlesContextAsTheCurrentOne() {
    EventLoop loop = newLoop();
    AtomicReference<LoopContext> current = new AtomicReference<>();
    AtomicReference<Handle> handle = new AtomicReference<>();
    handle.set(loop.callSoon(() -> current.set(LoopContext.current())));

    runBriefly(loop);

    assertThat(current.get()).isSameAs(handle.get().context());
  }

  @Test
  void whatACallbackSetsStaysInItsHandlesContext() {
    EventLoop loop = newLoop();
    ContextVar<String> var = ContextVar.named("staysInHandle");
    AtomicReference<Handle> handle = new AtomicReference<>();
    LoopContext scheduler = LoopContext.empty();
    scheduler.run(
        () -> {
          var.set("scheduled with");
          handle.set(loop.callSoon(() -> var.set("set by callback")));
        });

    runBriefly(loop);

    assertThat(valueIn(handle.get().context(), var)).isEqualTo("set by callback");
    assertThat(valueIn(scheduler, var)).isEqualTo("scheduled with");
  }

  @Test
  void aHandlesContextAskedForBeforeItRunsIsTheCurrentContextOfTheCallback() {
    EventLoop loop = newLoop();
    AtomicReference<LoopContext> current = new AtomicReference<>();
    Handle handle = loop.callSoon(() -> current.set(LoopContext.current()));
    LoopContext asked = handle.context();

    runBriefly(loop);

    assertThat(current.get()).isSameAs(asked);
  }

  @Test
  void callLaterCapturesTheCurrentContext() {
    EventLoop loop = newLoop();
    ContextVar<String> var = ContextVar.named("later");
    LoopFuture<String> seen = loop.createFuture();

    LoopContext.empty()
        .run(
            () -> {
              var.set("timer value");
              loop.callLater(Duration.ofMillis(1), () -> seen.setResult(var.get("unset")));
              var.set("changed");
            });

    assertThat(loop.runUntilComplete(seen)).isEqualTo("timer value");
  }

  @Test
  void callAtCapturesTheCurrentContext() {
    EventLoop loop = newLoop();
    ContextVar<String> var = ContextVar.named("at");
    LoopFuture<String> seen = loop.createFuture();

    LoopContext.empty()
        .run(
            () -> {
              var.set("at value");
              loop.callAt(loop.time(), () -> seen.setResult(var.get("unset")));
            });

    assertThat(loop.runUntilComplete(seen)).isEqualTo("at value");
  }

  @Test
  void callSoonThreadsafeCapturesTheContextOfTheCallingThread() {
    EventLoop loop = newLoop();
    ContextVar<String> var = ContextVar.named("threadsafe");
    LoopFuture<String> seen = loop.createFuture();
    loop.callSoon(
        () ->
            new Thread(
                    () -> {
                      var.set("set on another thread");
                      loop.callSoonThreadsafe(() -> seen.setResult(var.get("unset")));
                    })
                .start());

    assertThat(loop.runUntilComplete(seen)).isEqualTo("set on another thread");
    assertThat(var.find()).isEmpty();
  }

  @Test
  void callSoonWithAnExplicitContextRunsInItAndKeepsTheCallbacksChangesThere() {
    EventLoop loop = newLoop();
    ContextVar<String> var = ContextVar.named("explicit");
    ContextVar<String> written = ContextVar.named("written");
    LoopContext ctx = LoopContext.empty();
    ctx.run(() -> var.set("from ctx"));
    AtomicReference<String> seen = new AtomicReference<>();
    AtomicReference<LoopContext> current = new AtomicReference<>();

    Handle handle =
        loop.callSoon(
            () -> {
              seen.set(var.get("unset"));
              current.set(LoopContext.current());
              written.set("by callback");
            },
            ctx);
    runBriefly(loop);

    assertThat(handle.context()).isSameAs(ctx);
    assertThat(seen.get()).isEqualTo("from ctx");
    assertThat(current.get()).isSameAs(ctx);
    assertThat(valueIn(ctx, written)).isEqualTo("by callback");
    assertThat(written.find()).isEmpty();
  }

  @Test
  void callSoonThreadsafeWithAnExplicitContextRunsInIt() {
    EventLoop loop = newLoop();
    ContextVar<String> var = ContextVar.named("explicitThreadsafe");
    LoopContext ctx = LoopContext.empty();
    ctx.run(() -> var.set("ctx value"));
    LoopFuture<String> seen = loop.createFuture();
    loop.callSoon(
        () ->
            CompletableFuture.runAsync(
                () ->
                    loop.callSoonThreadsafe(
                        () -> {
                          var.set("changed by callback");
                          seen.setResult("ok");
                        },
                        ctx)));

    assertThat(loop.runUntilComplete(seen)).isEqualTo("ok");
    assertThat(valueIn(ctx, var)).isEqualTo("changed by callback");
  }

  @Test
  void callAtWithAnExplicitContextRunsInIt() {
    EventLoop loop = newLoop();
    ContextVar<Integer> var = ContextVar.named("explicitAt");
    LoopContext ctx = LoopContext.empty();
    ctx.run(() -> var.set(7));
    LoopFuture<Integer> seen = loop.createFuture();

    TimerHandle handle = loop.callAt(loop.time(), () -> seen.setResult(var.get()), ctx);

    assertThat(handle.context()).isSameAs(ctx);
    assertThat(loop.runUntilComplete(seen)).isEqualTo(7);
  }

  @Test
  void explicitContextVariantsRejectANullContext() {
    EventLoop loop = newLoop();

    assertThatThrownBy(() -> loop.callSoon(() -> {}, null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> loop.callSoonThreadsafe(() -> {}, null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> loop.callAt(loop.time(), () -> {}, null))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void doneCallbacksRunInTheContextCapturedWhenTheyWereAdded() {
    EventLoop loop = newLoop();
    ContextVar<String> var = ContextVar.named("done");
    LoopFuture<Integer> f = loop.createFuture();
    AtomicReference<String> seen = new AtomicReference<>();

    LoopContext.empty()
        .run(
            () -> {
              var.set("at add");
              f.addDoneCallback(fut -> seen.set(var.get("unset")));
              var.set("later");
            });
    LoopContext.empty()
        .run(
            () -> {
              var.set("at completion");
              f.setResult(1);
            });
    runBriefly(loop);

    assertThat(seen.get()).isEqualTo("at add");
  }

  // ---------------------------------------------------------------- tasks run in a copy

  @Test
  void aTasksBodyRunsInACopyOfTheCreatorsContextAndItsChangesDoNotLeakOut() {
    EventLoop loop = newLoop();
    ContextVar<String> var = ContextVar.named("task");
    LoopContext creator = LoopContext.empty();
    AtomicReference<String> seenInBody = new AtomicReference<>();
    AtomicReference<LoopContext> bodyContext = new AtomicReference<>();

    LoopTask<String> task =
        creator.call(
            () -> {
              var.set("outer");
              return loop.createTask(
                  () -> {
                    seenInBody.set(var.get());
                    bodyContext.set(LoopContext.current());
                    var.set("inner");
                    return CompletableFuture.completedFuture(var.get());
                  });
            });

    assertThat(loop.runUntilComplete(task)).isEqualTo("inner");
    assertThat(seenInBody.get()).isEqualTo("outer");
    assertThat(valueIn(creator, var)).isEqualTo("outer");
    assertThat(task.context()).isNotSameAs(creator);
    assertThat(bodyContext.get()).isSameAs(task.context());
    assertThat(valueIn(task.context(), var)).isEqualTo("inner");
  }

  @Test
  void aTasksContextIsACopyTakenWhenTheTaskIsMade() {
    EventLoop loop = newLoop();
    ContextVar<String> var = ContextVar.named("taskSnapshot");
    LoopContext creator = LoopContext.empty();
    AtomicReference<String> seenInBody = new AtomicReference<>();

    LoopTask<Void> task =
        creator.call(
            () -> {
              var.set("at creation");
              LoopTask<Void> t =
                  loop.createTask(
                      () -> {
                        seenInBody.set(var.get());
                        return CompletableFuture.completedFuture(null);
                      });
              var.set("after creation");
              return t;
            });

    loop.runUntilComplete(task);
    assertThat(seenInBody.get()).isEqualTo("at creation");
  }

  @Test
  void twoTasksFromTheSameContextDoNotSeeEachOthersChanges() {
    EventLoop loop = newLoop();
    ContextVar<String> var = ContextVar.named("siblings");
    LoopContext creator = LoopContext.empty();
    LoopFuture<Void> firstSet = loop.createFuture();
    AtomicReference<String> secondSaw = new AtomicReference<>();

    LoopTask<Void> second =
        creator.call(
            () -> {
              var.set("shared");
              loop.createTask(
                  () -> {
                    var.set("first's own");
                    firstSet.setResult(null);
                    return CompletableFuture.completedFuture(null);
                  });
              return loop.createTask(
                  () ->
                      firstSet.thenApply(
                          ignored -> {
                            secondSaw.set(var.get());
                            return null;
                          }));
            });

    loop.runUntilComplete(second);
    assertThat(secondSaw.get()).isEqualTo("shared");
  }
}
