package dev.loop.internal;

import dev.loop.Handle;
import dev.loop.LoopContext;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Method;
import org.jspecify.annotations.Nullable;

/**
 * A scheduled callback, and at the same time its own node in the loop's cross-thread inbox
 * ({@link Inbox}), so that scheduling allocates nothing but the handle.
 */
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

  /** Link in the {@link Inbox}; written by producers with release semantics, read by the loop. */
  @Nullable HandleImpl next;

  final Runnable callback;

  /** The captured context: a {@link VarMap}, or a {@link LoopContextImpl} once materialised. */
  Object context;

  /** Where the handle was made, in debug mode only. */
  final @Nullable String source;

  volatile int state;

  HandleImpl(Runnable callback, Object context, @Nullable String source) {
    this.callback = callback;
    this.context = context;
    this.source = source;
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
    Reusable(Runnable callback, Object context, @Nullable String source) {
      super(callback, context, source);
    }
  }
}
