package dev.loop.process;

import static dev.loop.process.ProcessHarness.MIB;
import static dev.loop.process.ProcessHarness.await;
import static dev.loop.process.ProcessHarness.failureOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.loop.EventLoopGroup;
import dev.loop.net.Transport;
import dev.loop.process.ProcessHarness.Recorder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Subprocesses end to end, with real processes: the cases of CPython's {@code test_subprocess.py}
 * for the protocol API (exit codes, signals, separate and merged stderr, the order of the protocol's
 * callbacks, a child that exits without reading its input, options, bad input).
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SubprocessTest {

  ProcessHarness h;

  @BeforeEach
  void openHarness() throws Exception {
    h = new ProcessHarness();
  }

  @AfterEach
  void closeHarness() throws Exception {
    h.close();
  }

  // ------------------------------------------------------------------------------------------
  // Exit codes and signals
  // ------------------------------------------------------------------------------------------

  @Test
  void theExitCodeOfTheChildIsItsReturncode() throws Exception {
    Subprocess<Recorder> p = h.shell("exit 3");

    assertThat(p.protocol().awaitEnd()).isEqualTo(3);
    assertThat(p.transport().getReturncode()).isEqualTo(3);
    assertThat(p.transport().isClosing()).as("isClosing once finished").isTrue();
  }

  @Test
  void theReturncodeIsNullWhileTheProcessRunsAndKillGivesOneHundredThirtySeven() throws Exception {
    Subprocess<Recorder> p = h.exec(List.of("sleep", "60"));

    assertThat(p.transport().getReturncode()).as("while running").isNull();
    assertThat(p.transport().getPid()).isEqualTo(ProcessHandle.of(p.transport().getPid()).orElseThrow().pid());
    p.transport().kill();

    assertThat(p.protocol().awaitEnd()).as("128 + SIGKILL").isEqualTo(137);
  }

  @Test
  void terminateSendsSigtermAndGivesOneHundredFortyThree() throws Exception {
    Subprocess<Recorder> p = h.exec(List.of("sleep", "60"));

    p.transport().terminate();

    assertThat(p.protocol().awaitEnd()).as("128 + SIGTERM").isEqualTo(143);
  }

  @Test
  void sendSignalIntReachesAShellThatTrapsIt() throws Exception {
    Assumptions.assumeFalse(ProcessHarness.sigintIgnored(),
        "this JVM ignores SIGINT (a background job): its children cannot trap it");
    Subprocess<Recorder> p = h.shell("trap 'echo got; exit 7' INT; echo ready; while :; do sleep 0.1; done");
    await(p.protocol().whenOutputContains(1, "ready"));

    p.transport().sendSignal("INT");

    assertThat(p.protocol().awaitEnd()).isEqualTo(7);
    assertThat(p.protocol().text(1)).isEqualTo("ready\ngot\n");
  }

  @Test
  void sendSignalAcceptsTheSigPrefixAndTermAndKillNames() throws Exception {
    Subprocess<Recorder> p = h.exec(List.of("sleep", "60"));

    p.transport().sendSignal("SIGUSR2"); // sleep dies of it: USR2's default action is to terminate

    assertThat(p.protocol().awaitEnd()).as("128 + SIGUSR2 (12 on Linux)").isEqualTo(140);
    Subprocess<Recorder> q = h.exec(List.of("sleep", "60"));
    q.transport().sendSignal("TERM");
    assertThat(q.protocol().awaitEnd()).isEqualTo(143);
  }

  @Test
  void anUnknownSignalIsRefusedAndSignalsAfterTheExitDoNothing() throws Exception {
    Subprocess<Recorder> p = h.shell("exit 0");

    assertThatThrownBy(() -> p.transport().sendSignal("NOPE"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NOPE");
    assertThatThrownBy(() -> p.transport().sendSignal("9"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(p.protocol().awaitEnd()).isZero();

    p.transport().sendSignal("INT");
    p.transport().sendSignal("KILL");
    p.transport().terminate();
    p.transport().kill();
    assertThat(p.transport().getReturncode()).as("unchanged by signals after the exit").isZero();
  }

  @Test
  void closeKillsARunningProcessAndTheProtocolStillHearsTheEnd() throws Exception {
    Subprocess<Recorder> p = h.exec(List.of("sleep", "60"));

    p.transport().close(); // from the test thread: any thread may
    assertThat(p.protocol().awaitEnd()).isEqualTo(137);

    assertThat(p.transport().isClosing()).isTrue();
    for (int fd = 0; fd < 3; fd++) {
      assertThat(await(p.protocol().pipeLost.get(fd))).as("pipe %d closed normally", fd).isEmpty();
    }
  }

  // ------------------------------------------------------------------------------------------
  // Pipes and the order of the callbacks
  // ------------------------------------------------------------------------------------------

  @Test
  void stdoutAndStderrArriveOnTheirOwnFds() throws Exception {
    Subprocess<Recorder> p = h.shell("echo out; echo err >&2");

    assertThat(p.protocol().awaitEnd()).isZero();
    assertThat(p.protocol().text(1)).isEqualTo("out\n");
    assertThat(p.protocol().text(2)).isEqualTo("err\n");
  }

  @Test
  void stderrMergedIntoStdoutArrivesOnFdOneAndHasNoPipe() throws Exception {
    Subprocess<Recorder> p = h.shell("echo out; echo err >&2; echo more",
        ProcessOptions.defaults().withStderr(ProcessOptions.Stream.STDOUT));

    assertThat(p.transport().getPipeTransport(2)).isNull();
    assertThat(p.protocol().awaitEnd()).isZero();
    assertThat(p.protocol().text(1)).isEqualTo("out\nerr\nmore\n");
    assertThat(p.protocol().text(2)).isEmpty();
    assertThat(p.protocol().events).doesNotContain("pipeLost2", "data2");
  }

  @Test
  void processExitedComesOnceAfterEveryPipeClosedAndConnectionLostComesLast() throws Exception {
    Subprocess<Recorder> p = h.shell("echo out; echo err >&2; exit 5");

    assertThat(p.protocol().awaitEnd()).isEqualTo(5);

    List<String> events = new ArrayList<>(p.protocol().events);
    assertThat(events.get(0)).isEqualTo("made");
    assertThat(events.subList(events.size() - 2, events.size())).containsExactly("exited", "lost");
    assertThat(events).containsOnlyOnce("pipeLost0", "pipeLost1", "pipeLost2", "exited", "lost");
    assertThat(events.indexOf("pipeLost1")).isGreaterThan(events.indexOf("data1"));
    assertThat(events.indexOf("pipeLost2")).isGreaterThan(events.indexOf("data2"));
    assertThat(await(p.protocol().lost)).as("connectionLost's cause").isEmpty();
  }

  @Test
  void pipeTransportsAreReadOnlyOrWriteOnlyAndExposeTheirStream() throws Exception {
    Subprocess<Recorder> p = h.exec(List.of("cat"));
    SubprocessTransport t = p.transport();

    h.run(() -> {
      Transport stdin = t.getPipeTransport(0);
      Transport stdout = t.getPipeTransport(1);
      assertThat(stdin.isReading()).isFalse();
      assertThat(stdin.canWriteEof()).isTrue();
      assertThatThrownBy(stdin::pauseReading).isInstanceOf(UnsupportedOperationException.class)
          .hasMessageContaining("write pipe");
      assertThatThrownBy(stdin::resumeReading).isInstanceOf(UnsupportedOperationException.class);
      assertThatThrownBy(() -> stdout.write(ByteBuffer.allocate(1))).isInstanceOf(UnsupportedOperationException.class)
          .hasMessageContaining("read pipe");
      assertThatThrownBy(stdout::writeEof).isInstanceOf(UnsupportedOperationException.class);
      assertThat(stdout.canWriteEof()).isFalse();
      assertThat(stdout.isReading()).isTrue();
      assertThat(stdin.getExtraInfo("pipe")).isInstanceOf(java.io.OutputStream.class);
      assertThat(stdout.getExtraInfo("pipe")).isInstanceOf(java.io.InputStream.class);
      assertThat(stdout.getExtraInfo("peername")).isNull();
      assertThat(stdout.getLoop()).isSameAs(h.loop);
    });
    assertThatThrownBy(() -> t.getPipeTransport(3)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> t.getPipeTransport(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThat(t.getLoop()).isSameAs(h.loop);

    h.run(() -> {
      t.getPipeTransport(0).write(ByteBuffer.wrap("hello\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      t.getPipeTransport(0).writeEof();
      assertThatThrownBy(() -> t.getPipeTransport(0).write(ByteBuffer.allocate(1)))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("writeEof");
    });
    assertThat(p.protocol().awaitEnd()).isZero();
    assertThat(p.protocol().text(1)).isEqualTo("hello\n");
  }

  /** Writes {@code total} bytes to stdin as soon as the process starts, ignoring flow control. */
  static final class EagerWriter extends Recorder {
    final int total;

    EagerWriter(ProcessHarness h, int total) {
      super(h);
      this.total = total;
    }

    @Override
    void onMade(SubprocessTransport t) {
      Transport stdin = t.getPipeTransport(0);
      for (int sent = 0; sent < total; sent += 64 * 1024) {
        stdin.write(ByteBuffer.allocate(64 * 1024));
      }
    }
  }

  @Test
  void aChildThatExitsWithoutReadingItsInputEndsCleanlyWhileWeWriteToIt() throws Exception {
    Subprocess<EagerWriter> p = h.exec(List.of("sh", "-c", "exit 0"), ProcessOptions.defaults(),
        () -> new EagerWriter(h, MIB));

    assertThat(p.protocol().awaitEnd()).isZero();

    Optional<Throwable> stdinLost = await(p.protocol().pipeLost.get(0));
    stdinLost.ifPresent(cause -> assertThat(cause).as("why stdin closed").isInstanceOf(IOException.class));
    // Writes after the pipe broke are dropped, not thrown (asyncio's behaviour).
    h.run(() -> {
      Transport stdin = p.transport().getPipeTransport(0);
      assertThat(stdin.isClosing()).isTrue();
      for (int i = 0; i < 10; i++) {
        stdin.write(ByteBuffer.allocate(100));
      }
    });
  }

  @Test
  void aProcessWithoutPipesStillReportsItsExit() throws Exception {
    ProcessOptions none = ProcessOptions.defaults().withStdin(ProcessOptions.Stream.DISCARD)
        .withStdout(ProcessOptions.Stream.DISCARD).withStderr(ProcessOptions.Stream.DISCARD);
    Subprocess<Recorder> p = h.exec(List.of("sh", "-c", "cat; echo lost; exit 4"), none, () -> new Recorder(h));

    assertThat(p.protocol().awaitEnd()).as("cat read an empty input").isEqualTo(4);
    for (int fd = 0; fd < 3; fd++) {
      assertThat(p.transport().getPipeTransport(fd)).isNull();
    }
    assertThat(p.protocol().events).containsExactly("made", "exited", "lost");
  }

  // ------------------------------------------------------------------------------------------
  // Options
  // ------------------------------------------------------------------------------------------

  @Test
  void theShellGetsTheEnvironmentAndWorkingDirectoryOfTheOptions(@TempDir Path dir) throws Exception {
    ProcessOptions options = ProcessOptions.defaults()
        .withEnvironment(Map.of("FOO", "bar baz"))
        .withDirectory(dir);

    Subprocess<Recorder> p = h.shell("echo $FOO; pwd; echo ${HOME-unset}", options);

    assertThat(p.protocol().awaitEnd()).isZero();
    String home = System.getenv("HOME") == null ? "unset" : System.getenv("HOME");
    assertThat(p.protocol().text(1)).isEqualTo("bar baz\n" + dir.toRealPath() + "\n" + home + "\n");
  }

  @Test
  void withoutTheInheritedEnvironmentOnlyTheGivenVariablesAreSet() throws Exception {
    ProcessOptions options = ProcessOptions.defaults()
        .withEnvironment(Map.of("ONLY", "this"))
        .withInheritedEnvironment(false);

    Subprocess<Recorder> p = h.exec(List.of("/bin/sh", "-c", "echo ${ONLY}; echo ${HOME-unset}"), options,
        () -> new Recorder(h));

    assertThat(p.protocol().awaitEnd()).isZero();
    assertThat(p.protocol().text(1)).isEqualTo("this\nunset\n");
  }

  // ------------------------------------------------------------------------------------------
  // Bad input
  // ------------------------------------------------------------------------------------------

  /** The loop still starts processes and runs callbacks. */
  private void loopStillWorks() throws Exception {
    Subprocess<Recorder> p = h.exec(List.of("echo", "still here"));
    assertThat(p.protocol().awaitEnd()).isZero();
    assertThat(p.protocol().text(1)).isEqualTo("still here\n");
  }

  @Test
  void anEmptyArgvIsRefusedAtTheCall() throws Exception {
    assertThatThrownBy(() -> h.loop.subprocessExec(() -> new Recorder(h), List.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("argv must not be empty");
    loopStillWorks();
  }

  @Test
  void aNullArgumentIsRefusedAtTheCallNamingItsIndex() throws Exception {
    List<String> argv = Arrays.asList("echo", null);

    assertThatThrownBy(() -> h.loop.subprocessExec(() -> new Recorder(h), argv))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("argv[1]");
    assertThatThrownBy(() -> h.loop.subprocessExec(() -> new Recorder(h), null))
        .isInstanceOf(NullPointerException.class);
    loopStillWorks();
  }

  @Test
  void aMissingProgramFailsTheFutureWithAnIoExceptionNamingIt() throws Exception {
    Throwable failure = failureOf(h.loop.subprocessExec(() -> new Recorder(h), List.of("no-such-program-xyz", "a")));

    assertThat(failure).isInstanceOf(IOException.class).hasMessageContaining("no-such-program-xyz");
    assertThat(h.recorders).as("no protocol is made for a process that did not start").isEmpty();
    loopStillWorks();
  }

  @Test
  void aWorkingDirectoryThatDoesNotExistIsRefusedAtTheCall(@TempDir Path dir) throws Exception {
    Path missing = dir.resolve("missing");
    ProcessOptions options = ProcessOptions.defaults().withDirectory(missing);

    assertThatThrownBy(() -> h.loop.subprocessExec(() -> new Recorder(h), List.of("true"), options))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(missing.toString());
    assertThatThrownBy(() -> h.loop.subprocessShell(() -> new Recorder(h), "true", options))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(missing.toString());
    loopStillWorks();
  }

  @Test
  void anEmptyShellCommandIsRefusedAtTheCall() throws Exception {
    assertThatThrownBy(() -> h.loop.subprocessShell(() -> new Recorder(h), ""))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
    loopStillWorks();
  }

  @Test
  void aProtocolFactoryThatThrowsFailsTheFutureAndTheChildIsKilled() throws Exception {
    Throwable failure = failureOf(h.loop.subprocessExec(() -> {
      throw new IllegalStateException("no protocol today");
    }, List.of("sleep", "60")));

    assertThat(failure).isInstanceOf(IllegalStateException.class).hasMessage("no protocol today");
    loopStillWorks();
  }

  @Test
  void aCallbackThatThrowsGoesToTheExceptionHandlerAndTheLoopCarriesOn() throws Exception {
    h.errorsExpected = true;
    Subprocess<Recorder> p = h.exec(List.of("echo", "boom"), ProcessOptions.defaults(), () -> new Recorder(h) {
      @Override
      void onData(int fd, byte[] chunk) {
        throw new IllegalStateException("protocol bug");
      }
    });

    assertThat(p.protocol().awaitEnd()).isZero();
    Optional<Throwable> stdoutLost = await(p.protocol().pipeLost.get(1));
    assertThat(stdoutLost).as("the pipe closed with the protocol's error").isPresent();
    assertThat(stdoutLost.get()).hasMessage("protocol bug");
    assertThat(h.errors).extracting(c -> c.exception() == null ? null : c.exception().getMessage())
        .contains("protocol bug");
    loopStillWorks();
  }

  @Test
  void closingTheLoopKillsItsRunningSubprocesses() throws Exception {
    EventLoopGroup other = EventLoopGroup.create(1);
    Subprocess<Recorder> p;
    try {
      p = await(other.next().subprocessExec(() -> new Recorder(h), List.of("sleep", "60")));
    } finally {
      ProcessHarness.shutDown(other); // its shutdown closes the subprocess: kills it
    }
    long pid = p.transport().getPid();

    await().atMost(Duration.ofSeconds(20))
        .until(() -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), alive -> !alive);
    h.recorders.remove(p.protocol()); // its loop is gone: its callbacks are not this test's business
  }

  @Test
  void closingAStoppedLoopAtOnceKillsItsChildrenAndEndsEveryPumpThread() throws Exception {
    await().atMost(Duration.ofSeconds(20)).until(ProcessHarness::pumpThreads, List::isEmpty);
    List<Long> pids = new ArrayList<>();
    try (dev.loop.EventLoop own = dev.loop.Loops.newEventLoop()) {
      for (int i = 0; i < 3; i++) {
        Subprocess<SubprocessProtocol> p = own.runUntilComplete(
            own.subprocessExec(() -> new SubprocessProtocol() { }, List.of("cat")));
        pids.add(p.transport().getPid());
        own.runUntilComplete(own.createTask(() -> {
          // More than the pipes and cat hold: the writer thread blocks in write(), as cat does.
          p.transport().getPipeTransport(0).write(ByteBuffer.wrap(new byte[MIB]));
          return java.util.concurrent.CompletableFuture.completedStage(null);
        }));
      }
      // At least the last child's writer is blocked (the earlier ones may have drained while the
      // loop ran to start the next child).
      await().atMost(Duration.ofSeconds(20)).until(ProcessHarness::pumpThreads,
          threads -> threads.stream().anyMatch(name -> name.startsWith("loop-pipe-writer-")));
    } // close() without shutdown: the resources are released at once, without callbacks

    for (long pid : pids) {
      await().atMost(Duration.ofSeconds(20))
          .until(() -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), alive -> !alive);
    }
    await().atMost(Duration.ofSeconds(20)).until(ProcessHarness::pumpThreads, List::isEmpty);
  }
}
