package dev.loop.internal.net;

import dev.loop.EventLoop;
import dev.loop.ExceptionContext;
import dev.loop.internal.BaseEventLoop;
import dev.loop.internal.DefaultLoopFuture;
import dev.loop.internal.SelectorEventLoop;
import dev.loop.net.BufferedProtocol;
import dev.loop.net.Protocol;
import dev.loop.net.Transport;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A TCP or Unix-domain stream transport on the loop's selector: asyncio's
 * {@code _SelectorSocketTransport}.
 *
 * <p>Reads: one read per readiness event, into the loop's shared read buffer (handed to {@link
 * Protocol#dataReceived}) or straight into a {@link BufferedProtocol}'s buffer; nothing is allocated
 * per read. Writes: straight to the socket while nothing is queued; what the socket does not take is
 * copied into the queue, and the queue is flushed with gathering writes when the socket is writable.
 * The protocol is paused above the high water mark and resumed at the low one. Every method runs on
 * the loop thread ({@code assert loop.inEventLoop()}).
 */
public final class StreamTransport implements Transport, SelectorEventLoop.IoHandler, BaseEventLoop.IoResource {

  private static final System.Logger LOG = System.getLogger("dev.loop");

  /** asyncio's default high water mark: 64 KiB. */
  static final int DEFAULT_HIGH_WATER = 64 * 1024;

  /** asyncio's default low water mark: a quarter of the high one. */
  static final int DEFAULT_LOW_WATER = DEFAULT_HIGH_WATER / 4;

  /** Small writes that must be queued share chunks of at least this size. */
  static final int MIN_QUEUE_CHUNK = 16 * 1024;

  /** The most buffers one gathering write takes (the kernel's IOV_MAX is 1024). */
  static final int MAX_GATHER = 64;

  /** The most one sendfile step transfers before letting other callbacks run. */
  static final long SENDFILE_CHUNK = 8L * 1024 * 1024;

  /** asyncio logs "socket.send() raised exception." after this many writes to a lost connection. */
  static final int LOG_THRESHOLD_FOR_CONNLOST_WRITES = 5;

  private final BaseEventLoop loop;
  private final SocketChannel channel;
  private final SelectionKey key;
  private final @Nullable StreamServer server;
  private final @Nullable SocketAddress peername;
  private final @Nullable SocketAddress sockname;
  private Protocol protocol;

  private final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>();
  private final ByteBuffer[] gather = new ByteBuffer[MAX_GATHER];
  private long queuedBytes;
  private int highWater = DEFAULT_HIGH_WATER;
  private int lowWater = DEFAULT_LOW_WATER;

  private boolean connected;
  private boolean closing;
  private boolean connectionLost;
  private int writesAfterLost;
  private boolean readingPaused;
  private boolean eofRequested;
  private boolean protocolPaused;
  private @Nullable List<Runnable> whenFlushed;
  private @Nullable Runnable writableContinuation;
  private @Nullable FileSender sending;

  /**
   * Makes the transport and schedules {@code protocol.connectionMade(this)}; reading starts after
   * it. Loop thread.
   *
   * @param loop the loop
   * @param channel a connected, non-blocking channel
   * @param existingKey the channel's key on the loop's selector if it has one (from connecting)
   * @param protocol the protocol
   * @param server the server that accepted the connection, or null
   * @param made called after {@code connectionMade} returned normally, or null
   * @throws IOException if the channel cannot be registered
   */
  public StreamTransport(BaseEventLoop loop, SocketChannel channel, @Nullable SelectionKey existingKey,
      Protocol protocol, @Nullable StreamServer server, @Nullable Runnable made) throws IOException {
    assert loop.inEventLoop();
    this.loop = loop;
    this.channel = channel;
    this.protocol = protocol;
    this.server = server;
    this.peername = addressOrNull(true);
    this.sockname = addressOrNull(false);
    if (existingKey != null) {
      existingKey.interestOps(0);
      existingKey.attach(this);
      this.key = existingKey;
    } else {
      this.key = channel.register(loop.selector(), 0, this);
    }
    if (server != null) {
      server.attach(this);
    }
    loop.track(this);
    loop.callSoon(() -> {
      try {
        this.protocol.connectionMade(this);
      } catch (Throwable t) {
        fatalError(t, "Fatal error: protocol.connectionMade() call failed.");
        return;
      }
      connected = true;
      if (!closing && !readingPaused) {
        addInterest(SelectionKey.OP_READ);
      }
      if (made != null) {
        made.run();
      }
    });
  }

