/** The implementation of Loop's Reactor bridge: not part of the API. */
@NullMarked
package dev.loop.reactor.internal;

import org.jspecify.annotations.NullMarked;
