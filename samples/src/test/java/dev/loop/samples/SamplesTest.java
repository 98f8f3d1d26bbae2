package dev.loop.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SamplesTest {

  private static String run(Runnable main) {
    PrintStream original = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      main.run();
    } finally {
      System.setOut(original);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void quickStartPrintsWhatTheReadmePromises() {
    String output = run(() -> QuickStart.main(new String[0]));
    assertThat(output.lines()).containsExactly("5 500500", "hi");
  }

  @Test
  void timersAndFuturesSampleTicksComputesChainsAndFinishes() {
    String output = run(() -> TimersAndFutures.main(new String[0]));
    assertThat(output)
        .contains("tick 1 at", "tick 5 at", "computing 2000! on 'loop-executor-",
            "timer sees request=req-42", "2000! has 5736 digits; 5 ticks done; cancelled timer: true",
            "done: 5736 digits", "finished in")
        .doesNotContain("never printed");
    assertThat(output.indexOf("tick 5")).isLessThan(output.indexOf("2000! has"));
  }
}
