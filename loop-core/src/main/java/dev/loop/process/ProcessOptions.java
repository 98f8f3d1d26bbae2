package dev.loop.process;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Options of {@code subprocessExec} and {@code subprocessShell}: asyncio's keyword arguments
 * {@code stdin}, {@code stdout}, {@code stderr}, {@code cwd} and {@code env}.
 *
 * @param stdin what the child's standard input is: {@link Stream#PIPE} (the default), {@link
 *     Stream#INHERIT} or {@link Stream#DISCARD} (an empty input)
 * @param stdout what the child's standard output is: {@link Stream#PIPE} (the default), {@link
 *     Stream#INHERIT} or {@link Stream#DISCARD}
 * @param stderr what the child's standard error is: {@link Stream#PIPE} (the default), {@link
 *     Stream#INHERIT}, {@link Stream#DISCARD} or {@link Stream#STDOUT} (merged into stdout)
 * @param directory the working directory, or null for the JVM's
 * @param environment variables to set in the child (on top of the inherited ones, unless {@code
 *     inheritEnvironment} is false)
 * @param inheritEnvironment whether the child starts from the JVM's environment (asyncio's {@code
 *     env=None}) or from an empty one
 */
public record ProcessOptions(
    Stream stdin,
    Stream stdout,
    Stream stderr,
    @Nullable Path directory,
    Map<String, String> environment,
    boolean inheritEnvironment) {

  /** What a standard stream of the child is connected to. */
  public enum Stream {
    /** A pipe to the loop: the stream's {@link dev.loop.net.Transport}. asyncio: {@code PIPE}. */
    PIPE,
    /** The JVM's own stream. asyncio: {@code None}. */
    INHERIT,
    /** Nothing: input is empty, output is thrown away. asyncio: {@code DEVNULL}. */
    DISCARD,
    /** For stderr only: into the same pipe or file as stdout. asyncio: {@code STDOUT}. */
    STDOUT
  }

  /**
   * Checks the options.
   *
   * @param stdin stdin's connection
   * @param stdout stdout's connection
   * @param stderr stderr's connection
   * @param directory the working directory, or null
   * @param environment variables to set
   * @param inheritEnvironment whether to start from the JVM's environment
   * @throws NullPointerException if a stream, the environment, or a name or value in it is null
   * @throws IllegalArgumentException if stdin or stdout is {@link Stream#STDOUT}
   */
  public ProcessOptions {
    Objects.requireNonNull(stdin, "stdin");
    Objects.requireNonNull(stdout, "stdout");
    Objects.requireNonNull(stderr, "stderr");
    Objects.requireNonNull(environment, "environment");
    if (stdin == Stream.STDOUT) {
      throw new IllegalArgumentException("stdin cannot be STDOUT: only stderr can be merged into stdout");
    }
    if (stdout == Stream.STDOUT) {
      throw new IllegalArgumentException("stdout cannot be STDOUT: only stderr can be merged into stdout");
    }
    environment.forEach((name, value) -> {
      Objects.requireNonNull(name, "environment variable name");
      Objects.requireNonNull(value, () -> "value of environment variable " + name);
    });
    environment = Map.copyOf(environment);
  }

  /**
   * The defaults: all three streams piped, the JVM's directory and environment.
   *
   * @return the options
   */
  public static ProcessOptions defaults() {
    return new ProcessOptions(Stream.PIPE, Stream.PIPE, Stream.PIPE, null, Map.of(), true);
  }

  /**
   * These options with stdin connected to {@code stream}.
   *
   * @param stream the connection
   * @return a copy
   */
  public ProcessOptions withStdin(Stream stream) {
    return new ProcessOptions(stream, stdout, stderr, directory, environment, inheritEnvironment);
  }

  /**
   * These options with stdout connected to {@code stream}.
   *
   * @param stream the connection
   * @return a copy
   */
  public ProcessOptions withStdout(Stream stream) {
    return new ProcessOptions(stdin, stream, stderr, directory, environment, inheritEnvironment);
  }

  /**
   * These options with stderr connected to {@code stream}.
   *
   * @param stream the connection ({@link Stream#STDOUT} merges it into stdout)
   * @return a copy
   */
  public ProcessOptions withStderr(Stream stream) {
    return new ProcessOptions(stdin, stdout, stream, directory, environment, inheritEnvironment);
  }

  /**
   * These options with a working directory.
   *
   * @param path the directory, or null for the JVM's
   * @return a copy
   */
  public ProcessOptions withDirectory(@Nullable Path path) {
    return new ProcessOptions(stdin, stdout, stderr, path, environment, inheritEnvironment);
  }

  /**
   * These options with variables to set in the child.
   *
   * @param variables names and values
   * @return a copy
   */
  public ProcessOptions withEnvironment(Map<String, String> variables) {
    return new ProcessOptions(stdin, stdout, stderr, directory, variables, inheritEnvironment);
  }

  /**
   * These options with the child starting from the JVM's environment or from an empty one.
   *
   * @param inherit true to start from the JVM's environment
   * @return a copy
   */
  public ProcessOptions withInheritedEnvironment(boolean inherit) {
    return new ProcessOptions(stdin, stdout, stderr, directory, environment, inherit);
  }
}
