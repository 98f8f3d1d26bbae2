/** Implementation of the loop's networking: transports, servers, connectors, TLS. Not exported. */
@NullMarked
package dev.loop.internal.net;

import org.jspecify.annotations.NullMarked;
