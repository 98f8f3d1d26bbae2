package dev.loop.internal.process;

import dev.loop.internal.BaseEventLoop;
import dev.loop.internal.SelectorEventLoop;
import dev.loop.net.Protocol;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * The write end of a {@link Pipe} on the loop's selector: asyncio's {@code
 * _UnixWritePipeTransport}. Writes go straight to the pipe while nothing is queued; what the pipe
 * does not take is copied to a queue that is flushed, with gathering writes, when the selector says
 * the pipe is writable ({@code OP_WRITE} is in the interest set only while the queue is not empty).
 *
 * <p>A broken pipe (the read end closed) makes the next write fail: the protocol gets {@code
 * connectionLost} with that {@link IOException}. asyncio also watches a write pipe for readability
 * to notice a vanished reader while idle; a {@code SinkChannel} cannot be selected for reading, so
 * here an idle pipe learns it at its next write. Loop thread only, except {@link #release()}.
 */
final class ChannelWritePipe extends WritePipeTransport implements SelectorEventLoop.IoHandler {

  /** Small writes that must be queued share chunks of at least this size. */
  static final int MIN_QUEUE_CHUNK = 16 * 1024;

  /** The most buffers one gathering write takes. */
  static final int MAX_GATHER = 64;

  private final Pipe.SinkChannel channel;
  private final SelectionKey key;
  private final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>();
  private final ByteBuffer[] gather = new ByteBuffer[MAX_GATHER];

  /**
   * Registers the channel, non-blocking, with no interest yet. Loop thread.
   *
   * @throws IOException if the channel cannot be registered
   * @throws IllegalStateException if the channel is already registered with this loop
   */
  ChannelWritePipe(BaseEventLoop loop, Pipe.SinkChannel channel, Protocol protocol) throws IOException {
    super(loop, channel, protocol);
    assert loop.inEventLoop();
    if (channel.keyFor(loop.selector()) != null) {
      throw new IllegalStateException("the pipe is already registered with this loop: " + channel);
    }
    this.channel = channel;
    channel.configureBlocking(false);
    this.key = channel.register(loop.selector(), 0, this);
  }

  @Override
  void send(ByteBuffer data) {
    if (queue.isEmpty()) {
      int n;
      try {
        n = channel.write(data);
      } catch (IOException e) {
        fatalError(e, "Fatal write error on pipe transport");
        return;
      }
      sent(n);
      if (!data.hasRemaining()) {
        return;
      }
      interest(SelectionKey.OP_WRITE);
    }
    enqueue(data);
  }

  /** Copies the rest of {@code data} to the queue, into the last chunk while it has room. */
  private void enqueue(ByteBuffer data) {
    ByteBuffer tail = queue.peekLast();
    int n = data.remaining();
    if (tail != null && tail.capacity() - tail.limit() >= n) {
      int position = tail.position();
      tail.position(tail.limit()).limit(tail.capacity());
      tail.put(data);
      tail.limit(tail.position()).position(position);
    } else {
      ByteBuffer chunk = ByteBuffer.allocate(Math.max(n, MIN_QUEUE_CHUNK));
      chunk.put(data).flip();
      queue.addLast(chunk);
    }
  }

  @Override
  public void ready(SelectionKey selected) {
    if (lost || !selected.isValid() || queue.isEmpty()) {
      return;
    }
    int count = 0;
    for (ByteBuffer b : queue) {
      gather[count++] = b;
      if (count == MAX_GATHER) {
        break;
      }
    }
    long n;
    try {
      n = channel.write(gather, 0, count);
    } catch (IOException e) {
      fatalError(e, "Fatal write error on pipe transport");
      return;
    } finally {
      Arrays.fill(gather, 0, count, null);
    }
    while (!queue.isEmpty() && !queue.peekFirst().hasRemaining()) {
      queue.pollFirst();
    }
    if (queue.isEmpty()) {
      interest(0);
    }
    sent(n); // last: it may finish a close
  }

  @Override
  void dropQueued() {
    queue.clear();
    interest(0);
  }

  @Override
  void stopIo() {
    interest(0);
  }

  private void interest(int ops) {
    try {
      key.interestOps(ops);
    } catch (CancelledKeyException closed) {
      // released under us
    }
  }

  @Override
  void release() {
    key.cancel();
    closeQuietly(channel);
  }

  @Override
  public String toString() {
    return "ChannelWritePipe[" + describe() + "]";
  }
}
