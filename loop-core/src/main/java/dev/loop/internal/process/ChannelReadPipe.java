package dev.loop.internal.process;

import dev.loop.internal.BaseEventLoop;
import dev.loop.internal.SelectorEventLoop;
import dev.loop.net.Protocol;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;

/**
 * The read end of a {@link Pipe} on the loop's selector: asyncio's {@code _UnixReadPipeTransport}.
 * One read per readiness event into the loop's shared read buffer, as the socket transport does;
 * pausing removes {@code OP_READ} from the key's interest, so the pipe really stops being read (and
 * its writer blocks once the pipe is full). Loop thread only, except {@link #release()}.
 */
final class ChannelReadPipe extends ReadPipeTransport implements SelectorEventLoop.IoHandler {

  private final Pipe.SourceChannel channel;
  private final SelectionKey key;

  /**
   * Registers the channel, non-blocking, with no interest yet. Loop thread.
   *
   * @throws IOException if the channel cannot be registered
   * @throws IllegalStateException if the channel is already registered with this loop
   */
  ChannelReadPipe(BaseEventLoop loop, Pipe.SourceChannel channel, Protocol protocol) throws IOException {
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
  public void ready(SelectionKey selected) {
    if (lost || !selected.isValid()) {
      return;
    }
    ByteBuffer buffer = loop.readBuffer();
    buffer.clear();
    int n;
    try {
      n = channel.read(buffer);
    } catch (IOException e) {
      fatalError(e, "Fatal read error on pipe transport");
      return;
    }
    if (n > 0) {
      buffer.flip();
      deliver(buffer);
    } else if (n < 0) {
      eof();
    }
  }

  @Override
  void startReading() {
    interest(SelectionKey.OP_READ);
  }

  @Override
  void stopReading() {
    interest(0);
  }

  private void interest(int ops) {
    try {
      key.interestOps(ops);
    } catch (CancelledKeyException closed) {
      // released under us: nothing to watch any more
    }
  }

  @Override
  void release() {
    key.cancel();
    closeQuietly(channel);
  }

  @Override
  public String toString() {
    return "ChannelReadPipe[" + state() + (paused ? ", paused" : "") + "]";
  }
}
