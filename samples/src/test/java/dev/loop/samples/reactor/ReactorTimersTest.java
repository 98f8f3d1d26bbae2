package dev.loop.samples.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loop.EventLoop;
import dev.loop.Loops;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Reactor timers sample: five ticks with their context, a timeout that cancels, and an end. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReactorTimersTest {

  @Test
  void theSampleTicksFiveTimesTimesOutTheSlowTimerAndFinishes() {
    List<String> lines = new CopyOnWriteArrayList<>();
    long ticks;
    try (EventLoop loop = Loops.newEventLoop()) {
      ticks = ReactorTimers.run(loop, lines::add);
    }

    assertThat(ticks).isEqualTo(5);
    assertThat(lines).filteredOn(l -> l.startsWith("tick ")).hasSize(5)
        .allMatch(l -> l.endsWith(" ms for nightly-report"));
    assertThat(lines.get(0)).startsWith("tick 1 at ");
    assertThat(lines).anyMatch(l -> l.startsWith("gave up on the 10 s timer after ") && l.endsWith("it was cancelled"));
    assertThat(lines).noneMatch(l -> l.contains("never printed"));
    assertThat(lines.get(lines.size() - 1)).startsWith("done: 5 ticks in ");
  }

  @Test
  void mainPrintsTheSameLinesAndReturns() {
    PrintStream original = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      ReactorTimers.main(new String[0]);
    } finally {
      System.setOut(original);
    }
    String printed = out.toString(StandardCharsets.UTF_8);

    assertThat(printed).contains("tick 1 at ", "tick 5 at ", "gave up on the 10 s timer", "done: 5 ticks");
  }
}
