package dev.loop.reactor;

import dev.loop.EventLoop;
import dev.loop.process.SubprocessTransport;
import java.nio.ByteBuffer;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A subprocess started on an {@link EventLoop} as Reactor streams: what {@link
 * ReactorLoop#exec(EventLoop, java.util.List)} gives. asyncio's {@code subprocess_exec} with a
 * {@code SubprocessProtocol}, its pipes as {@code Flux}/{@code Mono}.
 *
 * <p>The output streams are read only while their subscribers have demand, exactly as {@link
 * LoopConnection#receive()}: a child that writes more than is asked for blocks on its full pipe.
 * So subscribe to every piped output (or make it {@code DISCARD}/{@code INHERIT} in the {@link
 * dev.loop.process.ProcessOptions}) or the child may never finish. {@code exec(...).flatMapMany(
 * LoopProcess::stdout)} is the output of a command as a {@code Flux}.
 *
 * <p>All methods may be called from any thread; signals arrive on the loop thread.
 */
public interface LoopProcess extends Disposable {

  /**
   * The process id.
   *
   * @return the operating system's id
   */
  long pid();

  /**
   * The child's standard output, read as demanded; one subscriber, once. Completes at end of file
   * (empty at once when stdout is not a pipe). Cancelling closes the pipe: a child that writes
   * more then gets {@code SIGPIPE}/{@code EPIPE}.
   *
   * @return stdout's bytes
   */
  Flux<ByteBuffer> stdout();

  /**
   * The child's standard error, as {@link #stdout()} (empty when merged into stdout or not a pipe).
   *
   * @return stderr's bytes
   */
  Flux<ByteBuffer> stderr();

  /**
   * Writes {@code data} to the child's standard input with the flow control of {@link
   * LoopConnection#send(Publisher)}, then closes stdin so that the child sees end of file.
   *
   * @param data the bytes to write
   * @return completes once written and stdin closed; fails with {@link IllegalStateException} if
   *     stdin is not a pipe, or if the pipe broke
   * @throws NullPointerException if {@code data} is null
   */
  Mono<Void> stdin(Publisher<? extends ByteBuffer> data);

  /**
   * The exit status once the process exited and its pipes closed: the exit code, or 128 plus the
   * signal number for a process killed by a signal (see {@link SubprocessTransport#getReturncode()}).
   * Late subscribers get it at once.
   *
   * @return the exit status
   */
  Mono<Integer> exitCode();

  /** Asks the process to end (SIGTERM). asyncio's {@code terminate()}. */
  void terminate();

  /** Kills the process (SIGKILL). asyncio's {@code kill()}. */
  void kill();

  /**
   * Closes the pipes and kills the process if it still runs (the transport's {@code close()}).
   */
  @Override
  void dispose();

  /**
   * Tells whether the process was disposed or has ended.
   *
   * @return true once closing
   */
  @Override
  boolean isDisposed();

  /**
   * The loop the process belongs to.
   *
   * @return the loop
   */
  EventLoop loop();

  /**
   * The core transport, for signals and pipe transports.
   *
   * @return the transport
   */
  SubprocessTransport transport();
}
