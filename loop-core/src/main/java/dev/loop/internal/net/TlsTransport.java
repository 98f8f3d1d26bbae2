package dev.loop.internal.net;

import dev.loop.EventLoop;
import dev.loop.net.Protocol;
import dev.loop.net.Transport;
import java.nio.ByteBuffer;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The application's side of a TLS connection: asyncio's {@code _SSLProtocolTransport}. Writes are
 * encrypted at once and handed to the raw transport, so flow control (water marks, {@code
 * pauseWriting}/{@code resumeWriting}) is the raw transport's; reading is paused and resumed on the
 * raw transport. A TLS transport cannot half-close: {@link #canWriteEof()} is false. Loop thread
 * only, as every transport.
 */
public final class TlsTransport implements Transport {

  private final TlsProtocol tls;

  TlsTransport(TlsProtocol tls) {
    this.tls = tls;
  }

  /**
   * Encrypts the buffer's remaining bytes and writes the records to the raw transport. Ignored
   * once the transport is closing, as in asyncio.
   *
   * @param data the bytes; the position is moved to the limit
   */
  @Override
  public void write(ByteBuffer data) {
    Objects.requireNonNull(data, "data");
    tls.appWrite(data);
  }

  /**
   * Not supported: TLS has no half-close (a close_notify ends the whole TLS session).
   *
   * @throws UnsupportedOperationException always
   */
  @Override
  public void writeEof() {
    throw new UnsupportedOperationException("TLS transports do not support writeEof (half-close)");
  }

  /**
   * Always false: see {@link #writeEof()}.
   *
   * @return false
   */
  @Override
  public boolean canWriteEof() {
    return false;
  }

  /** Sends close_notify after what was written, then closes the raw transport once it is sent. */
  @Override
  public void close() {
    tls.appClose();
  }

  /** Aborts the raw transport at once: no close_notify, buffered data dropped. */
  @Override
  public void abort() {
    tls.appAbort();
  }

  /**
   * Tells whether the transport is closing or closed.
   *
   * @return true after {@code close()}, {@code abort()}, the peer's close or a fatal error
   */
  @Override
  public boolean isClosing() {
    return tls.isClosing();
  }

  /** Stops delivering decrypted data and pauses reading on the raw transport. */
  @Override
  public void pauseReading() {
    tls.pauseAppReading();
  }

  /** Resumes delivering decrypted data and reading on the raw transport. */
  @Override
  public void resumeReading() {
    tls.resumeAppReading();
  }

  /**
   * Tells whether decrypted data is delivered.
   *
   * @return false while paused or closing
   */
  @Override
  public boolean isReading() {
    return tls.isAppReading();
  }

  /**
   * Sets the raw transport's water marks: encrypted bytes are what is buffered.
   *
   * @param high pause writing above this many buffered bytes
   * @param low resume writing at or below this many
   */
  @Override
  public void setWriteBufferLimits(int high, int low) {
    tls.raw().setWriteBufferLimits(high, low);
  }

  /**
   * The raw transport's high water mark.
   *
   * @return bytes
   */
  @Override
  public int getWriteBufferHigh() {
    return tls.raw().getWriteBufferHigh();
  }

  /**
   * The raw transport's low water mark.
   *
   * @return bytes
   */
  @Override
  public int getWriteBufferLow() {
    return tls.raw().getWriteBufferLow();
  }

  /**
   * The encrypted bytes the raw transport holds, plus any plaintext waiting for a renegotiation.
   *
   * @return the buffered byte count
   */
  @Override
  public long getWriteBufferSize() {
    return tls.writeBufferSize();
  }

  /**
   * {@code "sslcontext"}, {@code "sslsession"}, {@code "peercert"}, {@code "cipher"}, and the raw
   * transport's items ({@code "peername"}, {@code "sockname"}, {@code "socket"}).
   *
   * @param name the item
   * @return its value, or null
   */
  @Override
  public @Nullable Object getExtraInfo(String name) {
    Objects.requireNonNull(name, "name");
    return tls.extraInfo(name);
  }

  /**
   * The application protocol.
   *
   * @return the protocol decrypted data goes to
   */
  @Override
  public Protocol getProtocol() {
    return tls.app();
  }

  /**
   * Switches the application protocol.
   *
   * @param protocol the protocol that receives the following events
   */
  @Override
  public void setProtocol(Protocol protocol) {
    Objects.requireNonNull(protocol, "protocol");
    tls.setApp(protocol);
  }

  /**
   * The loop this transport runs on.
   *
   * @return the loop
   */
  @Override
  public EventLoop getLoop() {
    return tls.loop();
  }

  @Override
  public String toString() {
    return "TlsTransport[" + tls + "]";
  }
}
