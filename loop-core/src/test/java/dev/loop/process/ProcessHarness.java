package dev.loop.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.loop.EventLoop;
import dev.loop.EventLoopGroup;
import dev.loop.ExceptionContext;
import dev.loop.LoopFuture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A loop on its own thread (a group of one) for the subprocess and pipe tests, with what its
 * exception handler received; closing it shuts the loop down and fails on unexpected errors and on
 * any contract violation a {@link Recorder} noted. The same shape as the socket tests' harness.
 */
final class ProcessHarness implements AutoCloseable {

  /** The most any single wait of these tests may take. */
  static final Duration WAIT = Duration.ofSeconds(30);

  static final int MIB = 1024 * 1024;

  final EventLoopGroup group = EventLoopGroup.create(1);
  final EventLoop loop = group.next();
  final ConcurrentLinkedQueue<ExceptionContext> errors = new ConcurrentLinkedQueue<>();
  final List<Recorder> recorders = new CopyOnWriteArrayList<>();
  /** Whether the exception handler may be called in this test. */
  volatile boolean errorsExpected;

  ProcessHarness() throws Exception {
    run(() -> loop.setExceptionHandler((l, context) -> errors.add(context)));
  }

  /** Work to run on the loop thread that may throw. */
  @FunctionalInterface
  interface LoopWork {
    void run() throws Exception;
  }

