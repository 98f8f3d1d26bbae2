package dev.loop.net;

import java.nio.ByteBuffer;

/**
 * A protocol that supplies the buffer reads land in: the zero-copy read path, asyncio's
 * {@code BufferedProtocol}.
 *
 * <p>For each read the transport asks {@link #getBuffer(int)} for a buffer, reads from the socket
 * straight into it, and reports the count with {@link #bufferUpdated(int)}: no copy, and no
 * allocation when the protocol reuses its buffer. Loop thread only.
 */
public interface BufferedProtocol extends Protocol {

  /**
   * A buffer to read into. asyncio: {@code get_buffer(sizehint)}.
   *
   * @param sizeHint how many bytes the transport would like room for (a hint; any non-empty
   *     remaining space works)
   * @return a buffer with at least one byte remaining; the transport writes at its position
   */
  ByteBuffer getBuffer(int sizeHint);

  /**
   * {@code nbytes} bytes were read into the buffer from {@link #getBuffer(int)}, whose position
   * has moved past them. asyncio: {@code buffer_updated(nbytes)}.
   *
   * @param nbytes how many bytes were read, at least 1
   */
  void bufferUpdated(int nbytes);

  /**
   * Copies {@code data} through {@link #getBuffer(int)} and {@link #bufferUpdated(int)}: used only
   * when something hands this protocol bytes directly (the TLS layer, for instance).
   *
   * @param data the bytes
   */
  @Override
  default void dataReceived(ByteBuffer data) {
    while (data.hasRemaining()) {
      ByteBuffer target = getBuffer(data.remaining());
      int n = Math.min(target.remaining(), data.remaining());
      if (n <= 0) {
        throw new IllegalStateException("getBuffer returned a buffer with no room: " + target);
      }
      ByteBuffer slice = data.duplicate();
      slice.limit(slice.position() + n);
      target.put(slice);
      data.position(data.position() + n);
      bufferUpdated(n);
    }
  }
}
