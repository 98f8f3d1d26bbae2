/** The implementation of Loop's RxJava bridge: not part of the API. */
@NullMarked
package dev.loop.rxjava.internal;

import org.jspecify.annotations.NullMarked;