  /** Runs {@code work} on the loop thread and returns what it returned, waiting at most WAIT. */
  <T> T call(Callable<T> work) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    loop.execute(() -> {
      try {
        result.complete(work.call());
      } catch (Throwable t) {
        result.completeExceptionally(t);
      }
    });
    try {
      return await(result);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof Exception ex) {
        throw ex;
      }
      throw (Error) cause;
    }
  }

  void run(LoopWork work) throws Exception {
    call(() -> {
      work.run();
      return null;
    });
  }

  /** Waits for {@code future} at most {@link #WAIT}. */
  static <T> T await(Future<T> future) throws Exception {
    return future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The failure of a future that must fail within {@link #WAIT}. */
  static Throwable failureOf(Future<?> future) throws Exception {
    try {
      Object value = future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      return fail("expected a failure, got the result " + value);
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }

  /** Starts {@code argv} with a new recorder and waits until it started. */
  Subprocess<Recorder> exec(List<String> argv) throws Exception {
    return exec(argv, ProcessOptions.defaults(), () -> new Recorder(this));
  }

  <P extends SubprocessProtocol> Subprocess<P> exec(List<String> argv, ProcessOptions options, Supplier<P> factory)
      throws Exception {
    LoopFuture<Subprocess<P>> started = loop.subprocessExec(factory, argv, options);
    return await(started);
  }

  /** Starts {@code command} with the shell and a new recorder, and waits until it started. */
  Subprocess<Recorder> shell(String command) throws Exception {
    return shell(command, ProcessOptions.defaults());
  }

  Subprocess<Recorder> shell(String command, ProcessOptions options) throws Exception {
    return await(loop.subprocessShell(() -> new Recorder(this), command, options));
  }

  /** Shuts the loop down, then checks the invariants; failures come back as assertion errors. */
  @Override
  public void close() {
    try {
      shutDown(group);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while shutting the loop down", e);
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new AssertionError("the loop did not shut down: " + e, e);
    }
    List<String> problems = new ArrayList<>();
    for (Recorder r : recorders) {
      for (String v : r.violations) {
        problems.add(r + ": " + v);
      }
    }
    if (!errorsExpected) {
      for (ExceptionContext context : errors) {
        problems.add("unexpected call of the exception handler: " + context.message() + " / " + context.exception());
      }
    }
    assertThat(problems).as("invariants of every subprocess of the test").isEmpty();
  }

  // ------------------------------------------------------------------------------------------
  // Helpers
  // ------------------------------------------------------------------------------------------

  /**
   * Shuts {@code group} down and waits until its threads ended. Each loop's shutdown starts on its
   * own thread: started from another thread, {@code BaseEventLoop.shutdown()} can find the loop
   * IDLE for the instant between the end of a fast shutdown and the loop thread's {@code close()},
   * and then run (and hang in) the loop itself; on the loop thread that check sees RUNNING. The
   * group's shutdown then finds every loop's shutdown under way.
   */
  static void shutDown(EventLoopGroup group)
      throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
    for (EventLoop each : group.loops()) {
      CompletableFuture<Void> begun = new CompletableFuture<>();
      each.execute(() -> {
        each.shutdown(Duration.ZERO, Duration.ofSeconds(15));
        begun.complete(null);
      });
      begun.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }
    group.shutdownGracefully().toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Deterministic pseudo-random bytes. */
  static byte[] randomBytes(int n, long seed) {
    byte[] bytes = new byte[n];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  /** How many file descriptors this process has open, or -1 without /proc. */
  static long openFds() {
    Path fds = Path.of("/proc/self/fd");
    if (!Files.isDirectory(fds)) {
      return -1;
    }
    try (Stream<Path> list = Files.list(fds)) {
      return list.count();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The names of the live threads of the pipe pump. */
  static List<String> pumpThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(name -> name.startsWith("loop-pipe-"))
        .toList();
  }

  /** Whether the JVM ignores {@code SIGINT} (a background job without job control): children inherit that. */
  static boolean sigintIgnored() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("SigIgn:")) {
          long mask = Long.parseUnsignedLong(line.substring(7).strip(), 16);
          return (mask & (1L << (2 - 1))) != 0;
        }
      }
    } catch (IOException | RuntimeException e) {
      return false;
    }
    return false;
  }

  // ------------------------------------------------------------------------------------------
  // The recording protocol
  // ------------------------------------------------------------------------------------------

  /**
   * A subprocess protocol that records everything and checks asyncio's order: every callback on
   * the loop thread; {@code connectionMade} first and once; {@code pipeConnectionLost} at most once
   * per fd and never before that fd's data; {@code processExited} once, after every {@code
   * pipeConnectionLost}; {@code connectionLost} once and last. Subclasses add behaviour through the
   * {@code on*} hooks.
   */
  static class Recorder implements SubprocessProtocol {
    final ProcessHarness h;
    volatile @Nullable SubprocessTransport transport;
    final CompletableFuture<SubprocessTransport> made = new CompletableFuture<>();
    final CompletableFuture<Void> exited = new CompletableFuture<>();
    final CompletableFuture<Optional<Throwable>> lost = new CompletableFuture<>();
    final List<CompletableFuture<Optional<Throwable>>> pipeLost =
        List.of(new CompletableFuture<>(), new CompletableFuture<>(), new CompletableFuture<>());
    /** The return code as seen inside processExited. */
    volatile @Nullable Integer returncodeAtExit;
    final List<String> events = Collections.synchronizedList(new ArrayList<>());
    final List<String> violations = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream[] output = {new ByteArrayOutputStream(), new ByteArrayOutputStream(),
        new ByteArrayOutputStream()};
    private final List<Waiter> waiters = new ArrayList<>();

    private record Waiter(int fd, String text, CompletableFuture<Void> future) {}

    /** Whether the output is kept for {@link #text(int)}; streaming tests that check volume turn it off. */
    private final boolean keepsOutput;

    Recorder(ProcessHarness h) {
      this(h, true);
    }

    Recorder(ProcessHarness h, boolean keepsOutput) {
      this.h = h;
      this.keepsOutput = keepsOutput;
      h.recorders.add(this);
    }

    SubprocessTransport t() {
      SubprocessTransport t = transport;
      assertThat(t).as("transport of " + this).isNotNull();
      return t;
    }

    private void check(String event) {
      if (!h.loop.inEventLoop()) {
        violations.add(event + " called on " + Thread.currentThread().getName() + ", not the loop thread");
      }
      if (!event.equals("made") && transport == null) {
        violations.add(event + " before connectionMade");
      }
      if (lost.isDone()) {
        violations.add(event + " after connectionLost");
      }
      synchronized (events) {
        if (!(event.startsWith("data") && !events.isEmpty() && events.get(events.size() - 1).equals(event))) {
          events.add(event);
        }
      }
    }

    @Override
    public final void connectionMade(SubprocessTransport t) {
      check("made");
      if (transport != null) {
        violations.add("connectionMade called twice");
      }
      if (t.getReturncode() != null) {
        violations.add("a return code already at connectionMade: " + t.getReturncode());
      }
      transport = t;
      onMade(t);
      made.complete(t);
    }

    @Override
    public final void pipeDataReceived(int fd, ByteBuffer data) {
      check("data" + fd);
      if (!data.hasRemaining()) {
        violations.add("pipeDataReceived with no bytes");
      }
      if (pipeLost.get(fd).isDone()) {
        violations.add("pipeDataReceived(" + fd + ") after pipeConnectionLost(" + fd + ")");
      }
      byte[] chunk = new byte[data.remaining()];
      data.get(chunk);
      List<CompletableFuture<Void>> ready = new ArrayList<>();
      synchronized (output) {
        if (keepsOutput) {
          output[fd].writeBytes(chunk);
        }
        if (!waiters.isEmpty()) {
          String all = output[fd].toString(StandardCharsets.UTF_8);
          for (var it = waiters.iterator(); it.hasNext(); ) {
            Waiter w = it.next();
            if (w.fd() == fd && all.contains(w.text())) {
              it.remove();
              ready.add(w.future());
            }
          }
        }
      }
      ready.forEach(f -> f.complete(null));
      onData(fd, chunk);
    }

    @Override
    public final void pipeConnectionLost(int fd, @Nullable Throwable cause) {
      check("pipeLost" + fd);
      if (pipeLost.get(fd).isDone()) {
        violations.add("pipeConnectionLost(" + fd + ") called twice");
      }
      if (exited.isDone()) {
        violations.add("pipeConnectionLost(" + fd + ") after processExited");
      }
      pipeLost.get(fd).complete(Optional.ofNullable(cause));
    }

    @Override
    public final void processExited() {
      check("exited");
      if (exited.isDone()) {
        violations.add("processExited called twice");
      }
      SubprocessTransport t = transport;
      returncodeAtExit = t == null ? null : t.getReturncode();
      if (returncodeAtExit == null) {
        violations.add("processExited with no return code");
      }
      for (int fd = 0; fd < 3; fd++) {
        if (t != null && t.getPipeTransport(fd) != null && !pipeLost.get(fd).isDone()) {
          violations.add("processExited before pipeConnectionLost(" + fd + ")");
        }
      }
      exited.complete(null);
    }

    @Override
    public final void connectionLost(@Nullable Throwable cause) {
      check("lost");
      if (!exited.isDone()) {
        violations.add("connectionLost before processExited");
      }
      lost.complete(Optional.ofNullable(cause));
    }

    @Override
    public final void pauseWriting() {
      check("pause");
      onPause();
    }

    @Override
    public final void resumeWriting() {
      check("resume");
      onResume();
    }

    void onMade(SubprocessTransport t) {}

    void onData(int fd, byte[] chunk) {}

    void onPause() {}

    void onResume() {}

    /** Everything fd sent so far, as text. */
    String text(int fd) {
      synchronized (output) {
        return output[fd].toString(StandardCharsets.UTF_8);
      }
    }

    byte[] bytes(int fd) {
      synchronized (output) {
        return output[fd].toByteArray();
      }
    }

    /** Completes once fd's output contains {@code text}. */
    CompletableFuture<Void> whenOutputContains(int fd, String text) {
      CompletableFuture<Void> f = new CompletableFuture<>();
      synchronized (output) {
        if (output[fd].toString(StandardCharsets.UTF_8).contains(text)) {
          f.complete(null);
        } else {
          waiters.add(new Waiter(fd, text, f));
        }
      }
      return f;
    }

    /** Waits for connectionLost and returns the return code seen at processExited. */
    int awaitEnd() throws Exception {
      await(lost);
      Integer code = returncodeAtExit;
      assertThat(code).as("return code at processExited").isNotNull();
      return code;
    }

    @Override
    public String toString() {
      return getClass().getSimpleName() + "@" + Integer.toHexString(System.identityHashCode(this)) + events;
    }
  }
}