  private @Nullable SocketAddress addressOrNull(boolean remote) {
    try {
      return remote ? channel.getRemoteAddress() : channel.getLocalAddress();
    } catch (IOException e) {
      return null;
    }
  }

  // ------------------------------------------------------------------ readiness

  @Override
  public void ready(SelectionKey selected) {
    int ops;
    try {
      ops = selected.readyOps();
    } catch (CancelledKeyException cancelled) {
      return;
    }
    if ((ops & SelectionKey.OP_READ) != 0) {
      readReady();
    }
    if ((ops & SelectionKey.OP_WRITE) != 0 && selected.isValid()) {
      writeReady();
    }
  }

  private void readReady() {
    if (connectionLost) {
      return;
    }
    if (protocol instanceof BufferedProtocol buffered) {
      readInto(buffered);
    } else {
      readAndDeliver();
    }
  }

  private void readAndDeliver() {
    ByteBuffer buffer = loop.readBuffer();
    buffer.clear();
    int n;
    try {
      n = channel.read(buffer);
    } catch (IOException e) {
      fatalError(e, "Fatal read error on socket transport");
      return;
    }
    if (n > 0) {
      buffer.flip();
      try {
        protocol.dataReceived(buffer);
      } catch (Throwable t) {
        fatalError(t, "Fatal error: protocol.dataReceived() call failed.");
      }
    } else if (n < 0) {
      readEof();
    }
  }

  private void readInto(BufferedProtocol buffered) {
    ByteBuffer target;
    try {
      target = buffered.getBuffer(BaseEventLoop.READ_BUFFER_SIZE);
      if (target == null || !target.hasRemaining()) {
        throw new IllegalStateException("getBuffer() returned an empty buffer: " + target);
      }
    } catch (Throwable t) {
      fatalError(t, "Fatal error: protocol.getBuffer() call failed.");
      return;
    }
    int n;
    try {
      n = channel.read(target);
    } catch (IOException e) {
      fatalError(e, "Fatal read error on socket transport");
      return;
    }
    if (n > 0) {
      try {
        buffered.bufferUpdated(n);
      } catch (Throwable t) {
        fatalError(t, "Fatal error: protocol.bufferUpdated() call failed.");
      }
    } else if (n < 0) {
      readEof();
    }
  }

  private void readEof() {
    boolean keepOpen;
    try {
      keepOpen = protocol.eofReceived();
    } catch (Throwable t) {
      fatalError(t, "Fatal error: protocol.eofReceived() call failed.");
      return;
    }
    if (keepOpen) {
      removeInterest(SelectionKey.OP_READ); // half-closed: nothing more will come
    } else {
      close();
    }
  }

  private void writeReady() {
    if (connectionLost) {
      return;
    }
    Runnable continuation = writableContinuation;
    if (continuation != null) {
      writableContinuation = null;
      removeInterest(SelectionKey.OP_WRITE);
      continuation.run();
      return;
    }
    flush();
  }

  // ------------------------------------------------------------------ writing

