package dev.loop.internal.net;

import dev.loop.Handle;
import dev.loop.internal.BaseEventLoop;
import dev.loop.internal.DefaultLoopFuture;
import dev.loop.net.Transport;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import org.jspecify.annotations.Nullable;

/**
 * sendfile and sock_sendfile: FileChannel.transferTo where possible, read+write otherwise.
 *
 * <p>As in asyncio, the file's position is set to {@code offset} plus the bytes sent when the
 * operation ends (successfully or not); the transfer itself reads at absolute positions.
 */
public final class SendFile {
  private SendFile() {}

  /** How much {@link #toSocket} transfers per call, and per loop iteration before yielding. */
  static final long SOCKET_CHUNK = 8L * 1024 * 1024;

  /** The read buffer of the fallback, reused for every chunk. */
  static final int FALLBACK_CHUNK = 64 * 1024;

  /** How much the fallback writes in one loop iteration before letting other callbacks run. */
  static final long FALLBACK_PER_ITERATION = 1024 * 1024;

  /**
   * Any thread: validates the range.
   *
   * @param offset where to start in the file
   * @param count how many bytes, or -1 for up to the end
   * @throws IllegalArgumentException if {@code offset} is negative or {@code count} below -1
   */
  public static void checkRange(long offset, long count) {
    if (offset < 0) {
      throw new IllegalArgumentException("offset must not be negative: " + offset);
    }
    if (count < -1) {
      throw new IllegalArgumentException("count must be -1 (to the end) or more: " + count);
    }
  }

  /** The end of the range: {@code offset + count}, or the file's size for -1, never past the size. */
  private static long endOf(FileChannel file, long offset, long count) throws IOException {
    long size = file.size();
    long end = count < 0 ? size : Math.min(size, saturatedAdd(offset, count));
    return Math.max(offset, end);
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }

  /**
   * sock_sendfile: sends the range with {@link FileChannel#transferTo}, in chunks, waiting for
   * writability when the socket is full. Loop thread.
   *
   * @param loop the loop
   * @param ch a connected socket channel, not owned by a transport
   * @param file the file
   * @param offset where to start
   * @param count how many bytes, or -1 for up to the end of the file
   * @param f completes with the number of bytes sent
   */
  public static void toSocket(BaseEventLoop loop, SocketChannel ch, FileChannel file, long offset, long count,
      DefaultLoopFuture<Long> f) {
    ChannelWatch.checkNoTransport(loop, ch);
    long end;
    try {
      ch.configureBlocking(false);
      end = endOf(file, offset, count);
    } catch (IOException e) {
      f.completeExceptionally(e);
      return;
    }
    new SocketSender(loop, ch, file, offset, end, f).send();
  }

  /** One sock_sendfile in progress. */
  private static final class SocketSender implements Runnable {
    private final BaseEventLoop loop;
    private final SocketChannel channel;
    private final FileChannel file;
    private final long start;
    private final long end;
    private final DefaultLoopFuture<Long> future;
    private long position;
    private @Nullable Handle writer;
    private boolean yielded;

    SocketSender(BaseEventLoop loop, SocketChannel channel, FileChannel file, long start, long end,
        DefaultLoopFuture<Long> future) {
      this.loop = loop;
      this.channel = channel;
      this.file = file;
      this.start = start;
      this.end = end;
      this.future = future;
      this.position = start;
      future.addDoneCallback(d -> {
        if (future.isCancelled()) {
          done();
        }
      });
    }

    /** The writer handle (the socket has room again) or a yield continuation. */
    @Override
    public void run() {
      send();
    }

    void send() {
      yielded = false;
      if (future.isDone()) {
        done(); // cancelled: still leave the file position after what was sent, as asyncio
        return;
      }
      long sentNow = 0;
      try {
        while (position < end) {
          long n = file.transferTo(position, Math.min(SOCKET_CHUNK, end - position), channel);
          if (n <= 0) {
            if (position >= file.size()) {
              break; // the file shrank: send what there was, as asyncio stops at EOF
            }
            waitWritable();
            return;
          }
          position += n;
          sentNow += n;
          if (sentNow >= SOCKET_CHUNK && position < end) {
            // Let other callbacks run: continue in the next iteration.
            unregister();
            yielded = true;
            loop.callSoon(this::send);
            return;
          }
        }
      } catch (IOException | RuntimeException e) {
        done();
        future.completeExceptionally(e);
        return;
      }
      done();
      future.complete(position - start);
    }

