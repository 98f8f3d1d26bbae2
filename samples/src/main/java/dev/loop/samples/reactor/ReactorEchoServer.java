package dev.loop.samples.reactor;

import dev.loop.EventLoop;
import dev.loop.Loops;
import dev.loop.reactor.LoopServer;
import dev.loop.reactor.ReactorLoop;
import dev.loop.samples.PortArgument;
import java.net.InetSocketAddress;
import java.util.function.Consumer;
import reactor.core.Disposable;

/**
 * The TCP echo server of {@code dev.loop.samples.EchoServer}, written with the Reactor adapters:
 * each connection's {@code receive()} is piped into its own {@code send()}, so a client that stops
 * reading stops the server reading it (demand, not buffers, carries the backpressure). The server
 * closes a connection once the client has finished sending (its EOF) and got everything back.
 *
 * <pre>{@code
 * java dev.loop.samples.reactor.ReactorEchoServer [PORT]
 * }</pre>
 *
 * <p>Listens on 127.0.0.1, on {@code PORT} or, without it (or with 0), on a port the system picks;
 * prints {@code listening on 127.0.0.1:PORT} once it accepts connections, then runs until the
 * process is killed. {@link #serve} runs until the loop is stopped ({@link EventLoop#stop()}).
 */
public final class ReactorEchoServer {

  private ReactorEchoServer() {}

  /**
   * Listens on {@code host}:{@code port}, reports {@code listening on HOST:PORT} to {@code
   * announce}, and runs {@code loop} on the calling thread until {@link EventLoop#stop()}; then
   * closes the server and its connections.
   *
   * @param loop a loop that is not running
   * @param host the address to bind
   * @param port the port, 0 for any free one
   * @param announce receives the one {@code listening on ...} line
   */
  public static void serve(EventLoop loop, String host, int port, Consumer<String> announce) {
    LoopServer server = loop.runUntilComplete(ReactorLoop.toFuture(loop, ReactorLoop.listen(loop, host, port)));
    Disposable serving = server.connections()
        .flatMap(c -> c.send(c.receive())          // echo, at the pace the client reads
                .onErrorComplete()                  // a reset ends that connection only
                .doFinally(signal -> c.close()),    // the client is done: close
            Integer.MAX_VALUE)                      // every connection at once
        .subscribe();
    try {
      InetSocketAddress address = (InetSocketAddress) server.address();
      announce.accept("listening on " + address.getAddress().getHostAddress() + ":" + address.getPort());
      loop.runForever();
    } finally {
      serving.dispose(); // stops listening and ends every connection's pipeline
      server.server().abortClients();
      loop.runUntilComplete(server.server().waitClosed());
    }
  }

  /**
   * The port argument: none or 0 for any free port.
   *
   * @param args the command line
   * @return the port
   * @throws IllegalArgumentException if there is more than one argument or it is not a port
   */
  static int port(String... args) {
    return PortArgument.optional("ReactorEchoServer", args);
  }

  /**
   * Runs the server on 127.0.0.1 until the process is killed.
   *
   * @param args {@code [PORT]}
   */
  public static void main(String[] args) {
    int port = port(args);
    try (EventLoop loop = Loops.newEventLoop()) {
      serve(loop, "127.0.0.1", port, line -> {
        System.out.println(line);
        System.out.flush();
      });
    }
  }
}