  @Override
  public void write(ByteBuffer data) {
    Objects.requireNonNull(data, "data");
    assert loop.inEventLoop();
    if (eofRequested) {
      throw new IllegalStateException("Cannot call write() after writeEof()");
    }
    if (!data.hasRemaining()) {
      return;
    }
    if (connectionLost || closing) {
      // asyncio drops writes to a closing transport, warning when it keeps happening.
      data.position(data.limit());
      if (++writesAfterLost >= LOG_THRESHOLD_FOR_CONNLOST_WRITES) {
        LOG.log(System.Logger.Level.WARNING, "socket.send() raised exception.");
      }
      return;
    }
    if (queue.isEmpty() && writableContinuation == null) {
      try {
        channel.write(data);
      } catch (IOException e) {
        fatalError(e, "Fatal write error on socket transport");
        return;
      }
      if (!data.hasRemaining()) {
        return;
      }
      addInterest(SelectionKey.OP_WRITE);
    }
    enqueue(data);
    maybePauseProtocol();
  }

  /** Copies the rest of {@code data} to the queue, into the last chunk while it has room. */
  private void enqueue(ByteBuffer data) {
    int n = data.remaining();
    ByteBuffer tail = queue.peekLast();
    if (tail != null && tail.capacity() - tail.limit() >= n) {
      int position = tail.position();
      tail.position(tail.limit());
      tail.limit(tail.capacity());
      tail.put(data);
      tail.limit(tail.position());
      tail.position(position);
    } else {
      ByteBuffer chunk = ByteBuffer.allocate(Math.max(n, MIN_QUEUE_CHUNK));
      chunk.put(data).flip();
      queue.addLast(chunk);
    }
    queuedBytes += n;
  }

  private void flush() {
    int count = 0;
    for (ByteBuffer b : queue) {
      gather[count++] = b;
      if (count == MAX_GATHER) {
        break;
      }
    }
    long written;
    try {
      written = channel.write(gather, 0, count);
    } catch (IOException e) {
      dropQueue();
      fatalError(e, "Fatal write error on socket transport");
      return;
    } finally {
      java.util.Arrays.fill(gather, 0, count, null);
    }
    queuedBytes -= written;
    while (!queue.isEmpty() && !queue.peekFirst().hasRemaining()) {
      queue.pollFirst();
    }
    maybeResumeProtocol();
    if (queue.isEmpty()) {
      removeInterest(SelectionKey.OP_WRITE);
      drained();
    }
  }

  /** The queue is empty: run what waited for it, then finish a close or a half-close. */
  private void drained() {
    List<Runnable> waiting = whenFlushed;
    if (waiting != null) {
      whenFlushed = null;
      for (Runnable r : waiting) {
        r.run();
      }
    }
    if (!queue.isEmpty() || writableContinuation != null) {
      return; // something that waited wrote again
    }
    if (closing) {
      scheduleConnectionLost(null);
    } else if (eofRequested) {
      shutdownOutput();
    }
  }

  private void shutdownOutput() {
    try {
      channel.shutdownOutput();
    } catch (IOException e) {
      fatalError(e, "Fatal error on socket transport: shutdownOutput failed");
    }
  }

  private void dropQueue() {
    queue.clear();
    queuedBytes = 0;
    removeInterest(SelectionKey.OP_WRITE);
  }

