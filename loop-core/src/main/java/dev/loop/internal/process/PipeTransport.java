package dev.loop.internal.process;

import dev.loop.EventLoop;
import dev.loop.ExceptionContext;
import dev.loop.internal.BaseEventLoop;
import dev.loop.net.Protocol;
import dev.loop.net.Transport;
import java.io.IOException;
import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * What every pipe transport shares: the protocol, the closing state machine that calls {@code
 * connectionLost} exactly once, fatal errors, and the loop's resource tracking. asyncio: the common
 * part of {@code _UnixReadPipeTransport} and {@code _UnixWritePipeTransport}.
 *
 * <p>Subclasses say how I/O stops ({@link #stopIo()}, loop thread) and how the pipe is released
 * ({@link #release()}, any thread, idempotent). Every method except {@link #closeNow()} and {@link
 * #release()} runs on the loop thread.
 */
abstract class PipeTransport implements Transport, BaseEventLoop.IoResource {

  static final System.Logger LOG = System.getLogger("dev.loop");

  final BaseEventLoop loop;
  /** The channel or stream: {@code getExtraInfo("pipe")}. */
  private final Object pipe;
  Protocol protocol;

  /** {@code connectionMade} returned normally: only then does the protocol hear {@code connectionLost}. */
  boolean connected;
  /** close(), abort(), EOF or a fatal error happened: no more reading, no more accepted writes. */
  boolean closing;
  /** {@code connectionLost} is scheduled; nothing else reaches the protocol. */
  boolean lost;

  PipeTransport(BaseEventLoop loop, Object pipe, Protocol protocol) {
    this.loop = loop;
    this.pipe = pipe;
    this.protocol = protocol;
  }

  /**
   * Tracks the transport and schedules {@code protocol.connectionMade(this)}, then {@link
   * #started()}, as asyncio's constructors do with {@code call_soon}. Loop thread.
   *
   * @param whenMade told null once {@code connectionMade} returned, or what it threw
   */
  final void begin(Consumer<@Nullable Throwable> whenMade) {
    assert loop.inEventLoop();
    loop.track(this);
    loop.callSoon(() -> {
      // Called even if the transport was closed meanwhile (the subprocess transport can close its
      // pipes from its own connectionMade): the close's connectionLost is queued behind this callback.
      try {
        protocol.connectionMade(this);
      } catch (Throwable t) {
        fatalError(t, "Fatal error: protocol.connectionMade() call failed.");
        whenMade.accept(t);
        return;
      }
      connected = true;
      if (!closing) {
        started();
      }
      whenMade.accept(null);
    });
  }

  /** Loop thread: {@code connectionMade} returned and the transport is open; start the I/O. */
  abstract void started();

  /** Loop thread: stop reading or writing for good (the transport is going away). */
  abstract void stopIo();

  /** Any thread, idempotent: close the channel or stream. No protocol callback. */
  abstract void release();

  /** Loop thread: drop what waits to be written (abort, fatal error). */
  void dropBuffered() {}

  /**
   * Reports {@code error} and closes at once: I/O errors only in debug mode (a pipe breaking is
   * ordinary), anything else to the exception handler. asyncio: {@code _fatal_error}.
   *
   * @param error what happened
   * @param message the report's message
   */
  final void fatalError(Throwable error, String message) {
    if (error instanceof IOException) {
      if (loop.isDebug()) {
        LOG.log(System.Logger.Level.DEBUG, this + ": " + message, error);
      }
    } else {
      loop.callExceptionHandler(ExceptionContext.of(message, error)
          .withTransport(this).withProtocol(protocol).withSocket(pipe));
    }
    forceClose(error);
  }

  /** Closes at once, dropping buffered bytes; {@code connectionLost(cause)} follows. asyncio: {@code _close}. */
  final void forceClose(@Nullable Throwable cause) {
    if (lost) {
      return;
    }
    dropBuffered();
    scheduleConnectionLost(cause);
  }

  /** The one way to the end: stops I/O now, calls {@code connectionLost} on the next iteration. */
  final void scheduleConnectionLost(@Nullable Throwable cause) {
    if (lost) {
      return;
    }
    lost = true;
    closing = true;
    stopIo();
    loop.callSoon(() -> callConnectionLost(cause));
  }

  private void callConnectionLost(@Nullable Throwable cause) {
    try {
      if (connected) {
        protocol.connectionLost(cause);
      }
    } catch (Throwable t) {
      loop.callExceptionHandler(ExceptionContext.of("protocol.connectionLost() failed", t)
          .withTransport(this).withProtocol(protocol));
    } finally {
      // asyncio closes the pipe after connection_lost, so the protocol still sees it open there.
      release();
      loop.untrack(this);
    }
  }

  @Override
  public void abort() {
    assert loop.inEventLoop();
    forceClose(null);
  }

  @Override
  public boolean isClosing() {
    return closing;
  }

  @Override
  public void beginClose() {
    close();
  }

  @Override
  public void closeNow() {
    release();
  }

  @Override
  public @Nullable Object getExtraInfo(String name) {
    Objects.requireNonNull(name, "name");
    return name.equals("pipe") ? pipe : null;
  }

  @Override
  public Protocol getProtocol() {
    return protocol;
  }

  @Override
  public void setProtocol(Protocol protocol) {
    this.protocol = Objects.requireNonNull(protocol, "protocol");
  }

  @Override
  public EventLoop getLoop() {
    return loop;
  }

  /** The state for toString: open, closing or closed. */
  final String state() {
    return lost ? "closed" : closing ? "closing" : "open";
  }

  /** Closes {@code closeable}, logging (in debug mode) what closing it threw. Any thread. */
  static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception e) {
      LOG.log(System.Logger.Level.DEBUG, "Error closing " + closeable, e);
    }
  }

  /** Starts a daemon thread of the pipe pump. */
  static Thread startDaemon(Runnable body, String name) {
    Thread thread = new Thread(body, name);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }
}
