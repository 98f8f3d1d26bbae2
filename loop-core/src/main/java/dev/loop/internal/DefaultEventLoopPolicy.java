package dev.loop.internal;

import dev.loop.EventLoop;
import dev.loop.EventLoopPolicy;
import org.jspecify.annotations.Nullable;

/** asyncio's default policy: one loop per thread, kept in a {@link ThreadLocal}. */
public final class DefaultEventLoopPolicy implements EventLoopPolicy {

  private final ThreadLocal<@Nullable EventLoop> loops = new ThreadLocal<>();

  @Override
  public EventLoop getEventLoop() {
    EventLoop loop = loops.get();
    if (loop == null) {
      throw new IllegalStateException(
          "There is no current event loop in thread '" + Thread.currentThread().getName() + "'");
    }
    return loop;
  }

  @Override
  public void setEventLoop(@Nullable EventLoop loop) {
    if (loop == null) {
      loops.remove();
    } else {
      loops.set(loop);
    }
  }

  @Override
  public EventLoop newEventLoop() {
    return new SelectorEventLoop();
  }
}
