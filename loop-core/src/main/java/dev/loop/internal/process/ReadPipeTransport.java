package dev.loop.internal.process;

import dev.loop.internal.BaseEventLoop;
import dev.loop.net.Protocol;
import java.nio.ByteBuffer;

/**
 * The read-only half of the pipe transports: delivery, EOF, and pausing. asyncio: {@code
 * _UnixReadPipeTransport}. Every write method throws {@link UnsupportedOperationException}.
 *
 * <p>On EOF the protocol gets {@code eofReceived()} (its answer is ignored: a pipe cannot be
 * half-closed) and then {@code connectionLost(null)}, as in asyncio. While reading is paused the
 * protocol gets no {@code dataReceived}. Loop thread only.
 */
abstract class ReadPipeTransport extends PipeTransport {

  /** pauseReading() was called and not undone. */
  boolean paused;

  ReadPipeTransport(BaseEventLoop loop, Object pipe, Protocol protocol) {
    super(loop, pipe, protocol);
  }

  /** Loop thread: take bytes from the pipe again (open, connected, not paused). */
  abstract void startReading();

  /** Loop thread: take no more bytes from the pipe until {@link #startReading()}. */
  abstract void stopReading();

  @Override
  final void started() {
    if (!paused) {
      startReading();
    }
  }

  @Override
  final void stopIo() {
    stopReading();
  }

  /** Hands {@code data} to the protocol; a protocol that throws closes the transport. */
  final void deliver(ByteBuffer data) {
    if (lost) {
      return;
    }
    try {
      protocol.dataReceived(data);
    } catch (Throwable t) {
      fatalError(t, "Fatal error: protocol.dataReceived() call failed.");
    }
  }

  /** The writer closed its end: {@code eofReceived()}, then close. asyncio: {@code _read_ready} on b''. */
  final void eof() {
    if (lost) {
      return;
    }
    closing = true;
    stopReading();
    try {
      protocol.eofReceived();
    } catch (Throwable t) {
      fatalError(t, "Fatal error: protocol.eofReceived() call failed.");
      return;
    }
    scheduleConnectionLost(null);
  }

  @Override
  public final void pauseReading() {
    assert loop.inEventLoop();
    if (closing || paused) {
      return;
    }
    paused = true;
    stopReading();
  }

  @Override
  public final void resumeReading() {
    assert loop.inEventLoop();
    if (closing || !paused) {
      return;
    }
    paused = false;
    if (connected) {
      startReading();
    }
  }

  @Override
  public final boolean isReading() {
    return !paused && !closing;
  }

  @Override
  public final void close() {
    assert loop.inEventLoop();
    if (!closing) {
      forceClose(null); // nothing is buffered on a read pipe: closing is aborting
    }
  }

  // ------------------------------------------------------------------ a read pipe cannot write

  private UnsupportedOperationException readOnly() {
    return new UnsupportedOperationException(this + " is a read pipe: it cannot write");
  }

  @Override
  public final void write(ByteBuffer data) {
    throw readOnly();
  }

  @Override
  public final void writeEof() {
    throw readOnly();
  }

  @Override
  public final boolean canWriteEof() {
    return false;
  }

  @Override
  public final void setWriteBufferLimits(int high, int low) {
    throw readOnly();
  }

  @Override
  public final int getWriteBufferHigh() {
    return 0;
  }

  @Override
  public final int getWriteBufferLow() {
    return 0;
  }

  @Override
  public final long getWriteBufferSize() {
    return 0;
  }
}
