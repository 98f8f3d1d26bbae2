package dev.loop.internal;

import org.jspecify.annotations.Nullable;

/**
 * The immutable mapping behind a context: keys and values in one array, copied on write.
 *
 * <p>Contexts hold a handful of variables, so a linear scan of a small array beats a hash trie in
 * both speed and allocation; a handle captures a context by keeping a reference to one of these.
 */
final class VarMap {

  static final VarMap EMPTY = new VarMap(new Object[0]);

  /** Alternating key, value; keys are {@link ContextVarImpl}s, compared by identity. */
  private final Object[] entries;

  private VarMap(Object[] entries) {
    this.entries = entries;
  }

  @Nullable Object get(ContextVarImpl<?> key) {
    Object[] e = entries;
    for (int i = 0; i < e.length; i += 2) {
      if (e[i] == key) {
        return e[i + 1];
      }
    }
    return null;
  }

  VarMap with(ContextVarImpl<?> key, Object value) {
    Object[] e = entries;
    for (int i = 0; i < e.length; i += 2) {
      if (e[i] == key) {
        Object[] copy = e.clone();
        copy[i + 1] = value;
        return new VarMap(copy);
      }
    }
    Object[] copy = java.util.Arrays.copyOf(e, e.length + 2);
    copy[e.length] = key;
    copy[e.length + 1] = value;
    return new VarMap(copy);
  }

  VarMap without(ContextVarImpl<?> key) {
    Object[] e = entries;
    for (int i = 0; i < e.length; i += 2) {
      if (e[i] == key) {
        if (e.length == 2) {
          return EMPTY;
        }
        Object[] copy = new Object[e.length - 2];
        System.arraycopy(e, 0, copy, 0, i);
        System.arraycopy(e, i + 2, copy, i, e.length - i - 2);
        return new VarMap(copy);
      }
    }
    return this;
  }

  int size() {
    return entries.length / 2;
  }
}
