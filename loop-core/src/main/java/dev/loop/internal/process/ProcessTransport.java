package dev.loop.internal.process;

import dev.loop.EventLoop;
import dev.loop.ExceptionContext;
import dev.loop.internal.BaseEventLoop;
import dev.loop.internal.DefaultLoopFuture;
import dev.loop.net.Protocol;
import dev.loop.net.Transport;
import dev.loop.process.ProcessOptions;
import dev.loop.process.Subprocess;
import dev.loop.process.SubprocessProtocol;
import dev.loop.process.SubprocessTransport;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A started JDK {@link Process} on the loop: asyncio's {@code BaseSubprocessTransport}.
 *
 * <p>Each piped standard stream is a pipe-pump transport ({@link StreamWritePipe} for stdin, {@link
 * StreamReadPipe} for stdout and stderr) whose protocol ({@link PipeProtocol}) forwards to the
 * {@link SubprocessProtocol} with the stream's fd. The exit is observed with {@link
 * Process#onExit()} and recorded on the loop. The protocol hears, in asyncio's order: {@code
 * connectionMade}; {@code pipeDataReceived} and one {@code pipeConnectionLost} per pipe; {@code
 * processExited} once, when the process has exited <em>and</em> every pipe has closed; {@code
 * connectionLost(null)} last.
 *
 * <p>asyncio notices that a child's stdin has no reader any more by watching the pipe's write end;
 * a JDK stream cannot be watched, so when the process exits its stdin transport is closed (what is
 * buffered is still written, or fails with a broken pipe), otherwise a stdin nobody closes would
 * hold back {@code processExited} forever.
 *
 * <p>Threads: the public methods may be called from any thread (loop work is moved to the loop);
 * every other method runs on the loop thread.
 */
final class ProcessTransport implements SubprocessTransport, BaseEventLoop.IoResource {

  private static final System.Logger LOG = System.getLogger("dev.loop");

