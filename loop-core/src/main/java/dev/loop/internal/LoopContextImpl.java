package dev.loop.internal;

import dev.loop.ContextVar;
import dev.loop.LoopContext;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/** A context object: a map that can be entered by one thread at a time. */
final class LoopContextImpl implements LoopContext {

  private static final VarHandle OWNER;

  static {
    try {
      OWNER = MethodHandles.lookup().findVarHandle(LoopContextImpl.class, "owner", Thread.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** The map; written only by the thread that has entered this context. */
  volatile VarMap vars;

  /** The thread that has entered this context, or null. Changed by CAS. */
  @SuppressWarnings("unused")
  private volatile @Nullable Thread owner;

  LoopContextImpl(VarMap vars) {
    this.vars = vars;
  }

  void enter() {
    Thread me = Thread.currentThread();
    if (!OWNER.compareAndSet(this, null, me)) {
      throw new IllegalStateException("cannot enter context: " + this + " is already entered");
    }
  }

  /** Marks a context just made for the calling thread's own current context as entered by it. */
  void enterAsCurrent() {
    owner = Thread.currentThread();
  }

  void exit() {
    owner = null;
  }

  @Override
  public LoopContext copy() {
    return new LoopContextImpl(vars);
  }

  @Override
  public void run(Runnable action) {
    Objects.requireNonNull(action, "action");
    call(() -> {
      action.run();
      return null;
    });
  }

  @Override
  public <R> R call(Supplier<R> action) {
    Objects.requireNonNull(action, "action");
    Contexts.Frame frame = Contexts.frame();
    LoopContextImpl savedContext = frame.context;
    VarMap savedVars = frame.vars;
    Contexts.enter(frame, this);
    try {
      return action.get();
    } finally {
      Contexts.exit(frame, savedContext, savedVars);
    }
  }

  @Override
  public boolean contains(ContextVar<?> var) {
    Objects.requireNonNull(var, "var");
    return var instanceof ContextVarImpl<?> impl && vars.get(impl) != null;
  }

  @Override
  public int size() {
    return vars.size();
  }

  @Override
  public String toString() {
    return "LoopContext@" + Integer.toHexString(System.identityHashCode(this)) + "[" + size() + " vars]";
  }
}
