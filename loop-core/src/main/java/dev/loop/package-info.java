/**
 * The event loop: {@link dev.loop.EventLoop}, its handles, futures, tasks, context variables, the
 * per-thread policy ({@link dev.loop.Loops}) and {@link dev.loop.EventLoopGroup}.
 *
 * <p>Semantics follow CPython's {@code asyncio} ({@code base_events.py}, {@code events.py},
 * {@code futures.py}, {@code contextvars}); each type names its asyncio equivalent.
 */
@NullMarked
package dev.loop;

import org.jspecify.annotations.NullMarked;
