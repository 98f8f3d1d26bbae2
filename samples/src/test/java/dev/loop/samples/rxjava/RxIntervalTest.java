package dev.loop.samples.rxjava;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loop.EventLoop;
import dev.loop.Loops;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The interval sample: five ticks at or after their deadlines, then it ends by itself. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RxIntervalTest {

  private static final Pattern TICK = Pattern.compile("tick (\\d) at (\\d+) ms");

  @Test
  void mainPrintsFiveTicksThenDoneAndReturns() {
    PrintStream original = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      RxInterval.main(new String[0]);
    } finally {
      System.setOut(original);
    }

    List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
    assertThat(lines).hasSize(6).last().isEqualTo("done after 5 ticks");
    for (int n = 0; n < 5; n++) {
      Matcher m = TICK.matcher(lines.get(n));
      assertThat(m.matches()).as(lines.get(n)).isTrue();
      assertThat(Integer.parseInt(m.group(1))).isEqualTo(n);
      assertThat(Long.parseLong(m.group(2))).as("tick %d is not early", n).isGreaterThanOrEqualTo(100L * (n + 1));
    }
  }

  @Test
  void runLeavesTheLoopReusable() {
    List<String> lines = new CopyOnWriteArrayList<>();
    try (EventLoop loop = Loops.newEventLoop()) {
      RxInterval.run(loop, lines::add);
      RxInterval.run(loop, lines::add);
      assertThat(loop.isClosed()).isFalse();
    }

    assertThat(lines).hasSize(12).filteredOn(l -> l.startsWith("done")).hasSize(2);
  }
}
