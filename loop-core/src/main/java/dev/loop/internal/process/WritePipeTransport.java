package dev.loop.internal.process;

import dev.loop.ExceptionContext;
import dev.loop.internal.BaseEventLoop;
import dev.loop.net.Protocol;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * The write-only half of the pipe transports: the write buffer's accounting, flow control with
 * water marks, and closing. asyncio: {@code _UnixWritePipeTransport} with {@code
 * _FlowControlMixin}. {@code pauseReading}/{@code resumeReading} throw {@link
 * UnsupportedOperationException}; {@code isReading()} is false.
 *
 * <p>A subclass moves bytes ({@link #send(ByteBuffer)}) and reports each that left the buffer with
 * {@link #sent(long)}; this class pauses the protocol above the high water mark, resumes it at the
 * low one, and finishes a close once the buffer is empty. {@code writeEof()} is a close: a pipe's
 * only way to signal EOF is to close its write end. After the pipe broke (its reader is gone) or the
 * transport closed, writes are dropped, as in asyncio; the fifth such write logs one warning.
 * Loop thread only, except {@link #release()}.
 */
abstract class WritePipeTransport extends PipeTransport {

  /** asyncio's default high water mark: 64 KiB. */
  static final int DEFAULT_HIGH_WATER = 64 * 1024;

  /** asyncio's default low water mark: a quarter of the high one. */
  static final int DEFAULT_LOW_WATER = DEFAULT_HIGH_WATER / 4;

  /** asyncio's {@code LOG_THRESHOLD_FOR_CONNLOST_WRITES}. */
  static final int LOG_THRESHOLD_FOR_LOST_WRITES = 5;

  /** Bytes accepted by write() and not yet written to the pipe. */
  private long buffered;
  private int highWater = DEFAULT_HIGH_WATER;
  private int lowWater = DEFAULT_LOW_WATER;
  private boolean protocolPaused;
  private boolean eofRequested;
  private int droppedWrites;

  WritePipeTransport(BaseEventLoop loop, Object pipe, Protocol protocol) {
    super(loop, pipe, protocol);
  }

  /**
   * Loop thread: takes all of {@code data}'s remaining bytes, writing what the pipe accepts now and
   * keeping (copying) the rest; calls {@link #sent(long)} for what was written, possibly later.
   */
  abstract void send(ByteBuffer data);

  @Override
  void started() {
    // Writing needs no start: the first write() starts the I/O.
  }

  /** Loop thread: {@code n} bytes left the buffer for the pipe. */
  final void sent(long n) {
    if (lost) {
      return; // the buffer was dropped: its accounting with it
    }
    buffered -= n;
    maybeResumeProtocol();
    if (buffered == 0 && closing) {
      scheduleConnectionLost(null); // a close waited for the buffer to drain
    }
  }

  @Override
  public final void write(ByteBuffer data) {
    Objects.requireNonNull(data, "data");
    assert loop.inEventLoop();
    if (eofRequested) {
      throw new IllegalStateException("Cannot call write() after writeEof()");
    }
    if (!data.hasRemaining()) {
      return;
    }
    if (closing) {
      data.position(data.limit());
      if (++droppedWrites == LOG_THRESHOLD_FOR_LOST_WRITES) {
        LOG.log(System.Logger.Level.WARNING, "pipe closed by peer or write to it failed: writes to "
            + this + " are dropped");
      }
      return;
    }
    buffered += data.remaining();
    send(data);
    maybePauseProtocol();
  }

  @Override
  final void dropBuffered() {
    buffered = 0;
    dropQueued();
  }

  /** Loop thread: forget what waits to be written. */
  abstract void dropQueued();

  private void maybePauseProtocol() {
    if (!protocolPaused && buffered > highWater && !closing) {
      protocolPaused = true;
      try {
        protocol.pauseWriting();
      } catch (Throwable t) {
        loop.callExceptionHandler(ExceptionContext.of("protocol.pauseWriting() failed", t)
            .withTransport(this).withProtocol(protocol));
      }
    }
  }

  private void maybeResumeProtocol() {
    if (protocolPaused && buffered <= lowWater) {
      protocolPaused = false;
      try {
        protocol.resumeWriting();
      } catch (Throwable t) {
        loop.callExceptionHandler(ExceptionContext.of("protocol.resumeWriting() failed", t)
            .withTransport(this).withProtocol(protocol));
      }
    }
  }

  @Override
  public final void writeEof() {
    assert loop.inEventLoop();
    if (closing || eofRequested) {
      return;
    }
    eofRequested = true;
    close();
  }

  @Override
  public final boolean canWriteEof() {
    return true;
  }

  @Override
  public final void close() {
    assert loop.inEventLoop();
    if (closing) {
      return;
    }
    closing = true;
    if (buffered == 0) {
      scheduleConnectionLost(null);
    } // else sent() finishes the close once the buffer drained
  }

  @Override
  public final void setWriteBufferLimits(int high, int low) {
    if (high < 0 || low < 0) {
      throw new IllegalArgumentException(
          "write buffer limits must not be negative: high=" + high + ", low=" + low);
    }
    if (low > high) {
      throw new IllegalArgumentException(
          "the low water mark must not exceed the high one: high=" + high + ", low=" + low);
    }
    assert loop.inEventLoop();
    highWater = high;
    lowWater = low;
    maybePauseProtocol();
    maybeResumeProtocol();
  }

  @Override
  public final int getWriteBufferHigh() {
    return highWater;
  }

  @Override
  public final int getWriteBufferLow() {
    return lowWater;
  }

  @Override
  public final long getWriteBufferSize() {
    return buffered;
  }

  // ------------------------------------------------------------------ a write pipe cannot read

  private UnsupportedOperationException writeOnly() {
    return new UnsupportedOperationException(this + " is a write pipe: it cannot read");
  }

  @Override
  public final void pauseReading() {
    throw writeOnly();
  }

  @Override
  public final void resumeReading() {
    throw writeOnly();
  }

  @Override
  public final boolean isReading() {
    return false;
  }

  /** For toString: the state and what is buffered. */
  final String describe() {
    return state() + ", buffered=" + buffered;
  }
}
