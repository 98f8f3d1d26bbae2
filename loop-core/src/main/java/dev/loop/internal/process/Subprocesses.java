package dev.loop.internal.process;

import dev.loop.LoopFuture;
import dev.loop.internal.BaseEventLoop;
import dev.loop.internal.DefaultLoopFuture;
import dev.loop.process.ProcessOptions;
import dev.loop.process.Subprocess;
import dev.loop.process.SubprocessProtocol;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * subprocess_exec and subprocess_shell: checks the arguments at the call, builds a {@link
 * ProcessBuilder} from the {@link ProcessOptions}, starts the process on the loop's default executor
 * (fork and exec can take milliseconds, and must not stall the loop), then wraps it in a {@link
 * ProcessTransport} on the loop thread.
 */
public final class Subprocesses {
  private Subprocesses() {}

  /**
   * Checks {@code argv}: not empty, no null element. Any thread.
   *
   * @param argv the program and its arguments
   * @return an immutable copy
   * @throws NullPointerException if {@code argv} or an element is null (the message names its index)
   * @throws IllegalArgumentException if {@code argv} is empty
   */
  public static List<String> checkArgv(List<String> argv) {
    Objects.requireNonNull(argv, "argv");
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("argv must not be empty");
    }
    for (int i = 0; i < argv.size(); i++) {
      if (argv.get(i) == null) {
        throw new NullPointerException("argv[" + i + "] is null");
      }
    }
    return List.copyOf(argv);
  }

  /**
   * Checks what can be checked at the call: the working directory exists and is a directory. Any
   * thread.
   *
   * @param options the options
   * @throws NullPointerException if {@code options} is null
   * @throws IllegalArgumentException if the working directory is not an existing directory (the
   *     message names it)
   */
  public static void checkOptions(ProcessOptions options) {
    Objects.requireNonNull(options, "options");
    Path directory = options.directory();
    if (directory != null && !Files.isDirectory(directory)) {
      throw new IllegalArgumentException("the working directory is not an existing directory: " + directory);
    }
  }

  /**
   * Starts {@code argv} on the loop's default executor and, on the loop, connects its pipes and
   * calls the protocol's {@code connectionMade}; the future completes after that. Any thread.
   *
   * @param loop the loop
   * @param factory makes the protocol
   * @param argv the checked program and arguments
   * @param options the checked options
   * @param <P> the protocol type
   * @return the subprocess, once started; fails with the {@link java.io.IOException} of {@link
   *     ProcessBuilder#start()} (which names the program) if it cannot start
   * @throws IllegalStateException if the loop is closed or its executor shut down
   */
  public static <P extends SubprocessProtocol> LoopFuture<Subprocess<P>> start(
      BaseEventLoop loop, Supplier<P> factory, List<String> argv, ProcessOptions options) {
    Objects.requireNonNull(loop, "loop");
    Objects.requireNonNull(factory, "factory");
    ProcessBuilder builder = builder(argv, options);
    DefaultLoopFuture<Subprocess<P>> result = new DefaultLoopFuture<>(loop);
    // Cancelling `result` must not cancel the start: an interrupted start would lose the Process it
    // may still create. A process that starts for a cancelled future is killed instead.
    loop.runInExecutor(null, () -> launch(builder, loop)).whenComplete((process, error) -> {
      if (error != null) {
        result.completeExceptionally(error instanceof CompletionException && error.getCause() != null
            ? error.getCause() : error);
      } else if (result.isDone()) {
        ProcessTransport.discard(process);
      } else {
        ProcessTransport.open(loop, factory, process, options, result);
      }
    });
    return result;
  }

  /** Executor thread: starts the process, unless the loop closed meanwhile (it would leak). */
  private static Process launch(ProcessBuilder builder, BaseEventLoop loop) throws Exception {
    Process process = builder.start();
    if (loop.isClosed()) {
      ProcessTransport.discard(process);
      throw new IllegalStateException("Event loop is closed: " + builder.command().get(0) + " was killed");
    }
    return process;
  }

  /** The builder for {@code argv} with the options' streams, directory and environment. */
  static ProcessBuilder builder(List<String> argv, ProcessOptions options) {
    ProcessBuilder builder = new ProcessBuilder(argv);
    if (options.directory() != null) {
      builder.directory(options.directory().toFile());
    }
    Map<String, String> environment = builder.environment();
    if (!options.inheritEnvironment()) {
      environment.clear();
    }
    environment.putAll(options.environment());
    builder.redirectInput(switch (options.stdin()) {
      case PIPE -> ProcessBuilder.Redirect.PIPE;
      case INHERIT -> ProcessBuilder.Redirect.INHERIT;
      case DISCARD, STDOUT -> ProcessBuilder.Redirect.from(new File("/dev/null")); // STDOUT: refused by ProcessOptions
    });
    builder.redirectOutput(output(options.stdout()));
    if (options.stderr() == ProcessOptions.Stream.STDOUT) {
      builder.redirectErrorStream(true);
    } else {
      builder.redirectError(output(options.stderr()));
    }
    return builder;
  }

  private static ProcessBuilder.Redirect output(ProcessOptions.Stream stream) {
    return switch (stream) {
      case PIPE -> ProcessBuilder.Redirect.PIPE;
      case INHERIT -> ProcessBuilder.Redirect.INHERIT;
      case DISCARD, STDOUT -> ProcessBuilder.Redirect.DISCARD; // STDOUT: refused for stdout by ProcessOptions
    };
  }
}
