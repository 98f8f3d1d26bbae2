package dev.loop.internal;

import dev.loop.LoopClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.function.Consumer;

/**
 * The event loop on a {@link Selector}: asyncio's {@code BaseSelectorEventLoop}. The selector is the
 * loop's only blocking point; other threads interrupt it with {@link Selector#wakeup()}, and only
 * when the loop is actually blocked in it.
 */
public final class SelectorEventLoop extends BaseEventLoop {

  /** Nanoseconds in a millisecond: the selector's timeout unit. */
  private static final long NANOS_PER_MILLI = 1_000_000L;

  private final Selector selector;

  /** Handles one selected key; kept in a field so that selecting allocates nothing. */
  private final Consumer<SelectionKey> onSelected = this::dispatchReady;

  /**
   * A loop on the system clock with a new selector.
   *
   * @throws UncheckedIOException if no selector can be opened
   */
  public SelectorEventLoop() {
    super(LoopClock.system());
    try {
      selector = Selector.open();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open a selector", e);
    }
  }

  @Override
  protected Selector ioSelector() {
    return selector;
  }

  @Override
  protected void poll(long timeoutNanos) throws IOException {
    if (timeoutNanos == 0) {
      selector.selectNow(onSelected);
    } else if (timeoutNanos < 0) {
      selector.select(onSelected);
    } else {
      // Round up: waking a little late costs nothing, waking early costs an extra iteration.
      long millis = Math.max(1, (timeoutNanos + NANOS_PER_MILLI - 1) / NANOS_PER_MILLI);
      selector.select(onSelected, millis);
    }
  }

  @Override
  protected boolean pollNow() throws IOException {
    return selector.selectNow(onSelected) > 0;
  }

  private void dispatchReady(SelectionKey key) {
    if (key.attachment() instanceof IoHandler handler) {
      try {
        handler.ready(key);
      } catch (Throwable t) {
        // A handler must deal with its own failures; this is the net under it: never the loop.
        callExceptionHandler(dev.loop.ExceptionContext.of("Unhandled error in I/O handler " + handler, t)
            .withSocket(key.channel()));
      }
    }
  }

  @Override
  protected void wakeupPoller() {
    selector.wakeup();
  }

  @Override
  protected void closePoller() throws IOException {
    selector.close();
  }

  /** What a channel registered with the loop's selector attaches to its key. */
  public interface IoHandler {

    /**
     * Called on the loop thread when the key is selected.
     *
     * @param key the selected key
     */
    void ready(SelectionKey key);
  }
}
