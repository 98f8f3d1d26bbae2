package dev.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link LoopTask}: the non-coroutine parts of CPython's {@code test_asyncio/test_tasks.py} (task
 * scheduling, completion, cancellation, names, task factory, {@code all_tasks}).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LoopTaskTest {

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

  private static void runBriefly(EventLoop loop) {
    LoopFuture<Void> marker = loop.createFuture();
    loop.callSoon(() -> marker.setResult(null));
    loop.runUntilComplete(marker);
  }

  // ---------------------------------------------------------------- scheduling

  @Test
  void theBodyRunsInTheNextIterationNotInlineInCreateTask() {
    EventLoop loop = newLoop();
    AtomicInteger calls = new AtomicInteger();
    AtomicReference<Thread> bodyThread = new AtomicReference<>();
    AtomicReference<Boolean> bodyInLoop = new AtomicReference<>();

    LoopTask<String> task =
        loop.createTask(
            () -> {
              calls.incrementAndGet();
              bodyThread.set(Thread.currentThread());
              bodyInLoop.set(loop.inEventLoop());
              return CompletableFuture.completedFuture("ok");
            });
    assertThat(calls).hasValue(0);
    assertThat(task.isDone()).isFalse();

    assertThat(loop.runUntilComplete(task)).isEqualTo("ok");
    assertThat(calls).hasValue(1);
    assertThat(bodyThread.get()).isSameAs(Thread.currentThread());
    assertThat(bodyInLoop.get()).isTrue();
  }

  @Test
  void aTaskCreatedInACallbackStartsAfterThatCallbackReturns() {
    EventLoop loop = newLoop();
    List<String> events = new ArrayList<>();
    LoopFuture<LoopTask<Integer>> created = loop.createFuture();
    loop.callSoon(
        () -> {
          LoopTask<Integer> t =
              loop.createTask(
                  () -> {
                    events.add("body");
                    return CompletableFuture.completedFuture(1);
                  });
          events.add("after createTask");
          created.setResult(t);
        });

    LoopTask<Integer> task = loop.runUntilComplete(created);
    assertThat(loop.runUntilComplete(task)).isEqualTo(1);
    assertThat(events).containsExactly("after createTask", "body");
  }

  @Test
  void aTaskBelongsToItsLoopAndRunsThroughTheLoopsFutureMachinery() {
    EventLoop loop = newLoop();

    LoopTask<Integer> task = loop.createTask(() -> CompletableFuture.completedFuture(1));

    assertThat(task.getLoop()).isSameAs(loop);
    assertThat((Object) task).isInstanceOf(LoopFuture.class);
    loop.runUntilComplete(task);
  }

  @Test
  void createTaskWithNullBodyThrowsNullPointerException() {
    EventLoop loop = newLoop();

    assertThatThrownBy(() -> loop.createTask(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void createTaskFromAnotherThreadWhileTheLoopRunsThrowsIllegalState() {
    EventLoop loop = newLoop();
    LoopFuture<Throwable> outcome = loop.createFuture();
    loop.callSoon(
        () ->
            CompletableFuture.runAsync(
                () -> {
                  Throwable thrown = null;
                  try {
                    loop.createTask(() -> CompletableFuture.completedFuture(1));
                  } catch (Throwable e) {
                    thrown = e;
                  }
                  Throwable result = thrown;
                  loop.callSoonThreadsafe(() -> outcome.setResult(result));
                }));

    assertThat(loop.runUntilComplete(outcome)).isInstanceOf(IllegalStateException.class);
  }

  // ---------------------------------------------------------------- completion

  @Test
  void theTaskCompletesWithTheResultOfTheBodysStageWhenItCompletesLater() {
    EventLoop loop = newLoop();
    AtomicReference<LoopFuture<String>> inner = new AtomicReference<>();
    LoopTask<String> task =
        loop.createTask(
            () -> {
              LoopFuture<String> f = loop.createFuture();
              inner.set(f);
              loop.callSoon(() -> f.setResult("later"));
              return f;
            });

    assertThat(loop.runUntilComplete(task)).isEqualTo("later");
    assertThat(task.isDone()).isTrue();
    assertThat(task.result()).isEqualTo("later");
    assertThat(task.exception()).isNull();
  }

  @Test
  void theTaskFailsWithTheFailureOfTheBodysStage() {
    EventLoop loop = newLoop();
    IllegalStateException boom = new IllegalStateException("boom");
    LoopTask<String> task = loop.createTask(() -> CompletableFuture.failedFuture(boom));

    assertThatThrownBy(() -> loop.runUntilComplete(task)).isSameAs(boom);
    assertThat(task.exception()).isSameAs(boom);
    assertThat(task.isCancelled()).isFalse();
  }

  @Test
  void theTaskFailsWithACheckedFailureOfTheBodysStageWrappedOnlyByResult() {
    EventLoop loop = newLoop();
    IOException boom = new IOException("io");
    LoopTask<String> task = loop.createTask(() -> CompletableFuture.failedFuture(boom));

    assertThatThrownBy(() -> loop.runUntilComplete(task))
        .isInstanceOf(CompletionException.class)
        .hasCause(boom);
    assertThat(task.exception()).isSameAs(boom);
  }

  @Test
  void aBodyThatThrowsFailsTheTaskWithThatException() {
    EventLoop loop = newLoop();
    IllegalArgumentException boom = new IllegalArgumentException("thrown by body");
    LoopTask<String> task =
        loop.createTask(
            () -> {
              throw boom;
            });

    assertThatThrownBy(() -> loop.runUntilComplete(task)).isSameAs(boom);
    assertThat(task.exception()).isSameAs(boom);
  }

  @Test
  void aBodyReturningNullFailsTheTaskWithNullPointerException() {
    EventLoop loop = newLoop();
    LoopTask<String> task = loop.createTask(() -> null);

    assertThatThrownBy(() -> loop.runUntilComplete(task))
        .isInstanceOf(NullPointerException.class);
    assertThat(task.isDone()).isTrue();
    assertThat(task.exception()).isInstanceOf(NullPointerException.class);
  }

  @Test
  void aTaskWhoseStageIsCancelledEndsCancelled() {
    EventLoop loop = newLoop();
    LoopTask<String> task =
        loop.createTask(
            () -> {
              LoopFuture<String> f = loop.createFuture();
              loop.callSoon(f::cancel);
              return f;
            });

    assertThatThrownBy(() -> loop.runUntilComplete(task))
        .isInstanceOf(CancellationException.class);
    assertThat(task.isCancelled()).isTrue();
  }

  @Test
  void doneCallbacksOfATaskRunAfterItCompletes() {
    EventLoop loop = newLoop();
    List<String> events = new ArrayList<>();
    LoopTask<Integer> task = loop.createTask(() -> CompletableFuture.completedFuture(3));
    task.addDoneCallback(t -> events.add("done " + t.result()));

    loop.runUntilComplete(task);
    runBriefly(loop);

    assertThat(events).containsExactly("done 3");
  }

  // ---------------------------------------------------------------- cancellation

  @Test
  void cancellingBeforeTheBodyStartsMeansTheBodyNeverRuns() {
    EventLoop loop = newLoop();
    AtomicInteger calls = new AtomicInteger();
    LoopTask<Integer> task =
        loop.createTask(
            () -> {
              calls.incrementAndGet();
              return CompletableFuture.completedFuture(1);
            });

    assertThat(task.cancel()).isTrue();

    assertThat(task.isCancelled()).isTrue();
    assertThatThrownBy(() -> loop.runUntilComplete(task))
        .isInstanceOf(CancellationException.class);
    runBriefly(loop);
    runBriefly(loop);
    assertThat(calls).hasValue(0);
  }

  @Test
  void cancellingWhileWaitingCancelsTheInnerLoopFuture() {
    EventLoop loop = newLoop();
    AtomicReference<LoopFuture<String>> inner = new AtomicReference<>();
    LoopFuture<Void> started = loop.createFuture();
    LoopTask<String> task =
        loop.createTask(
            () -> {
              LoopFuture<String> f = loop.createFuture();
              inner.set(f);
              started.setResult(null);
              return f;
            });
    loop.runUntilComplete(started);
    assertThat(task.isDone()).isFalse();

    assertThat(task.cancel()).isTrue();

    assertThatThrownBy(() -> loop.runUntilComplete(task))
        .isInstanceOf(CancellationException.class);
    assertThat(task.isCancelled()).isTrue();
    assertThat(inner.get().isCancelled()).isTrue();
  }

  @Test
  void cancellingWhileWaitingOnACompletableFutureCancelsIt() {
    EventLoop loop = newLoop();
    CompletableFuture<String> inner = new CompletableFuture<>();
    LoopFuture<Void> started = loop.createFuture();
    LoopTask<String> task =
        loop.createTask(
            () -> {
              started.setResult(null);
              return inner;
            });
    loop.runUntilComplete(started);

    task.cancel();

    assertThatThrownBy(() -> loop.runUntilComplete(task))
        .isInstanceOf(CancellationException.class);
    assertThat(inner.isCancelled()).isTrue();
  }

  @Test
  void cancellingADoneTaskReturnsFalse() {
    EventLoop loop = newLoop();
    LoopTask<Integer> task = loop.createTask(() -> CompletableFuture.completedFuture(1));
    loop.runUntilComplete(task);

    assertThat(task.cancel()).isFalse();
    assertThat(task.isCancelled()).isFalse();
    assertThat(task.result()).isEqualTo(1);
  }

  @Test
  void aTaskCannotBeCompletedFromOutsideWithSetResultOnceItRan() {
    EventLoop loop = newLoop();
    LoopTask<Integer> task = loop.createTask(() -> CompletableFuture.completedFuture(1));
    loop.runUntilComplete(task);

    assertThatThrownBy(() -> task.setResult(2)).isInstanceOf(IllegalStateException.class);
    assertThat(task.result()).isEqualTo(1);
  }

  // ---------------------------------------------------------------- names

  @Test
  void tasksAreNamedTaskNWithIncreasingNumbers() {
    EventLoop loop = newLoop();
    LoopTask<Integer> first = loop.createTask(() -> CompletableFuture.completedFuture(1));
    LoopTask<Integer> second = loop.createTask(() -> CompletableFuture.completedFuture(2));

    assertThat(first.getName()).matches("Task-\\d+");
    assertThat(second.getName()).matches("Task-\\d+");
    int n1 = Integer.parseInt(first.getName().substring("Task-".length()));
    int n2 = Integer.parseInt(second.getName().substring("Task-".length()));
    assertThat(n2).isGreaterThan(n1);
    loop.runUntilComplete(second);
  }

  @Test
  void setNameRenamesTheTask() {
    EventLoop loop = newLoop();
    LoopTask<Integer> task = loop.createTask(() -> CompletableFuture.completedFuture(1));

    task.setName("worker");

    assertThat(task.getName()).isEqualTo("worker");
    assertThatThrownBy(() -> task.setName(null)).isInstanceOf(NullPointerException.class);
    assertThat(task.getName()).isEqualTo("worker");
    loop.runUntilComplete(task);
  }

  // ---------------------------------------------------------------- task factory

  @Test
  void createTaskUsesTheTaskFactoryWhichDecoratesLoopTaskCreate() {
    EventLoop loop = newLoop();
    AtomicInteger factoryCalls = new AtomicInteger();
    List<LoopTask<?>> made = new ArrayList<>();
    TaskFactory factory =
        new TaskFactory() {
          @Override
          public <T> LoopTask<T> createTask(
              EventLoop l, Supplier<? extends CompletionStage<T>> body) {
            factoryCalls.incrementAndGet();
            assertThat(l).isSameAs(loop);
            LoopTask<T> task = LoopTask.create(l, body);
            task.setName("decorated-" + factoryCalls.get());
            made.add(task);
            return task;
          }
        };

    loop.setTaskFactory(factory);
    assertThat(loop.getTaskFactory()).isSameAs(factory);
    LoopTask<String> task = loop.createTask(() -> CompletableFuture.completedFuture("via factory"));

    assertThat(factoryCalls).hasValue(1);
    assertThat(made).containsExactly(task);
    assertThat(task.getName()).isEqualTo("decorated-1");
    assertThat(loop.runUntilComplete(task)).isEqualTo("via factory");
  }

  @Test
  void settingTheTaskFactoryToNullRestoresTheLoopsOwnTasks() {
    EventLoop loop = newLoop();
    AtomicInteger factoryCalls = new AtomicInteger();
    TaskFactory factory =
        new TaskFactory() {
          @Override
          public <T> LoopTask<T> createTask(
              EventLoop l, Supplier<? extends CompletionStage<T>> body) {
            factoryCalls.incrementAndGet();
            return LoopTask.create(l, body);
          }
        };
    loop.setTaskFactory(factory);
    loop.runUntilComplete(loop.createTask(() -> CompletableFuture.completedFuture(1)));

    loop.setTaskFactory(null);
    assertThat(loop.getTaskFactory()).isNull();
    LoopTask<Integer> task = loop.createTask(() -> CompletableFuture.completedFuture(2));

    assertThat(loop.runUntilComplete(task)).isEqualTo(2);
    assertThat(factoryCalls).hasValue(1);
    assertThat(task.getName()).matches("Task-\\d+");
  }

  @Test
  void aNewLoopHasNoTaskFactory() {
    assertThat(newLoop().getTaskFactory()).isNull();
  }

  @Test
  void loopTaskCreateMakesATaskOfTheGivenLoopWithoutTheFactory() {
    EventLoop loop = newLoop();
    AtomicInteger factoryCalls = new AtomicInteger();
    loop.setTaskFactory(
        new TaskFactory() {
          @Override
          public <T> LoopTask<T> createTask(
              EventLoop l, Supplier<? extends CompletionStage<T>> body) {
            factoryCalls.incrementAndGet();
            return LoopTask.create(l, body);
          }
        });

    LoopTask<Integer> task = LoopTask.create(loop, () -> CompletableFuture.completedFuture(5));

    assertThat(task.getLoop()).isSameAs(loop);
    assertThat(loop.runUntilComplete(task)).isEqualTo(5);
    assertThat(factoryCalls).hasValue(0);
    assertThatThrownBy(() -> LoopTask.create(null, () -> CompletableFuture.completedFuture(1)))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> LoopTask.create(loop, null)).isInstanceOf(NullPointerException.class);
  }

  // ---------------------------------------------------------------- allTasks

  @Test
  void allTasksListsPendingTasksAndDropsThemOnceDone() {
    EventLoop loop = newLoop();
    LoopFuture<String> gate = loop.createFuture();
    LoopTask<String> waiting = loop.createTask(() -> gate);
    LoopTask<Integer> quick = loop.createTask(() -> CompletableFuture.completedFuture(1));

    assertThat(Loops.allTasks(loop)).contains(waiting, quick);

    loop.runUntilComplete(quick);
    assertThat(Loops.allTasks(loop)).contains(waiting).doesNotContain(quick);

    loop.callSoon(() -> gate.setResult("open"));
    loop.runUntilComplete(waiting);
    assertThat(Loops.allTasks(loop)).doesNotContain(waiting, quick);
  }

  @Test
  void allTasksIsASnapshotAndEmptyForALoopWithoutTasks() {
    EventLoop loop = newLoop();
    assertThat(Loops.allTasks(loop)).isEmpty();

    LoopTask<Integer> task = loop.createTask(() -> CompletableFuture.completedFuture(1));
    var snapshot = Loops.allTasks(loop);
    loop.runUntilComplete(task);

    assertThat(snapshot).contains(task);
    assertThat(Loops.allTasks(loop)).isEmpty();
    assertThatThrownBy(() -> Loops.allTasks(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void allTasksDoesNotListACancelledTask() {
    EventLoop loop = newLoop();
    LoopTask<String> task = loop.createTask(() -> loop.<String>createFuture());

    task.cancel();

    assertThat(Loops.allTasks(loop)).doesNotContain(task);
  }
}
