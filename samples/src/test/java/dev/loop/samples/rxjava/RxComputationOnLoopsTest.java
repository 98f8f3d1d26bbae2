package dev.loop.samples.rxjava;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loop.rxjava.LoopSchedulers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RxComputationOnLoopsTest {

  private static final Pattern CHUNK = Pattern.compile("chunk (\\d) \\[\\d+\\.\\.\\d+] = \\d+ on (loop-\\d+-[01])");

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
  void computationRunsOnBothLoopsWhileInstalledAndIsRxJavasOwnAfter() {
    String output = run(() -> RxComputationOnLoops.main(new String[0]));

    List<Matcher> chunks = output.lines().map(CHUNK::matcher).filter(Matcher::matches).collect(Collectors.toList());
    assertThat(chunks).extracting(m -> m.group(1)).containsExactlyInAnyOrder("0", "1", "2", "3");
    assertThat(chunks.stream().map(m -> m.group(2)).distinct()).as("both loop threads").hasSize(2);
    assertThat(output)
        .contains("sum of squares of 1..1000000 = 333333833333500000")
        .containsPattern("single\\(\\) ran on loop-\\d+-0")
        .containsPattern("uninstalled: computation\\(\\) runs on RxComputationThreadPool-\\d+")
        .contains("group terminated: true");
    assertThat(LoopSchedulers.isInstalled()).isFalse();
  }
}
