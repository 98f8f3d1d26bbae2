/** Implementation of the virtual-time loop. Not exported. */
@NullMarked
package dev.loop.test.internal;

import org.jspecify.annotations.NullMarked;
