package dev.loop.internal;

import dev.loop.LoopContext;
import org.jspecify.annotations.Nullable;

/**
 * Each thread's current context, and the entry points of {@link LoopContext} and
 * {@link dev.loop.ContextVar}.
 *
 * <p>A thread's state is the variable map in force ({@link Frame#vars}) and, only once somebody asks
 * for it, the context object that owns that map ({@link Frame#context}). Running a handle swaps the
 * map in and out without making a context object, so scheduling and running callbacks allocate
 * nothing for contexts; {@link LoopContext#current()} makes the object on demand, and from then on
 * {@code ContextVar.set} keeps the object's map and the frame's map the same.
 */
public final class Contexts {

  /** The calling thread's current context. Touched only by its own thread. */
  public static final class Frame {
    @Nullable LoopContextImpl context;
    VarMap vars = VarMap.EMPTY;
  }

  private static final ThreadLocal<Frame> FRAME = ThreadLocal.withInitial(Frame::new);

  private Contexts() {}

  /**
   * The calling thread's frame. A loop caches its own thread's frame while it runs.
   *
   * @return the frame
   */
  public static Frame frame() {
    return FRAME.get();
  }

  /**
   * What a handle keeps of the calling thread's current context: the map itself, immutable.
   *
   * @return an opaque snapshot for {@link #enter(Frame, Object)}
   */
  public static Object capture() {
    return FRAME.get().vars;
  }

  /**
   * What a handle keeps of an explicit context.
   *
   * @param context the context given to {@code callSoon(cb, context)}
   * @return an opaque value for {@link #enter(Frame, Object)}
   */
  static Object explicit(LoopContext context) {
    return (LoopContextImpl) context;
  }

  /**
   * Makes {@code captured} the current context of {@code frame}'s thread.
   *
   * @param frame the running thread's frame
   * @param captured a value from {@link #capture()} or {@link #explicit(LoopContext)}
   * @throws IllegalStateException if an explicit context is already entered elsewhere
   */
  static void enter(Frame frame, Object captured) {
    if (captured instanceof VarMap vars) {
      // Written only when they change (usually neither does): a reference store into the
      // long-lived frame can cost the collector's write barrier a memory fence.
      if (frame.context != null) {
        frame.context = null;
      }
      if (frame.vars != vars) {
        frame.vars = vars;
      }
    } else {
      LoopContextImpl context = (LoopContextImpl) captured;
      context.enter();
      frame.context = context;
      frame.vars = context.vars;
    }
  }

  /**
   * Leaves the context entered by {@link #enter(Frame, Object)} and restores the saved one.
   *
   * @param frame the running thread's frame
   * @param savedContext the frame's context before entering
   * @param savedVars the frame's map before entering
   */
  static void exit(Frame frame, @Nullable LoopContextImpl savedContext, VarMap savedVars) {
    LoopContextImpl entered = frame.context;
    if (entered != null && entered != savedContext) {
      entered.exit();
    }
    if (frame.context != savedContext) {
      frame.context = savedContext;
    }
    if (frame.vars != savedVars) {
      frame.vars = savedVars;
    }
  }

  /**
   * The materialised form of a captured value, for {@link dev.loop.Handle#context()}.
   *
   * @param captured a value from {@link #capture()} or {@link #explicit(LoopContext)}
   * @return a context object (a new one, not entered, for a captured map)
   */
  static LoopContextImpl materialize(Object captured) {
    return captured instanceof VarMap vars ? new LoopContextImpl(vars) : (LoopContextImpl) captured;
  }

  /**
   * {@link LoopContext#current()}.
   *
   * @return the calling thread's current context, made on first request
   */
  public static LoopContext current() {
    return current(FRAME.get());
  }

  static LoopContextImpl current(Frame frame) {
    LoopContextImpl context = frame.context;
    if (context == null) {
      context = new LoopContextImpl(frame.vars);
      context.enterAsCurrent();
      frame.context = context;
    }
    return context;
  }

  /**
   * {@link LoopContext#empty()}.
   *
   * @return a new empty context
   */
  public static LoopContext empty() {
    return new LoopContextImpl(VarMap.EMPTY);
  }

  /**
   * A snapshot of the calling thread's context as a new context object, not entered.
   *
   * @return the copy
   */
  public static LoopContext copyCurrent() {
    return new LoopContextImpl(FRAME.get().vars);
  }

  /**
   * {@link dev.loop.ContextVar#named(String)}.
   *
   * @param name the variable's name
   * @param defaultValue its default, or null for none
   * @param <T> the value type
   * @return the new variable
   */
  public static <T> dev.loop.ContextVar<T> newVar(String name, @Nullable T defaultValue) {
    return new ContextVarImpl<>(name, defaultValue);
  }
}
