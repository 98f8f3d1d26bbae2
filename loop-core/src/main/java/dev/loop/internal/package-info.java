/**
 * Implementation of the event loop. Not exported: nothing here is API.
 */
@NullMarked
package dev.loop.internal;

import org.jspecify.annotations.NullMarked;
