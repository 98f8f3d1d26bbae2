package dev.loop.internal.net;

import dev.loop.Handle;
import dev.loop.internal.BaseEventLoop;
import java.nio.channels.SelectableChannel;

/**
 * addReader/addWriter: reusable handles made ready when their channel is readable/writable.
 *
 * <p>Each channel has one key on the loop's selector, whose attachment ({@link ChannelWatch}) holds
 * the reader and the writer; the key's interest follows which of them is set, and the key is
 * cancelled when neither is. A made-ready handle runs in the loop's callback phase, as in asyncio.
 */
public final class Readers {
  private Readers() {}

  /**
   * Loop thread. Registers {@code handle} as the channel's reader (or writer), replacing (and
   * cancelling) any. The channel is made non-blocking.
   *
   * @param loop the loop
   * @param channel the channel to watch
   * @param handle a reusable handle of the loop
   * @param read true for the reader, false for the writer
   * @throws IllegalStateException if a transport owns the channel
   * @throws java.io.UncheckedIOException if the channel is closed or cannot be made non-blocking
   */
  public static void add(BaseEventLoop loop, SelectableChannel channel, Handle handle, boolean read) {
    ChannelWatch.obtain(loop, channel).set(read, handle);
  }

  /**
   * Any thread: throws at the caller when a transport owns the channel, so that {@code addReader}
   * reports the misuse where it happens (the loop re-checks when it registers).
   *
   * @param loop the loop
   * @param channel the channel
   * @throws IllegalStateException if a transport owns the channel
   */
  public static void checkNotOwned(BaseEventLoop loop, SelectableChannel channel) {
    ChannelWatch.checkNoTransport(loop, channel);
  }

  /**
   * Loop thread. Removes (and cancels) the channel's reader (or writer).
   *
   * @param loop the loop
   * @param channel the channel
   * @param read true for the reader, false for the writer
   * @return true if a reader (or writer) was registered
   */
  public static boolean remove(BaseEventLoop loop, SelectableChannel channel, boolean read) {
    ChannelWatch watch = ChannelWatch.find(loop, channel);
    return watch != null && watch.clear(read);
  }
}
