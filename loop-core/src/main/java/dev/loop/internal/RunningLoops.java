package dev.loop.internal;

import dev.loop.EventLoop;
import org.jspecify.annotations.Nullable;

/** Which loop each thread is running now: asyncio's {@code _running_loop}. */
public final class RunningLoops {

  private static final ThreadLocal<@Nullable EventLoop> RUNNING = new ThreadLocal<>();

  private RunningLoops() {}

  /**
   * The loop running on the calling thread.
   *
   * @return the loop, or null
   */
  public static @Nullable EventLoop get() {
    return RUNNING.get();
  }

  static void set(@Nullable EventLoop loop) {
    if (loop == null) {
      RUNNING.remove();
    } else {
      RUNNING.set(loop);
    }
  }
}
