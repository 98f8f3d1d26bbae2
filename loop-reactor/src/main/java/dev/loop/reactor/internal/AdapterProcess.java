package dev.loop.reactor.internal;

import dev.loop.EventLoop;
import dev.loop.LoopFuture;
import dev.loop.net.Transport;
import dev.loop.process.Subprocess;
import dev.loop.process.SubprocessProtocol;
import dev.loop.process.SubprocessTransport;
import dev.loop.reactor.LoopProcess;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A subprocess's protocol as {@link LoopProcess}: stdout and stderr through {@link ReceivePump}s
 * over their pipe transports, stdin through a {@link SendGate}. Protocol methods run on the loop
 * thread.
 */
public final class AdapterProcess implements SubprocessProtocol, LoopProcess {

  private final ReceivePump out;
  private final ReceivePump err;
  private final SendGate in;
  private final Sinks.One<Integer> exit = Sinks.one();
  private volatile @Nullable EventLoop loop;
  private volatile @Nullable SubprocessTransport transport;

  private AdapterProcess() {
    out = new ReceivePump("stdout()", view -> AdapterSupport.enrich(view, loop(), null)
        .put(LoopProcess.class, this), () -> closePipe(1));
    err = new ReceivePump("stderr()", view -> AdapterSupport.enrich(view, loop(), null)
        .put(LoopProcess.class, this), () -> closePipe(2));
    in = new SendGate("stdin", view -> AdapterSupport.enrich(view, loop(), null).put(LoopProcess.class, this));
  }

  /**
   * A Mono that starts the process with {@code start} on subscription and emits it once started;
   * cancelling before then kills it as soon as it exists.
   *
   * @param start starts the core subprocess with the given protocol factory
   * @return the Mono
   */
  public static Mono<LoopProcess> exec(
      Function<Supplier<AdapterProcess>, LoopFuture<Subprocess<AdapterProcess>>> start) {
    return AdapterSupport.opened(() -> start.apply(AdapterProcess::new),
        started -> (LoopProcess) started.protocol(), LoopProcess::dispose, LoopProcess.class,
        "process's start", false);
  }

  // ------------------------------------------------------------------ SubprocessProtocol (loop)

  @Override
  public void connectionMade(SubprocessTransport t) {
    transport = t;
    EventLoop l = t.getLoop();
    loop = l;
    attach(out, t.getPipeTransport(1), l);
    attach(err, t.getPipeTransport(2), l);
    Transport stdin = t.getPipeTransport(0);
    if (stdin != null) {
      in.attach(stdin, l);
    } else {
      in.attachNothing(l);
    }
  }

  private static void attach(ReceivePump pump, @Nullable Transport pipe, EventLoop l) {
    if (pipe != null) {
      pump.attach(pipe, l);
    } else {
      pump.attachNothing(l);
    }
  }

  @Override
  public void pipeDataReceived(int fd, ByteBuffer data) {
    if (fd == 1) {
      out.onData(data);
    } else if (fd == 2) {
      err.onData(data);
    }
  }

  @Override
  public void pipeConnectionLost(int fd, @Nullable Throwable cause) {
    switch (fd) {
      case 0 -> in.lost(cause);
      case 1 -> out.onLost(cause);
      case 2 -> err.onLost(cause);
      default -> { }
    }
  }

  @Override
  public void processExited() {
    SubprocessTransport t = transport;
    Integer code = t == null ? null : t.getReturncode();
    if (code != null) {
      exit.tryEmitValue(code);
    }
  }

  @Override
  public void connectionLost(@Nullable Throwable cause) {
    out.onLost(cause);
    err.onLost(cause);
    in.lost(cause);
    if (cause != null) {
      exit.tryEmitError(cause);
    } else {
      exit.tryEmitError(new IllegalStateException("the process's transport closed without an exit status"));
    }
  }

  @Override
  public void pauseWriting() {
    in.pauseWriting();
  }

  @Override
  public void resumeWriting() {
    in.resumeWriting();
  }

  private void closePipe(int fd) {
    SubprocessTransport t = transport;
    Transport pipe = t == null ? null : t.getPipeTransport(fd);
    if (pipe != null) {
      pipe.close();
    }
  }

  // ------------------------------------------------------------------ LoopProcess (any thread)

  @Override
  public long pid() {
    return transport().getPid();
  }

  @Override
  public Flux<ByteBuffer> stdout() {
    return out.flux();
  }

  @Override
  public Flux<ByteBuffer> stderr() {
    return err.flux();
  }

  @Override
  public Mono<Void> stdin(Publisher<? extends ByteBuffer> data) {
    Objects.requireNonNull(data, "data");
    return in.send(data).doFinally(signal -> AdapterSupport.onLoopQuietly(loop(), () -> closePipe(0)));
  }

  @Override
  public Mono<Integer> exitCode() {
    return exit.asMono();
  }

  @Override
  public void terminate() {
    transport().terminate();
  }

  @Override
  public void kill() {
    transport().kill();
  }

  @Override
  public void dispose() {
    SubprocessTransport t = transport;
    if (t != null) {
      t.close();
    }
  }

  @Override
  public boolean isDisposed() {
    SubprocessTransport t = transport;
    return t == null || t.isClosing();
  }

  @Override
  public EventLoop loop() {
    EventLoop l = loop;
    if (l == null) {
      throw new IllegalStateException("the process is not started yet");
    }
    return l;
  }

  @Override
  public SubprocessTransport transport() {
    SubprocessTransport t = transport;
    if (t == null) {
      throw new IllegalStateException("the process is not started yet");
    }
    return t;
  }

  @Override
  public String toString() {
    SubprocessTransport t = transport;
    return "LoopProcess[" + (t == null ? "not started" : "pid " + t.getPid()) + "]";
  }
}
