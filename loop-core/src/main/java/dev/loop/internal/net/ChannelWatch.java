package dev.loop.internal.net;

import dev.loop.Handle;
import dev.loop.internal.BaseEventLoop;
import dev.loop.internal.SelectorEventLoop;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import org.jspecify.annotations.Nullable;

/**
 * The reader and writer of one channel on the loop's selector: asyncio's {@code (reader, writer)}
 * pair kept in the selector key's data. The attachment of the channel's key; made ready handles go
 * to the loop's ready queue, so callbacks run in the callback phase, as in asyncio.
 *
 * <p>A key whose reader and writer are both removed is cancelled. A cancelled key stays in the
 * channel until the selector's next selection, and registering the channel again before then
 * would fail; so a watch added back meanwhile waits for that selection ({@link #reattach()}).
 * Loop thread only.
 */
final class ChannelWatch implements SelectorEventLoop.IoHandler {

  private final BaseEventLoop loop;
  private final SelectableChannel channel;
  private final int readMask;
  private final int writeMask;

  /** The key; cancelled (invalid) while detached. */
  private @Nullable SelectionKey key;

  private @Nullable Handle reader;
  private @Nullable Handle writer;

  /** A {@link #reattach()} is scheduled. */
  private boolean reattachPending;

  private ChannelWatch(BaseEventLoop loop, SelectableChannel channel) {
    this.loop = loop;
    this.channel = channel;
    int valid = channel.validOps();
    this.readMask = valid & (SelectionKey.OP_READ | SelectionKey.OP_ACCEPT);
    // OP_CONNECT and OP_WRITE both wait for POLLOUT: the first while a connect is pending, the
    // second once connected, so a writer of a connecting socket fires when the connect is done.
    this.writeMask = valid & (SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT);
  }

  /**
   * Throws if a transport (or anything else that is not a watch) owns the channel's key.
   *
   * @param loop the loop
   * @param channel the channel
   * @throws IllegalStateException if the channel is used by a transport
   */
  static void checkNoTransport(BaseEventLoop loop, SelectableChannel channel) {
    SelectionKey key = channel.keyFor(loop.selector());
    if (key != null && key.isValid()) {
      Object owner = key.attachment();
      if (owner != null && !(owner instanceof ChannelWatch)) {
        throw new IllegalStateException("channel is used by a transport: " + owner);
      }
    }
  }

  /**
   * The channel's watch on this loop, made (and the channel made non-blocking) if there is none.
   *
   * @throws IllegalStateException if a transport owns the channel
   * @throws UncheckedIOException if the channel is closed or cannot be made non-blocking
   */
  static ChannelWatch obtain(BaseEventLoop loop, SelectableChannel channel) {
    Selector selector = loop.selector();
    if (!channel.isOpen()) {
      throw new UncheckedIOException("channel is closed: " + channel, new ClosedChannelException());
    }
    SelectionKey key = channel.keyFor(selector);
    if (key != null) {
      Object owner = key.attachment();
      if (owner instanceof ChannelWatch watch) {
        return watch;
      }
      if (key.isValid() && owner != null) {
        throw new IllegalStateException("channel is used by a transport: " + owner);
      }
      // A key without an owner, or the cancelled key of a transport that is gone: take it over.
      ChannelWatch watch = new ChannelWatch(loop, channel);
      watch.key = key;
      key.attach(watch);
      return watch;
    }
    ChannelWatch watch = new ChannelWatch(loop, channel);
    try {
      channel.configureBlocking(false);
      watch.key = channel.register(selector, 0, watch);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot watch " + channel + ": " + e.getMessage(), e);
    }
    return watch;
  }

  /** The channel's watch on this loop, or null. */
  static @Nullable ChannelWatch find(BaseEventLoop loop, SelectableChannel channel) {
    SelectionKey key = channel.keyFor(loop.selector());
    return key != null && key.attachment() instanceof ChannelWatch watch ? watch : null;
  }

  /** Sets the reader (or writer), cancelling the one it replaces. */
  void set(boolean read, Handle handle) {
    Handle old;
    if (read) {
      old = reader;
      reader = handle;
    } else {
      old = writer;
      writer = handle;
    }
    if (old != null && old != handle) {
      old.cancel();
    }
    update();
  }

  /** Removes and cancels the reader (or writer); true if there was one. */
  boolean clear(boolean read) {
    Handle old = read ? reader : writer;
    if (old == null) {
      return false;
    }
    if (read) {
      reader = null;
    } else {
      writer = null;
    }
    old.cancel();
    update();
    return true;
  }

  /** Removes the reader (or writer) if it is still {@code handle}. */
  void clearIf(boolean read, Handle handle) {
    if ((read ? reader : writer) == handle) {
      clear(read);
    }
  }

  private int interest() {
    return (reader != null ? readMask : 0) | (writer != null ? writeMask : 0);
  }

  private void update() {
    int ops = interest();
    SelectionKey k = key;
    if (k != null && k.isValid()) {
      try {
        if (ops == 0) {
          k.cancel();
        } else {
          k.interestOps(ops);
        }
        return;
      } catch (CancelledKeyException closedMeanwhile) {
        // fall through: detached
      }
    }
    if (ops != 0 && !reattachPending) {
      reattachPending = true;
      loop.callSoon(this::reattach);
    }
  }

  /** Registers again once the selector has let go of the cancelled key. */
  private void reattach() {
    reattachPending = false;
    int ops = interest();
    if (ops == 0) {
      return;
    }
    SelectionKey k = key;
    if (k != null && k.isValid()) {
      k.interestOps(ops);
      return;
    }
    try {
      key = channel.register(loop.selector(), ops, this);
    } catch (CancelledKeyException notYetDeregistered) {
      reattachPending = true;
      loop.callSoon(this::reattach);
    } catch (ClosedChannelException closed) {
      // The channel was closed meanwhile: nothing will ever be ready on it.
      dropHandles();
    }
  }

  private void dropHandles() {
    if (reader != null) {
      reader.cancel();
      reader = null;
    }
    if (writer != null) {
      writer.cancel();
      writer = null;
    }
  }

  @Override
  public void ready(SelectionKey selected) {
    if (selected != key || !selected.isValid()) {
      return;
    }
    int ops = selected.readyOps();
    Handle r = reader;
    if (r != null && (ops & readMask) != 0) {
      if (r.isCancelled()) {
        clear(true);
      } else {
        loop.readyHandle(r);
      }
    }
    Handle w = writer;
    if (w != null && (ops & writeMask) != 0 && selected.isValid()) {
      if (w.isCancelled()) {
        clear(false);
      } else {
        loop.readyHandle(w);
      }
    }
  }

  @Override
  public String toString() {
    return "ChannelWatch[" + channel + (reader != null ? ", reader" : "") + (writer != null ? ", writer" : "")
        + "]";
  }
}