  /** The signals {@link #sendSignal} knows: POSIX's, by the names {@code kill -s} takes. */
  static final Set<String> SIGNALS = Set.of("HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE",
      "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "CHLD", "CONT", "STOP", "TSTP", "TTIN",
      "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "SYS");

  private final BaseEventLoop loop;
  private final Process process;
  private final SubprocessProtocol protocol;
  /** The pipe of each fd, or null where the stream is not piped; set in the constructor. */
  private final @Nullable PipeTransport[] pipes = new PipeTransport[3];

  /** Loop thread: which pipes have not called pipeConnectionLost yet. */
  private final boolean[] pipeOpen = new boolean[3];
  private volatile @Nullable Integer returncode;
  /** close() was called, on any thread: what isClosing() reports at once. */
  private volatile boolean closeCalled;
  /** Loop thread: close() ran on the loop. */
  private boolean closed;
  /** processExited and connectionLost ran (or are running). */
  private volatile boolean finished;

  private ProcessTransport(BaseEventLoop loop, Process process, SubprocessProtocol protocol,
      ProcessOptions options) {
    this.loop = loop;
    this.process = process;
    this.protocol = protocol;
    if (options.stdin() == ProcessOptions.Stream.PIPE) {
      pipes[0] = new StreamWritePipe(loop, process.getOutputStream(), new PipeProtocol(0));
    }
    if (options.stdout() == ProcessOptions.Stream.PIPE) {
      pipes[1] = new StreamReadPipe(loop, process.getInputStream(), new PipeProtocol(1));
    }
    if (options.stderr() == ProcessOptions.Stream.PIPE) {
      pipes[2] = new StreamReadPipe(loop, process.getErrorStream(), new PipeProtocol(2));
    }
  }

  /**
   * Loop thread: makes the protocol, wraps the process, calls {@code connectionMade} and completes
   * {@code result}. If the factory or {@code connectionMade} throws, the process is killed and the
   * future fails with that error (which also goes to the exception handler when it came from
   * {@code connectionMade}; the protocol then still hears the pipes' and the process's end, as in
   * asyncio, where {@code connection_made} is just a callback that failed).
   */
  static <P extends SubprocessProtocol> void open(BaseEventLoop loop, Supplier<P> factory, Process process,
      ProcessOptions options, DefaultLoopFuture<Subprocess<P>> result) {
    assert loop.inEventLoop();
    P protocol;
    try {
      protocol = Objects.requireNonNull(factory.get(), "the protocol factory returned null");
    } catch (Throwable t) {
      discard(process);
      result.completeExceptionally(t);
      return;
    }
    ProcessTransport transport = new ProcessTransport(loop, process, protocol, options);
    loop.track(transport);
    for (int fd = 0; fd < 3; fd++) {
      PipeTransport pipe = transport.pipes[fd];
      if (pipe != null) {
        transport.pipeOpen[fd] = true;
        // Their connectionMade (internal) runs on the next iteration, and reading starts after it:
        // so the protocol's connectionMade, called below, comes before any pipe event.
        pipe.begin(error -> { });
      }
    }
    process.onExit().whenComplete((p, e) -> transport.post(() -> transport.exited(process.exitValue())));
    try {
      protocol.connectionMade(transport);
    } catch (Throwable t) {
      loop.callExceptionHandler(ExceptionContext.of("Fatal error: protocol.connectionMade() call failed.", t)
          .withTransport(transport).withProtocol(protocol));
      transport.close();
      result.completeExceptionally(t);
      return;
    }
    if (!result.complete(new Subprocess<>(transport, protocol))) {
      transport.close(); // cancelled meanwhile: nobody will ever hold this transport
    }
  }

  /** Kills a process nobody will wrap, and closes its streams. Any thread. */
  static void discard(Process process) {
    process.destroyForcibly();
    PipeTransport.closeQuietly(process.getOutputStream());
    PipeTransport.closeQuietly(process.getInputStream());
    PipeTransport.closeQuietly(process.getErrorStream());
  }

  // ------------------------------------------------------------------ events, on the loop

  /** The process exited with {@code code}. asyncio: {@code _process_exited}. */
  private void exited(int code) {
    assert loop.inEventLoop();
    if (returncode != null) {
      return;
    }
    returncode = code;
    if (loop.isDebug()) {
      LOG.log(System.Logger.Level.INFO, this + " exited with return code " + code);
    }
    PipeTransport stdin = pipes[0];
    if (stdin != null && pipeOpen[0]) {
      stdin.close(); // nobody can read it any more (see the class comment)
    }
    tryFinish();
  }

  private void pipeLost(int fd, @Nullable Throwable cause) {
    assert loop.inEventLoop();
    pipeOpen[fd] = false;
    try {
      protocol.pipeConnectionLost(fd, cause);
    } catch (Throwable t) {
      loop.callExceptionHandler(ExceptionContext.of("protocol.pipeConnectionLost() failed", t)
          .withTransport(this).withProtocol(protocol));
    }
    tryFinish();
  }

  /** Ends the transport once the process exited and all pipes closed. asyncio: {@code _try_finish}. */
  private void tryFinish() {
    if (finished || returncode == null) {
      return;
    }
    for (boolean open : pipeOpen) {
      if (open) {
        return;
      }
    }
    finished = true;
    try {
      protocol.processExited();
    } catch (Throwable t) {
      loop.callExceptionHandler(ExceptionContext.of("protocol.processExited() failed", t)
          .withTransport(this).withProtocol(protocol));
    }
    try {
      protocol.connectionLost(null);
    } catch (Throwable t) {
      loop.callExceptionHandler(ExceptionContext.of("protocol.connectionLost() failed", t)
          .withTransport(this).withProtocol(protocol));
    } finally {
      loop.untrack(this);
    }
  }

  /**
   * Schedules {@code action} on the loop, never inline: an exit seen while {@link #open} runs must
   * not reach the protocol before its {@code connectionMade}. A closed loop has killed the process.
   */
  private void post(Runnable action) {
    try {
      loop.callSoonThreadsafe(action);
    } catch (IllegalStateException | RejectedExecutionException loopClosed) {
      // close() of the loop called closeNow(): nothing is left to tell
    }
  }

  // ------------------------------------------------------------------ SubprocessTransport

  @Override
  public long getPid() {
    return process.pid();
  }

  @Override
  public @Nullable Integer getReturncode() {
    return returncode;
  }

  @Override
  public @Nullable Transport getPipeTransport(int fd) {
    if (fd < 0 || fd > 2) {
      throw new IllegalArgumentException("fd must be 0, 1 or 2: " + fd);
    }
    return pipes[fd];
  }

  /**
   * {@inheritDoc}
   *
   * <p>"TERM" and "KILL" are {@link Process#destroy()} and {@link Process#destroyForcibly()}, which
   * the JDK never sends to a reaped process. Other signals run {@code kill -s NAME PID} (the
   * shell's) and wait for it, a millisecond or two: like asyncio's {@code send_signal}, the signal
   * has been sent when this returns.
   *
   * @throws UncheckedIOException if the {@code kill} command cannot be run
   * @throws IllegalStateException if it fails while the process is still alive
   */
  @Override
  public void sendSignal(String name) {
    Objects.requireNonNull(name, "name");
    String signal = name.startsWith("SIG") ? name.substring(3) : name;
    if (!SIGNALS.contains(signal)) {
      throw new IllegalArgumentException("unknown signal: " + name + " (known: " + SIGNALS + ")");
    }
    switch (signal) {
      case "TERM" -> process.destroy();
      case "KILL" -> process.destroyForcibly();
      default -> {
        if (process.isAlive()) {
          kill(signal);
        }
      }
    }
  }

  private void kill(String signal) {
    String pid = Long.toString(process.pid());
    try {
      Process kill = new ProcessBuilder("/bin/sh", "-c", "kill -s \"$0\" \"$1\"", signal, pid)
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
      String error;
      try (var err = kill.getErrorStream()) {
        error = new String(err.readAllBytes(), StandardCharsets.UTF_8).strip();
      }
      // The process may have exited between isAlive() and kill: then failing is no error.
      if (kill.waitFor() != 0 && process.isAlive()) {
        throw new IllegalStateException("kill -s " + signal + " " + pid + " failed: " + error);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run kill -s " + signal + " " + pid, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // the signal is sent by then; only the wait was cut short
    }
  }

  @Override
  public void terminate() {
    process.destroy();
  }

  @Override
  public void kill() {
    process.destroyForcibly();
  }

  @Override
  public void close() {
    closeCalled = true;
    if (!loop.inEventLoop()) {
      post(this::close);
      return;
    }
    if (closed) {
      return;
    }
    closed = true;
    for (PipeTransport pipe : pipes) {
      if (pipe != null) {
        pipe.close();
      }
    }
    if (returncode == null && process.isAlive()) {
      if (loop.isDebug()) {
        LOG.log(System.Logger.Level.WARNING, "Close running child process: kill " + this);
      }
      process.destroyForcibly(); // its exit, then the pipes' ends, finish the transport
    }
  }

  @Override
  public boolean isClosing() {
    return closeCalled || finished;
  }

  @Override
  public EventLoop getLoop() {
    return loop;
  }

  // ------------------------------------------------------------------ IoResource

  @Override
  public void beginClose() {
    close();
  }

  @Override
  public void closeNow() {
    process.destroyForcibly();
    for (PipeTransport pipe : pipes) {
      if (pipe != null) {
        pipe.closeNow();
      }
    }
  }

  @Override
  public String toString() {
    Integer code = returncode;
    return "ProcessTransport[pid=" + process.pid() + (code != null ? ", returncode=" + code : ", running")
        + (closeCalled ? ", closed" : "") + "]";
  }

  /** A pipe's protocol: forwards to the subprocess protocol with the pipe's fd. asyncio: {@code *SubprocessPipeProto}. */
  private final class PipeProtocol implements Protocol {
    private final int fd;

    PipeProtocol(int fd) {
      this.fd = fd;
    }

    @Override
    public void dataReceived(ByteBuffer data) {
      protocol.pipeDataReceived(fd, data);
    }

    @Override
    public void connectionLost(@Nullable Throwable cause) {
      pipeLost(fd, cause);
    }

    @Override
    public void pauseWriting() {
      protocol.pauseWriting();
    }

    @Override
    public void resumeWriting() {
      protocol.resumeWriting();
    }

    @Override
    public String toString() {
      return "PipeProtocol[fd=" + fd + " of " + ProcessTransport.this + "]";
    }
  }
}