    private void waitWritable() {
      if (writer == null) {
        Handle h = loop.reusableHandle(this);
        writer = h;
        ChannelWatch.obtain(loop, channel).set(false, h);
      }
    }

    private void done() {
      unregister();
      setFilePosition(file, position);
    }

    private void unregister() {
      Handle h = writer;
      if (h == null) {
        return;
      }
      writer = null;
      ChannelWatch watch = ChannelWatch.find(loop, channel);
      if (watch != null) {
        watch.clearIf(false, h);
      }
      h.cancel();
    }

    @Override
    public String toString() {
      return "sock_sendfile to " + channel + (yielded ? " (yielded)" : "");
    }
  }

  private static void setFilePosition(FileChannel file, long position) {
    try {
      if (file.isOpen()) {
        file.position(position);
      }
    } catch (IOException ignored) {
      // the position is a courtesy, as in asyncio; the result says how much was sent
    }
  }

  /**
   * sendfile: zero-copy through a plain stream transport; otherwise (TLS, or another transport)
   * reads the file in chunks and writes them to the transport, following its flow control, as
   * asyncio's {@code _sendfile_fallback}. Loop thread.
   *
   * @param loop the loop
   * @param transport the transport
   * @param file the file
   * @param offset where to start
   * @param count how many bytes, or -1 for up to the end of the file
   * @param f completes with the number of bytes sent
   */
  public static void toTransport(BaseEventLoop loop, Transport transport, FileChannel file, long offset, long count,
      DefaultLoopFuture<Long> f) {
    if (transport.getLoop() != loop) {
      throw new IllegalArgumentException("the transport belongs to another loop: " + transport);
    }
    if (transport instanceof StreamTransport stream) {
      stream.sendfile(file, offset, count, f);
      // asyncio moves the file position past what was sent
      f.addDoneCallback(done -> {
        if (!f.isCompletedExceptionally()) {
          Long sent = f.getNow(null);
          if (sent != null) {
            setFilePosition(file, offset + sent);
          }
        }
      });
      return;
    }
    fallback(loop, transport, file, offset, count, f);
  }

  /**
   * The read+write sendfile, with the transport's flow control: a {@link FallbackProtocol} stands
   * in for the transport's protocol meanwhile, forwarding every event to it and noting
   * pause/resume of writing.
   *
   * @param loop the loop
   * @param transport the transport
   * @param file the file
   * @param offset where to start
   * @param count how many bytes, or -1 for up to the end of the file
   * @param f completes with the number of bytes sent
   */
  static void fallback(BaseEventLoop loop, Transport transport, FileChannel file, long offset, long count,
      DefaultLoopFuture<Long> f) {
    if (transport.isClosing()) {
      throw new IllegalStateException("the transport is closing: " + transport);
    }
    long end;
    try {
      end = endOf(file, offset, count);
    } catch (IOException e) {
      f.completeExceptionally(e);
      return;
    }
    new FallbackSender(loop, transport, file, offset, end, f).start();
  }

  /** One fallback sendfile in progress. */
  private static final class FallbackSender {
    private final BaseEventLoop loop;
    private final Transport transport;
    private final FileChannel file;
    private final long start;
    private final long end;
    private final DefaultLoopFuture<Long> future;
    private final FallbackProtocol watcher;
    private @Nullable ByteBuffer buffer;
    private long position;
    private boolean continuationPending;
    private boolean finished;

    FallbackSender(BaseEventLoop loop, Transport transport, FileChannel file, long start, long end,
        DefaultLoopFuture<Long> future) {
      this.loop = loop;
      this.transport = transport;
      this.file = file;
      this.start = start;
      this.end = end;
      this.future = future;
      this.position = start;
      this.watcher = FallbackProtocol.wrap(transport.getProtocol(), this);
      // Paused already if the buffer is above the high water mark: wait for the resume then.
      watcher.paused = transport.getWriteBufferSize() > transport.getWriteBufferHigh();
    }

    void start() {
      transport.setProtocol(watcher);
      future.addDoneCallback(done -> {
        if (!finished) {
          finish(); // cancelled
        }
      });
      send();
    }

