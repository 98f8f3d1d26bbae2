package dev.loop;

import dev.loop.internal.Contexts;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;

/**
 * A variable whose value belongs to the current {@link LoopContext}: asyncio's
 * {@code contextvars.ContextVar}.
 *
 * <p>Create variables once, as constants; values are looked up by the variable's identity. Null is
 * not a value: a variable either has a value or is unset. All methods may be called from any
 * thread; they act on the calling thread's current context.
 *
 * @param <T> the value type
 */
public interface ContextVar<T> {

  /**
   * A variable with no default. asyncio: {@code ContextVar(name)}.
   *
   * @param name a name for messages and {@code toString}
   * @param <T> the value type
   * @return the new variable
   * @throws NullPointerException if {@code name} is null
   */
  static <T> ContextVar<T> named(String name) {
    return Contexts.newVar(Objects.requireNonNull(name, "name"), null);
  }

  /**
   * A variable with a default, returned by {@link #get()} while it is unset. asyncio:
   * {@code ContextVar(name, default=…)}.
   *
   * @param name a name for messages and {@code toString}
   * @param defaultValue the default
   * @param <T> the value type
   * @return the new variable
   * @throws NullPointerException if an argument is null
   */
  static <T> ContextVar<T> named(String name, T defaultValue) {
    return Contexts.newVar(
        Objects.requireNonNull(name, "name"), Objects.requireNonNull(defaultValue, "defaultValue"));
  }

  /**
   * The variable's name.
   *
   * @return the name given at creation
   */
  String name();

  /**
   * The value in the current context, else the variable's default. asyncio: {@code var.get()}.
   *
   * @return the value
   * @throws NoSuchElementException if the variable is unset and has no default
   */
  T get();

  /**
   * The value in the current context, else {@code fallback}. asyncio: {@code var.get(default)}.
   *
   * @param fallback what to return when unset (the variable's own default is not consulted)
   * @return the value or {@code fallback}
   * @throws NullPointerException if {@code fallback} is null
   */
  T get(T fallback);

  /**
   * The value in the current context, if set.
   *
   * @return the value, or empty when unset (the default is not consulted)
   */
  Optional<T> find();

  /**
   * Sets the value in the current context. asyncio: {@code var.set(value)}.
   *
   * @param value the new value
   * @return a token that {@link #reset(Token)} uses to restore the previous value
   * @throws NullPointerException if {@code value} is null
   */
  Token<T> set(T value);

  /**
   * Restores the value the variable had before the {@link #set(Object)} that returned
   * {@code token}. asyncio: {@code var.reset(token)}.
   *
   * @param token a token from this variable's {@code set}, in the current context
   * @throws NullPointerException if {@code token} is null
   * @throws IllegalArgumentException if the token belongs to another variable or another context
   * @throws IllegalStateException if the token was used already
   */
  void reset(Token<T> token);

  /**
   * What {@link #set(Object)} returns: the previous value, for {@link #reset(Token)}. asyncio:
   * {@code contextvars.Token}.
   *
   * @param <T> the value type
   */
  interface Token<T> {

    /**
     * The variable that was set.
     *
     * @return the variable
     */
    ContextVar<T> var();

    /**
     * The value before the set. asyncio: {@code Token.old_value} ({@code Token.MISSING} is empty).
     *
     * @return the previous value, or empty if the variable was unset
     */
    Optional<T> oldValue();
  }
}
