package dev.loop.rxjava.adapters;

import dev.loop.EventLoop;
import dev.loop.net.Protocol;
import dev.loop.net.Transport;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.nio.ByteBuffer;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A transport driven by the test: it records what the protocol asks of it (pause, resume, writes,
 * close) and simulates a write buffer, calling {@code pauseWriting} above its high water mark
 * and {@code resumeWriting} when the test {@linkplain #drain() drains} it. Its methods run on
 * whatever thread the test or the loop calls them from; the tests use it single-threaded.
 */
class FakeTransport implements Transport {

  final EventLoop loop;
  Protocol protocol;
  boolean reading = true;
  boolean closing;
  boolean eofWritten;
  int pauses;
  int resumes;
  long buffered;
  int high = 4096;
  int low = 0;
  boolean protocolPaused;
  final ByteArrayOutputStream written = new ByteArrayOutputStream();
  final List<Integer> writeSizes = new ArrayList<>();

  FakeTransport(EventLoop loop, Protocol protocol) {
    this.loop = loop;
    this.protocol = protocol;
  }

  /** The transport sends everything buffered: below the low mark, the protocol may resume. */
  void drain() {
    buffered = 0;
    if (protocolPaused) {
      protocolPaused = false;
      protocol.resumeWriting();
    }
  }

  @Override
  public void write(ByteBuffer data) {
    Objects.requireNonNull(data, "data");
    if (eofWritten) {
      throw new IllegalStateException("Cannot call write() after writeEof()");
    }
    int n = data.remaining();
    byte[] bytes = new byte[n];
    data.get(bytes);
    if (closing) {
      return;
    }
    written.write(bytes, 0, n);
    writeSizes.add(n);
    buffered += n;
    if (!protocolPaused && buffered > high) {
      protocolPaused = true;
      protocol.pauseWriting();
    }
  }

  @Override
  public void writeEof() {
    eofWritten = true;
  }

  @Override
  public boolean canWriteEof() {
    return true;
  }

  @Override
  public void close() {
    closing = true;
  }

  @Override
  public void abort() {
    closing = true;
  }

  @Override
  public boolean isClosing() {
    return closing;
  }

  @Override
  public void pauseReading() {
    if (reading) {
      pauses++;
    }
    reading = false;
  }

  @Override
  public void resumeReading() {
    if (!reading) {
      resumes++;
    }
    reading = true;
  }

  @Override
  public boolean isReading() {
    return reading && !closing;
  }

  @Override
  public void setWriteBufferLimits(int high, int low) {
    this.high = high;
    this.low = low;
  }

  @Override
  public int getWriteBufferHigh() {
    return high;
  }

  @Override
  public int getWriteBufferLow() {
    return low;
  }

  @Override
  public long getWriteBufferSize() {
    return buffered;
  }

  @Override
  public @Nullable Object getExtraInfo(String name) {
    return switch (name) {
      case "sockname" -> new InetSocketAddress("127.0.0.1", 1111);
      case "peername" -> new InetSocketAddress("127.0.0.1", 2222);
      default -> null;
    };
  }

  @Override
  public Protocol getProtocol() {
    return protocol;
  }

  @Override
  public void setProtocol(Protocol protocol) {
    this.protocol = protocol;
  }

  @Override
  public EventLoop getLoop() {
    return loop;
  }
}