    /** Writes chunks until the transport pauses us, the range is sent, or it is time to yield. */
    void send() {
      continuationPending = false;
      if (finished) {
        return;
      }
      if (future.isDone()) {
        finish();
        return;
      }
      long writtenNow = 0;
      try {
        while (position < end) {
          if (transport.isClosing()) {
            fail(new IOException("Connection is closed: " + transport));
            return;
          }
          if (watcher.paused) {
            return; // resumeWriting continues
          }
          if (writtenNow >= FALLBACK_PER_ITERATION) {
            scheduleContinuation();
            return;
          }
          ByteBuffer b = buffer;
          if (b == null) {
            b = ByteBuffer.allocate((int) Math.min(FALLBACK_CHUNK, end - position));
            buffer = b;
          }
          b.clear();
          b.limit((int) Math.min(b.capacity(), end - position));
          int n = file.read(b, position);
          if (n <= 0) {
            break; // end of file before the end of the range: what there was is sent
          }
          b.flip();
          transport.write(b); // copies what the socket does not take at once: the buffer is ours again
          position += n;
          writtenNow += n;
        }
      } catch (IOException | RuntimeException e) {
        fail(e);
        return;
      }
      finish();
      future.complete(position - start);
    }

    void scheduleContinuation() {
      if (!continuationPending && !finished) {
        continuationPending = true;
        loop.callSoon(this::send);
      }
    }

    /** The watcher saw resumeWriting. */
    void resumed() {
      scheduleContinuation();
    }

    /** The watcher saw connectionLost. */
    void lost(@Nullable Throwable cause) {
      if (finished) {
        return;
      }
      fail(cause != null ? cause : new IOException("Connection is closed by peer"));
    }

    private void fail(Throwable error) {
      finish();
      future.completeExceptionally(error);
    }

    /** Puts the original protocol back (unless someone replaced ours meanwhile). */
    private void finish() {
      if (finished) {
        return;
      }
      finished = true;
      if (transport.getProtocol() == watcher) {
        transport.setProtocol(watcher.original);
      }
      watcher.sender = null;
      setFilePosition(file, position);
    }
  }

  /**
   * Stands in for a transport's protocol during a fallback sendfile, as asyncio's
   * {@code _SendfileFallbackProtocol}: forwards every event to the original protocol, and tells
   * the sender about pause/resume of writing and the end of the connection.
   */
  static class FallbackProtocol implements dev.loop.net.Protocol {
    final dev.loop.net.Protocol original;
    @Nullable FallbackSender sender;
    boolean paused;

    FallbackProtocol(dev.loop.net.Protocol original, FallbackSender sender) {
      this.original = original;
      this.sender = sender;
    }

    static FallbackProtocol wrap(dev.loop.net.Protocol original, FallbackSender sender) {
      return original instanceof dev.loop.net.BufferedProtocol buffered
          ? new Buffered(buffered, sender) : new FallbackProtocol(original, sender);
    }

    @Override
    public void connectionMade(Transport transport) {
      original.connectionMade(transport);
    }

    @Override
    public void dataReceived(ByteBuffer data) {
      original.dataReceived(data);
    }

    @Override
    public boolean eofReceived() {
      return original.eofReceived();
    }

    @Override
    public void connectionLost(@Nullable Throwable cause) {
      FallbackSender s = sender;
      if (s != null) {
        s.lost(cause); // restores the original first
      }
      original.connectionLost(cause);
    }

    @Override
    public void pauseWriting() {
      paused = true;
      original.pauseWriting();
    }

    @Override
    public void resumeWriting() {
      paused = false;
      FallbackSender s = sender;
      if (s != null) {
        s.resumed();
      }
      original.resumeWriting();
    }

    @Override
    public String toString() {
      return "SendfileFallbackProtocol[" + original + "]";
    }

    /** The same for a buffered protocol, so that reads keep going straight into its buffers. */
    static final class Buffered extends FallbackProtocol implements dev.loop.net.BufferedProtocol {
      private final dev.loop.net.BufferedProtocol buffered;

      Buffered(dev.loop.net.BufferedProtocol original, FallbackSender sender) {
        super(original, sender);
        this.buffered = original;
      }

      @Override
      public ByteBuffer getBuffer(int sizeHint) {
        return buffered.getBuffer(sizeHint);
      }

      @Override
      public void bufferUpdated(int nbytes) {
        buffered.bufferUpdated(nbytes);
      }

      @Override
      public void dataReceived(ByteBuffer data) {
        buffered.dataReceived(data);
      }
    }
  }
}
