package dev.loop.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The pipeline sample: a real subprocess streamed through the loop, counted as it arrives. */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PipelineTest {

  /** Bytes of {@code seq 1 200000}: 9 one-digit, 90 two-digit, ... numbers, each with a newline. */
  private static final long SEQ_BYTES = 9 * 2 + 90 * 3 + 900 * 4 + 9_000 * 5 + 90_000 * 6 + 100_001 * 7;

  @Test
  void mainCountsTheDefaultCommandsLinesAndBytesWithProgressAndExitsByItself() {
    PrintStream original = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      Pipeline.main(new String[0]);
    } finally {
      System.setOut(original);
    }
    List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();

    assertThat(lines.get(0)).matches("started pid \\d+");
    assertThat(lines.subList(1, lines.size())).containsExactly(
        "progress: 50000 lines, 288894 bytes so far",
        "progress: 100000 lines, 588895 bytes so far",
        "progress: 150000 lines, 938895 bytes so far",
        "progress: 200000 lines, " + SEQ_BYTES + " bytes so far",
        "done: 200000 lines, " + SEQ_BYTES + " bytes; exit status 0");
  }

  @Test
  void aSlowCommandsLinesErrorsAndExitStatusAreReported() {
    List<String> printed = new CopyOnWriteArrayList<>();

    Pipeline.Summary summary = Pipeline.run(List.of("sh", "-c",
        "for i in 1 2 3; do echo line $i; sleep 0.05; done; echo oops >&2; printf tail; exit 3"), printed::add);

    assertThat(summary).isEqualTo(new Pipeline.Summary(4, 3 * 7 + 4, 3));
    assertThat(printed).contains("stderr: oops", "done: 4 lines, 25 bytes; exit status 3");
  }
}
