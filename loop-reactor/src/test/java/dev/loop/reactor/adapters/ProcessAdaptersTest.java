package dev.loop.reactor.adapters;

import static dev.loop.reactor.adapters.TestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loop.EventLoop;
import dev.loop.EventLoopGroup;
import dev.loop.process.ProcessOptions;
import dev.loop.process.ProcessOptions.Stream;
import dev.loop.reactor.LoopProcess;
import dev.loop.reactor.ReactorLoop;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.function.Tuple3;

/**
 * Subprocesses as {@code Flux}/{@code Mono}. Skipped, with the reason, where the loop cannot start
 * subprocesses in this build.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProcessAdaptersTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final ProcessOptions NOTHING_PIPED = ProcessOptions.defaults()
      .withStdin(Stream.DISCARD).withStdout(Stream.DISCARD).withStderr(Stream.DISCARD);

  private final EventLoopGroup group = EventLoopGroup.create(1);
  private final EventLoop loop = group.next();

  @AfterEach
  void shutDown() {
    group.close();
  }

  /** Skips the calling test where the loop cannot start subprocesses in this build. */
  private void assumeSubprocesses() {
    Throwable failure = ReactorLoop.exec(loop, List.of("true"), NOTHING_PIPED)
        .flatMap(LoopProcess::exitCode)
        .then(Mono.<Throwable>empty())
        .onErrorResume(Mono::just)
        .block(WAIT);
    if (failure instanceof UnsupportedOperationException) {
      Assumptions.abort("the loop's subprocess support is not available in this build: " + failure.getMessage());
    }
  }

  private static Mono<String> text(Flux<java.nio.ByteBuffer> bytes) {
    return bytes.map(TestSupport::utf8).reduce("", String::concat);
  }

  @Test
  void stdoutStderrAndTheExitCodeOfACommand() {
    assumeSubprocesses();
    Tuple3<String, String, Integer> result = ReactorLoop.exec(loop,
            List.of("sh", "-c", "echo out; echo err >&2; exit 3"))
        .flatMap(p -> Mono.zip(text(p.stdout()), text(p.stderr()), p.exitCode()))
        .block(WAIT);

    assertThat(result.getT1()).isEqualTo("out\n");
    assertThat(result.getT2()).isEqualTo("err\n");
    assertThat(result.getT3()).isEqualTo(3);
  }

  @Test
  void stdinIsWrittenThenClosedSoTheChildSeesEndOfFile() {
    assumeSubprocesses();
    // stderr is not piped: a piped stream nobody reads would keep the process from finishing
    String echoed = ReactorLoop.exec(loop, List.of("cat"), ProcessOptions.defaults().withStderr(Stream.DISCARD))
        .flatMap(p -> p.stdin(Flux.just(utf8("hello "), utf8("cat")))
            .then(text(p.stdout()))
            .zipWith(p.exitCode(), (out, code) -> out + " exit " + code))
        .block(WAIT);

    assertThat(echoed).isEqualTo("hello cat exit 0");
  }

  @Test
  void aLargeOutputIsReadAsDemanded() {
    assumeSubprocesses();
    long bytes = ReactorLoop.exec(loop, List.of("sh", "-c", "head -c 5000000 /dev/zero"))
        .flatMapMany(LoopProcess::stdout)
        .limitRate(1)
        .map(java.nio.ByteBuffer::remaining)
        .reduce(0L, (a, b) -> a + b)
        .block(WAIT);

    assertThat(bytes).isEqualTo(5_000_000L);
  }

  @Test
  void cancellingStdoutClosesThePipeSoTheWritingChildGetsSigpipe() {
    assumeSubprocesses();
    Integer code = ReactorLoop.exec(loop, List.of("yes"),
            ProcessOptions.defaults().withStdin(Stream.DISCARD).withStderr(Stream.DISCARD))
        .flatMap(p -> p.stdout().take(1).then(p.exitCode()))
        .block(WAIT);

    assertThat(code).as("128 + SIGPIPE").isEqualTo(141);
  }

  @Test
  void terminateEndsTheProcessAndExitCodeReportsTheSignal() {
    assumeSubprocesses();
    Integer code = ReactorLoop.exec(loop, List.of("sleep", "30"), NOTHING_PIPED)
        .flatMap(p -> {
          assertThat(p.pid()).isPositive();
          p.terminate();
          return p.exitCode();
        })
        .block(WAIT);

    assertThat(code).as("128 + SIGTERM").isEqualTo(143);
  }

  @Test
  void aProgramThatCannotStartFailsTheMono() {
    assumeSubprocesses();
    assertThatThrownBy(() -> ReactorLoop.exec(loop, List.of("/nonexistent/program")).block(WAIT))
        .hasRootCauseInstanceOf(java.io.IOException.class);
  }

  @Test
  void execArgumentsAreCheckedAtTheCall() {
    assertThatThrownBy(() -> ReactorLoop.exec(loop, List.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("argv");
    assertThatThrownBy(() -> ReactorLoop.exec(loop, java.util.Arrays.asList("ls", null)))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("argv[1]");
  }
}
