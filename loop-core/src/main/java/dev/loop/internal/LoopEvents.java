package dev.loop.internal;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.EventType;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Timespan;

/**
 * The loop's JFR events. Each is checked with {@link EventType#isEnabled()} once per loop iteration,
 * so they cost one read when no recording asks for them.
 */
final class LoopEvents {

  static final EventType SLOW_CALLBACK = EventType.getEventType(SlowCallback.class);
  static final EventType TIMER_HEAP_PURGE = EventType.getEventType(TimerHeapPurge.class);
  static final EventType ITERATION = EventType.getEventType(Iteration.class);

  private LoopEvents() {}

  @Name("dev.loop.SlowCallback")
  @Label("Slow Loop Callback")
  @Category("Loop")
  @Description("A callback that ran longer than the loop's slowCallbackDuration")
  static final class SlowCallback extends Event {
    @Label("Duration")
    @Timespan(Timespan.NANOSECONDS)
    long durationNanos;

    @Label("Callback")
    String callback;
  }

  @Name("dev.loop.TimerHeapPurge")
  @Label("Timer Heap Purge")
  @Category("Loop")
  @Description("Cancelled timers removed from the heap all at once")
  static final class TimerHeapPurge extends Event {
    @Label("Timers Before")
    int before;

    @Label("Timers After")
    int after;
  }

  @Name("dev.loop.Iteration")
  @Label("Loop Iteration")
  @Category("Loop")
  @Description("One iteration of the loop: wait for I/O, move due timers, run ready callbacks")
  static final class Iteration extends Event {
    @Label("Callbacks Run")
    int callbacks;

    @Label("Timers")
    int timers;
  }
}
