package dev.loop.internal;

import dev.loop.Handle;
import dev.loop.LoopContext;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Method;
import org.jspecify.annotations.Nullable;

/** A scheduled callback: what the ready queue, the inbox and the timer heap hold. */
class HandleImpl implements Handle {

  static final int PENDING = 0;
  static final int CANCELLED = 1;
  /** The loop has started the callback: cancelling now does nothing. */
  static final int RAN = 5;

  static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(HandleImpl.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final Runnable callback;

  /** The captured context: a {@link VarMap}, or a {@link LoopContextImpl} once materialised. */
  Object context;

  volatile int state;

  /** Kept to three fields (24 bytes with compressed pointers): one is made per {@code callSoon}. */
  HandleImpl(Runnable callback, Object context) {
    this.callback = callback;
    this.context = context;
  }

  /**
   * A handle for {@code callSoon}: a plain one, or in debug mode one that records where it was
   * made.
   */
  static HandleImpl of(Runnable callback, Object context, @Nullable String source) {
    return source == null ? new HandleImpl(callback, context) : new Traced(callback, context, source);
  }

  /** Where the handle was made, in debug mode only. */
  @Nullable String source() {
    return null;
  }

  @Override
  public void cancel() {
    STATE.compareAndSet(this, PENDING, CANCELLED);
  }

  /** Loop thread, just before the callback runs. A release store: no fence on the hot path. */
  final void markRan() {
    STATE.setRelease(this, RAN);
  }

  @Override
  public boolean isCancelled() {
    return state == CANCELLED;
  }

  @Override
  public LoopContext context() {
    LoopContextImpl materialized = Contexts.materialize(context);
    context = materialized;
    return materialized;
  }

  String kind() {
    return "Handle";
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("<").append(kind());
    if (isCancelled()) {
      sb.append(" cancelled");
    }
    describe(sb);
    sb.append(' ').append(describe(callback));
    String source = source();
    if (source != null) {
      sb.append(" created at ").append(source);
    }
    return sb.append('>').toString();
  }

  void describe(StringBuilder sb) {}

  /** The callback's own {@code toString} if it has one, else its class name without the hash. */
  static String describe(Object callback) {
    Class<?> type = callback.getClass();
    String name = type.getName();
    int lambda = name.indexOf("$$Lambda");
    String className = lambda >= 0 ? name.substring(0, lambda) + "$$Lambda" : name;
    try {
      Method toString = type.getMethod("toString");
      if (toString.getDeclaringClass() != Object.class) {
        return callback.toString();
      }
    } catch (Throwable failed) {
      // A callback's toString that throws must not take the loop's error reporting down with it.
      return className + " (toString failed: " + failed.getClass().getName() + ")";
    }
    return className;
  }

  /**
   * A reader's or writer's handle: made ready again each time its channel is ready, so it never
   * enters the RAN state and stays cancellable between runs.
   */
  static final class Reusable extends HandleImpl {
    private final @Nullable String source;

    Reusable(Runnable callback, Object context, @Nullable String source) {
      super(callback, context);
      this.source = source;
    }

    @Override
    @Nullable String source() {
      return source;
    }
  }

  /** A handle made in debug mode: it knows where it was made. */
  static final class Traced extends HandleImpl {
    private final String source;

    Traced(Runnable callback, Object context, String source) {
      super(callback, context);
      this.source = source;
    }

    @Override
    String source() {
      return source;
    }
  }
}