  private void maybePauseProtocol() {
    if (!protocolPaused && queuedBytes > highWater) {
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
    if (protocolPaused && queuedBytes <= lowWater) {
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
  public void writeEof() {
    assert loop.inEventLoop();
    if (closing || eofRequested) {
      return;
    }
    eofRequested = true;
    if (queue.isEmpty() && writableContinuation == null) {
      shutdownOutput();
    }
  }

  @Override
  public boolean canWriteEof() {
    return true;
  }

  // ------------------------------------------------------------------ closing

  @Override
  public void close() {
    assert loop.inEventLoop();
    if (closing) {
      return;
    }
    closing = true;
    removeInterest(SelectionKey.OP_READ);
    if (queue.isEmpty() && writableContinuation == null) {
      scheduleConnectionLost(null);
    }
  }

  @Override
  public void abort() {
    assert loop.inEventLoop();
    forceClose(null);
  }

  private void forceClose(@Nullable Throwable cause) {
    if (connectionLost) {
      return;
    }
    if (!queue.isEmpty()) {
      dropQueue();
    }
    writableContinuation = null;
    FileSender interrupted = sending;
    if (interrupted != null) {
      sending = null;
      interrupted.result.completeExceptionally(cause != null ? cause
          : new IOException("the transport was aborted during sendfile"));
    }
    if (!closing) {
      closing = true;
      removeInterest(SelectionKey.OP_READ);
    }
    scheduleConnectionLost(cause);
  }

  /**
   * Reports {@code error} (to the exception handler unless it is an ordinary connection error) and
   * closes at once. asyncio: {@code _fatal_error}.
   */
  void fatalError(Throwable error, String message) {
    if (error instanceof IOException) {
      if (loop.isDebug()) {
        LOG.log(System.Logger.Level.DEBUG, this + ": " + message, error);
      }
    } else {
      loop.callExceptionHandler(ExceptionContext.of(message, error)
          .withTransport(this).withProtocol(protocol).withSocket(channel));
    }
    forceClose(error);
  }

  private void scheduleConnectionLost(@Nullable Throwable cause) {
    if (connectionLost) {
      return;
    }
    connectionLost = true;
    key.interestOps(0);
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
      key.cancel();
      try {
        channel.close();
      } catch (IOException e) {
        LOG.log(System.Logger.Level.DEBUG, "Error closing " + channel, e);
      }
      if (server != null) {
        server.detach(this);
      }
      loop.untrack(this);
    }
  }

  @Override
  public void beginClose() {
    close();
  }

  @Override
  public void closeNow() {
    key.cancel();
    try {
      channel.close();
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "Error closing " + channel, e);
    }
  }

  @Override
  public boolean isClosing() {
    return closing;
  }

  // ------------------------------------------------------------------ reading control

  @Override
  public void pauseReading() {
    assert loop.inEventLoop();
    if (closing || readingPaused) {
      return;
    }
    readingPaused = true;
    removeInterest(SelectionKey.OP_READ);
  }

  @Override
  public void resumeReading() {
    assert loop.inEventLoop();
    if (closing || !readingPaused) {
      return;
    }
    readingPaused = false;
    if (connected) {
      addInterest(SelectionKey.OP_READ);
    }
  }

  @Override
  public boolean isReading() {
    return !readingPaused && !closing;
  }

  private void addInterest(int op) {
    try {
      int ops = key.interestOps();
      if ((ops & op) == 0) {
        key.interestOps(ops | op);
      }
    } catch (CancelledKeyException e) {
      // closed under us: nothing to watch any more
    }
  }

  private void removeInterest(int op) {
    try {
      int ops = key.interestOps();
      if ((ops & op) != 0) {
        key.interestOps(ops & ~op);
      }
    } catch (CancelledKeyException e) {
      // closed under us
    }
  }

  // ------------------------------------------------------------------ limits and info

  @Override
  public void setWriteBufferLimits(int high, int low) {
    if (high < 0 || low < 0) {
      throw new IllegalArgumentException(
          "write buffer limits must not be negative: high=" + high + ", low=" + low);
    }
    if (low > high) {
      throw new IllegalArgumentException(
          "the low water mark must not exceed the high one: high=" + high + ", low=" + low);
    }
    highWater = high;
    lowWater = low;
    maybePauseProtocol();
    maybeResumeProtocol();
  }

  @Override
  public int getWriteBufferHigh() {
    return highWater;
  }

  @Override
  public int getWriteBufferLow() {
    return lowWater;
  }

  @Override
  public long getWriteBufferSize() {
    return queuedBytes;
  }

  @Override
  public @Nullable Object getExtraInfo(String name) {
    Objects.requireNonNull(name, "name");
    return switch (name) {
      case "peername" -> peername;
      case "sockname" -> sockname;
      case "socket" -> channel;
      default -> null;
    };
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

  /**
   * The channel, for sendfile and TLS.
   *
   * @return the socket channel
   */
  public SocketChannel channel() {
    return channel;
  }

  /**
   * Runs {@code action} on the loop once everything queued has been written: at once if nothing
   * is. Loop thread.
   *
   * @param action what to run
   */
  public void whenFlushed(Runnable action) {
    if (queue.isEmpty() && writableContinuation == null) {
      action.run();
      return;
    }
    if (whenFlushed == null) {
      whenFlushed = new ArrayList<>(2);
    }
    whenFlushed.add(action);
  }

  /**
   * Sends part of a file with {@link FileChannel#transferTo}, after what is queued; reading pauses
   * meanwhile, as in asyncio's {@code _sendfile_native}. Loop thread.
   *
   * @param file the file
   * @param offset where to start
   * @param count how many bytes, or -1 for up to the end of the file
   * @param result completed with the number of bytes sent
   */
  public void sendfile(FileChannel file, long offset, long count, DefaultLoopFuture<Long> result) {
    if (closing) {
      result.completeExceptionally(new IllegalStateException("the transport is closing: " + this));
      return;
    }
    long end;
    try {
      end = count < 0 ? file.size() : Math.min(file.size(), offset + count);
    } catch (IOException e) {
      result.completeExceptionally(e);
      return;
    }
    boolean wasReading = !readingPaused;
    pauseReading();
    whenFlushed(() -> new FileSender(file, offset, Math.max(offset, end), wasReading, result).send());
  }

  /** One sendfile in progress: transfers while the socket takes bytes, then waits for writability. */
  private final class FileSender {
    private final FileChannel file;
    private final long start;
    private final long end;
    private final boolean resumeReadingAfter;
    private final DefaultLoopFuture<Long> result;
    private long position;

    FileSender(FileChannel file, long start, long end, boolean resumeReadingAfter, DefaultLoopFuture<Long> result) {
      this.file = file;
      this.start = start;
      this.end = end;
      this.resumeReadingAfter = resumeReadingAfter;
      this.result = result;
      this.position = start;
    }

    void send() {
      sending = this;
      try {
        long budget = SENDFILE_CHUNK;
        while (position < end && !result.isDone()) {
          long n = file.transferTo(position, Math.min(end - position, budget), channel);
          if (n <= 0) {
            if (position >= file.size()) {
              break; // the file shrank under us: send what there was
            }
            writableContinuation = this::send;
            addInterest(SelectionKey.OP_WRITE);
            return;
          }
          position += n;
          budget -= n;
          if (budget <= 0 && position < end) {
            // A fast socket could take the whole file in one go: let other callbacks run between
            // chunks. The continuation stays set meanwhile, so writes queue behind the file.
            Runnable next = this::send;
            writableContinuation = next;
            loop.callSoon(() -> {
              if (writableContinuation == next) {
                writableContinuation = null;
                next.run();
              }
            });
            return;
          }
        }
      } catch (IOException e) {
        finish();
        result.completeExceptionally(e);
        fatalError(e, "Fatal error on socket transport during sendfile");
        return;
      }
      finish();
      result.complete(position - start);
      if (queue.isEmpty()) {
        drained();
      } else {
        addInterest(SelectionKey.OP_WRITE); // what was written meanwhile waited behind the file
      }
    }

    private void finish() {
      sending = null;
      if (resumeReadingAfter) {
        resumeReading();
      }
    }
  }

  @Override
  public String toString() {
    String state = connectionLost ? "closed" : closing ? "closing" : "open";
    return "StreamTransport[" + state + ", peer=" + peername + ", local=" + sockname
        + ", buffered=" + queuedBytes + "]";
  }

}
