package dev.loop.internal;

import dev.loop.ContextVar;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** A context variable: a key into the calling thread's current {@link VarMap}. */
final class ContextVarImpl<T> implements ContextVar<T> {

  private final String name;
  private final @Nullable T defaultValue;

  ContextVarImpl(String name, @Nullable T defaultValue) {
    this.name = name;
    this.defaultValue = defaultValue;
  }

  @Override
  public String name() {
    return name;
  }

  @SuppressWarnings("unchecked")
  private @Nullable T lookup() {
    return (T) Contexts.frame().vars.get(this);
  }

  @Override
  public T get() {
    T value = lookup();
    if (value != null) {
      return value;
    }
    if (defaultValue != null) {
      return defaultValue;
    }
    throw new NoSuchElementException("ContextVar '" + name + "' has no value and no default");
  }

  @Override
  public T get(T fallback) {
    Objects.requireNonNull(fallback, "fallback");
    T value = lookup();
    return value != null ? value : fallback;
  }

  @Override
  public Optional<T> find() {
    return Optional.ofNullable(lookup());
  }

  @Override
  public Token<T> set(T value) {
    Objects.requireNonNull(value, "value");
    Contexts.Frame frame = Contexts.frame();
    LoopContextImpl context = Contexts.current(frame);
    @SuppressWarnings("unchecked")
    T old = (T) frame.vars.get(this);
    VarMap updated = frame.vars.with(this, value);
    frame.vars = updated;
    context.vars = updated;
    return new TokenImpl<>(this, old, context);
  }

  @Override
  public void reset(Token<T> token) {
    Objects.requireNonNull(token, "token");
    if (!(token instanceof TokenImpl<T> impl) || impl.var != this) {
      throw new IllegalArgumentException(token + " was created by a different ContextVar than " + this);
    }
    Contexts.Frame frame = Contexts.frame();
    LoopContextImpl context = Contexts.current(frame);
    if (impl.context != context) {
      throw new IllegalArgumentException(token + " was created in a different Context");
    }
    if (impl.used) {
      throw new IllegalStateException(token + " has already been used once");
    }
    impl.used = true;
    VarMap updated = impl.old == null ? frame.vars.without(this) : frame.vars.with(this, impl.old);
    frame.vars = updated;
    context.vars = updated;
  }

  @Override
  public String toString() {
    return "ContextVar[" + name + "]";
  }

  /** What {@code set} returns. */
  private static final class TokenImpl<T> implements Token<T> {
    final ContextVarImpl<T> var;
    final @Nullable T old;
    final LoopContextImpl context;
    boolean used;

    TokenImpl(ContextVarImpl<T> var, @Nullable T old, LoopContextImpl context) {
      this.var = var;
      this.old = old;
      this.context = context;
    }

    @Override
    public ContextVar<T> var() {
      return var;
    }

    @Override
    public Optional<T> oldValue() {
      return Optional.ofNullable(old);
    }

    @Override
    public String toString() {
      return "Token[" + var.name() + "]";
    }
  }
}
