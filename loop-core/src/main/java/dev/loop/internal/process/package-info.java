/** Subprocesses, pipe transports and signal handlers of the loop: not part of the API. */
@NullMarked
package dev.loop.internal.process;

import org.jspecify.annotations.NullMarked;
