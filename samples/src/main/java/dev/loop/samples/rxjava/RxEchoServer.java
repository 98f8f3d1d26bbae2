package dev.loop.samples.rxjava;

import dev.loop.EventLoop;
import dev.loop.Loops;
import dev.loop.net.ServerOptions;
import dev.loop.rxjava.RxLoop;
import dev.loop.samples.PortArgument;
import io.reactivex.rxjava3.disposables.Disposable;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * A TCP echo server on the RxJava adapters: each connection's {@code receive()} is fed straight
 * into its own {@code send(...)}, so a client that does not read makes the server stop reading
 * (the send stops requesting, the receive stops reading) without a line of flow-control code.
 *
 * <pre>{@code
 * java dev.loop.samples.rxjava.RxEchoServer 7000
 * }</pre>
 *
 * <p>Prints {@code listening on 127.0.0.1:PORT} once it accepts connections (with the port the
 * system picked when the port argument is 0 or absent), then runs until the process is killed.
 */
public final class RxEchoServer {

  private RxEchoServer() {}

  /**
   * Serves echo on {@code host}:{@code port}, reports {@code listening on HOST:PORT} to {@code
   * announce}, and runs {@code loop} on the calling thread until {@link EventLoop#stop()}; then
   * stops listening. Closing the loop afterwards closes the connections still open.
   *
   * @param loop a loop that is not running
   * @param host the address to bind
   * @param port the port, 0 for any free one
   * @param announce receives the one {@code listening on ...} line
   * @throws IllegalStateException if the server cannot listen (the cause says why)
   */
  public static void serve(EventLoop loop, String host, int port, Consumer<String> announce) {
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Disposable server = RxLoop.serve(loop, host, port, ServerOptions.defaults(), addresses -> {
          InetSocketAddress address = (InetSocketAddress) addresses.get(0);
          announce.accept("listening on " + address.getAddress().getHostAddress() + ":" + address.getPort());
        })
        .subscribe(
            connection -> connection.send(connection.receive())   // echo, with backpressure
                .doFinally(connection::close)                     // the client is done (EOF) or gone
                .onErrorComplete()                                // a reset client ends its echo only
                .subscribe(),
            error -> {
              failure.set(error);
              loop.stop();
            });
    try {
      loop.runForever();
    } finally {
      server.dispose(); // stop listening
    }
    if (failure.get() != null) {
      throw new IllegalStateException("cannot serve on " + host + ":" + port, failure.get());
    }
  }

  /**
   * Parses the optional port argument.
   *
   * @param args {@code []} or {@code [PORT]}
   * @return the port, 0 when absent
   * @throws IllegalArgumentException if there are more arguments, or the port is not a number
   *     between 0 and 65535
   */
  static int port(String... args) {
    return PortArgument.optional("RxEchoServer", args);
  }

  /**
   * Runs the server on 127.0.0.1 until the process is killed.
   *
   * @param args {@code [PORT]}, 0 or absent for any free port
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
