package dev.loop.rxjava;

import dev.loop.net.Protocol;

/**
 * A {@link Protocol} that exposes its connection as an {@link RxConnection}: the way to use the
 * RxJava streams with transports that {@link RxLoop}'s {@code serve}/{@code connect} do not make,
 * such as pipes ({@code connectReadPipe}, {@code connectWritePipe}), accepted sockets ({@code
 * connectAcceptedSocket}) or a TLS upgrade ({@code startTls}).
 *
 * <pre>{@code
 * loop.connectReadPipe(RxLoop::newProtocol, pipe.source())
 *     .thenAccept(c -> c.protocol().connection().receive().subscribe(...));
 * }</pre>
 *
 * <p>Made by {@link RxLoop#newProtocol()}; give each transport its own. The transport calls the
 * {@code Protocol} methods on its loop thread as usual; call them yourself only to drive the
 * protocol from a transport of your own, on that transport's loop thread.
 */
public interface RxProtocol extends Protocol {

  /**
   * The connection this protocol serves. Its streams can be subscribed once the transport has
   * called {@link #connectionMade(dev.loop.net.Transport)}; before that, {@code receive()} and
   * {@code send(...)} fail with {@link IllegalStateException}. Any thread.
   *
   * @return the connection, the same object on every call
   */
  RxConnection connection();
}
