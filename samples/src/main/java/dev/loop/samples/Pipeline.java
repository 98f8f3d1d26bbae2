package dev.loop.samples;

import dev.loop.EventLoop;
import dev.loop.LoopFuture;
import dev.loop.Loops;
import dev.loop.process.ProcessOptions;
import dev.loop.process.SubprocessProtocol;
import dev.loop.process.SubprocessTransport;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A subprocess streamed through the loop: its standard output is counted, line by line and byte by
 * byte, as it arrives, with a progress line every {@value #PROGRESS_EVERY} lines; stderr is shown as
 * it comes; the exit status ends the run. The loop never blocks: the child's output reaches it from
 * the pipe pump's reader thread, one chunk at a time.
 *
 * <pre>{@code
 * mvn -q -pl samples exec:java -Dsample=dev.loop.samples.Pipeline
 * mvn -q -pl samples exec:java -Dsample=dev.loop.samples.Pipeline \
 *     -Dexec.args="sh -c 'for i in 1 2 3; do echo line $i; sleep 0.2; done'"
 * }</pre>
 */
public final class Pipeline {

  /** A progress line every this many lines. */
  static final long PROGRESS_EVERY = 50_000;

  /** The command run when none is given: two hundred thousand numbered lines. */
  static final List<String> DEFAULT_COMMAND = List.of("seq", "1", "200000");

  private Pipeline() {}

  /**
   * What a run saw.
   *
   * @param lines complete lines on stdout (a last line without a newline counts too)
   * @param bytes bytes on stdout
   * @param exitStatus the exit status (128 + the signal for a killed process)
   */
  public record Summary(long lines, long bytes, int exitStatus) {}

  /** Counts stdout as it arrives and completes {@link #done} when the subprocess has ended. */
  static final class Counter implements SubprocessProtocol {
    private final Consumer<String> print;
    private final LoopFuture<Summary> done;
    private @Nullable SubprocessTransport transport;
    private long lines;
    private long bytes;
    private boolean openLine;

    Counter(EventLoop loop, Consumer<String> print) {
      this.print = print;
      this.done = loop.createFuture();
    }

    @Override
    public void connectionMade(SubprocessTransport t) {
      transport = t;
      print.accept("started pid " + t.getPid());
    }

    @Override
    public void pipeDataReceived(int fd, ByteBuffer data) {
      if (fd == 2) {
        print.accept("stderr: " + StandardCharsets.UTF_8.decode(data).toString().stripTrailing());
        return;
      }
      while (data.hasRemaining()) {
        bytes++;
        if (data.get() == '\n') {
          lines++;
          openLine = false;
          if (lines % PROGRESS_EVERY == 0) {
            print.accept("progress: " + lines + " lines, " + bytes + " bytes so far");
          }
        } else {
          openLine = true;
        }
      }
    }

    @Override
    public void processExited() {
      Integer status = transport.getReturncode();
      long total = lines + (openLine ? 1 : 0);
      print.accept("done: " + total + " lines, " + bytes + " bytes; exit status " + status);
      done.setResult(new Summary(total, bytes, status));
    }
  }

  /**
   * Runs {@code argv} on a new loop (on the calling thread) until it has exited and its pipes
   * closed; its stdin is empty.
   *
   * @param argv the command
   * @param print receives each progress line
   * @return what the run saw
   */
  public static Summary run(List<String> argv, Consumer<String> print) {
    ProcessOptions options = ProcessOptions.defaults().withStdin(ProcessOptions.Stream.DISCARD);
    return Loops.run(loop -> {
      Counter counter = new Counter(loop, print);
      return loop.subprocessExec(() -> counter, argv, options).thenCompose(started -> counter.done);
    });
  }

  /**
   * Runs the command given as arguments, or {@code seq 1 200000}.
   *
   * @param args the command and its arguments
   */
  public static void main(String[] args) {
    run(args.length == 0 ? DEFAULT_COMMAND : List.of(args), System.out::println);
  }
}
