package dev.loop;

import dev.loop.internal.Contexts;
import java.util.function.Supplier;

/**
 * A mapping of {@link ContextVar}s to values: asyncio's {@code contextvars.Context}.
 *
 * <p>Every thread has a current context. Each handle captures the current context when it is made
 * ({@code callSoon}, {@code callLater}, …) and its callback runs inside it, so a value set before
 * scheduling is seen by the callback, and what the callback sets stays in the handle's context and
 * never leaks back into the scheduler's. Tasks run in a copy of their creator's context.
 *
 * <p>A context can be entered by one thread at a time. All methods may be called from any thread.
 */
public interface LoopContext {

  /**
   * The calling thread's current context. asyncio: {@code contextvars.copy_context()} returns a copy
   * of it; this returns the context itself.
   *
   * @return the current context
   */
  static LoopContext current() {
    return Contexts.current();
  }

  /**
   * A context with no variables set. asyncio: {@code contextvars.Context()}.
   *
   * @return a new empty context
   */
  static LoopContext empty() {
    return Contexts.empty();
  }

  /**
   * A copy of this context: same values now, independent from then on. asyncio:
   * {@code Context.copy()}.
   *
   * @return the copy
   */
  LoopContext copy();

  /**
   * Runs {@code action} with this context as the current one, then restores the previous one.
   * Variables the action sets are kept in this context. asyncio: {@code Context.run()}.
   *
   * @param action what to run
   * @throws NullPointerException if {@code action} is null
   * @throws IllegalStateException if this context is already entered (by any thread)
   */
  void run(Runnable action);

  /**
   * Like {@link #run(Runnable)}, returning what {@code action} returns.
   *
   * @param action what to call
   * @param <R> the result type
   * @return the action's result
   * @throws NullPointerException if {@code action} is null
   * @throws IllegalStateException if this context is already entered (by any thread)
   */
  <R> R call(Supplier<R> action);

  /**
   * Tells whether {@code var} has a value in this context. asyncio: {@code var in context}.
   *
   * @param var the variable
   * @return true if it is set here
   * @throws NullPointerException if {@code var} is null
   */
  boolean contains(ContextVar<?> var);

  /**
   * How many variables are set. asyncio: {@code len(context)}.
   *
   * @return the number of variables with a value
   */
  int size();
}
