package dev.loop.rxjava.internal;

import dev.loop.EventLoop;
import dev.loop.EventLoopGroup;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Where a {@code LoopScheduler} gets its loops from: one loop, a user's group, or a group the
 * scheduler made and owns (the only kind that {@link #start()} and {@link #shutdown()} act on).
 */
public abstract class LoopSource {

  LoopSource() {}

  /**
   * The loop for the next direct task or worker.
   *
   * @return a loop
   * @throws RejectedExecutionException if the source is shut down
   */
  public abstract EventLoop next();

  /**
   * The time of the source's loops.
   *
   * @return nanoseconds on the loops' clock
   */
  public abstract long now();

  /** Starts the source's own loops again after {@link #shutdown()}; nothing for a user's loops. */
  public void start() {}

  /** Shuts down the source's own loops; never a user's loops. */
  public void shutdown() {}

  /**
   * Every task on {@code loop}.
   *
   * @param loop the user's loop
   * @return the source
   */
  public static LoopSource of(EventLoop loop) {
    return new OneLoop(loop);
  }

  /**
   * Tasks and workers spread over {@code group} with {@link EventLoopGroup#next()}.
   *
   * @param group the user's group
   * @return the source
   */
  public static LoopSource of(EventLoopGroup group) {
    return new Group(group);
  }

  /**
   * A group of {@code nThreads} loops on daemon threads named {@code threadNamePrefix-I}, made now
   * and owned by the source.
   *
   * @param nThreads how many loops, at least 1
   * @param threadNamePrefix the prefix of the thread names
   * @return the source, running
   */
  public static LoopSource owned(int nThreads, String threadNamePrefix) {
    return new OwnedGroup(nThreads, threadNamePrefix);
  }

  /** One user's loop. */
  private static final class OneLoop extends LoopSource {
    private final EventLoop loop;

    OneLoop(EventLoop loop) {
      this.loop = loop;
    }

    @Override
    public EventLoop next() {
      return loop;
    }

    @Override
    public long now() {
      return loop.time();
    }

    @Override
    public String toString() {
      return loop.toString();
    }
  }

  /** A user's group. */
  private static final class Group extends LoopSource {
    private final EventLoopGroup group;
    private final EventLoop clock;

    Group(EventLoopGroup group) {
      this.group = group;
      this.clock = group.loops().get(0);
    }

    @Override
    public EventLoop next() {
      return group.next();
    }

    @Override
    public long now() {
      return clock.time();
    }

    @Override
    public String toString() {
      return group.toString();
    }
  }

  /**
   * A group the scheduler owns. {@link #next()} reads the current group without a lock;
   * {@link #start()} and {@link #shutdown()} (rare) take the monitor, so that two racing starts
   * never make two groups.
   */
  private static final class OwnedGroup extends LoopSource {
    private static final VarHandle GROUP;

    static {
      try {
        GROUP = MethodHandles.lookup().findVarHandle(OwnedGroup.class, "group", EventLoopGroup.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private final int nThreads;
    private final String prefix;
    private final AtomicInteger threadIndex = new AtomicInteger();

    /** The running group, or null once shut down. */
    @SuppressWarnings("unused") // through GROUP
    private volatile @Nullable EventLoopGroup group;

    OwnedGroup(int nThreads, String prefix) {
      this.nThreads = nThreads;
      this.prefix = prefix;
      GROUP.setVolatile(this, newGroup());
    }

    private EventLoopGroup newGroup() {
      ThreadFactory threads = r -> {
        Thread t = new Thread(r, prefix + "-" + threadIndex.getAndIncrement());
        t.setDaemon(true);
        return t;
      };
      return EventLoopGroup.create(nThreads, threads);
    }

    private @Nullable EventLoopGroup current() {
      return (EventLoopGroup) GROUP.getVolatile(this);
    }

    @Override
    public EventLoop next() {
      EventLoopGroup g = current();
      if (g == null) {
        throw new RejectedExecutionException(
            "the LoopScheduler '" + prefix + "' is shut down; start() restarts it");
      }
      // A shutdown() racing this call may close the loop returned: the loop then refuses the task
      // with the same exception, which the caller reports the same way.
      return g.next();
    }

    @Override
    public long now() {
      // Loops of a group run on the system clock (LoopClock.system()), shut down or not.
      EventLoopGroup g = current();
      return g != null ? g.loops().get(0).time() : System.nanoTime();
    }

    @Override
    public synchronized void start() {
      if (current() == null) {
        GROUP.setVolatile(this, newGroup());
      }
    }

    @Override
    public synchronized void shutdown() {
      EventLoopGroup g = (EventLoopGroup) GROUP.getAndSet(this, (EventLoopGroup) null);
      if (g != null) {
        g.shutdownGracefully(); // asynchronous: the loops finish what is ready, then end their threads
      }
    }

    @Override
    public String toString() {
      EventLoopGroup g = current();
      return "own group '" + prefix + "' of " + nThreads + (g == null ? " (shut down)" : "");
    }
  }
}
