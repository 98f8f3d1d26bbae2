/**
 * Networking on the loop, asyncio's protocol/transport model: a {@link dev.loop.net.Protocol}
 * receives events, a {@link dev.loop.net.Transport} sends bytes and applies flow control; options
 * records configure connections, servers, datagram endpoints and TLS.
 *
 * <p>Protocol callbacks always run on the loop thread. Reference semantics: CPython's
 * {@code protocols.py}, {@code transports.py}, {@code selector_events.py} and {@code sslproto.py}.
 */
@NullMarked
package dev.loop.net;

import org.jspecify.annotations.NullMarked;
