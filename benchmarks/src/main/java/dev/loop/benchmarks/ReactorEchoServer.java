package dev.loop.benchmarks;

import dev.loop.EventLoop;
import dev.loop.Loops;
import dev.loop.reactor.LoopServer;
import dev.loop.reactor.ReactorLoop;
import java.net.InetSocketAddress;

/**
 * The Reactor-bridge side of the echo benchmark ({@code benchmarks/echo/run-echo.sh -s reactor}):
 * Loop's Reactor adapters on <b>one</b> loop thread, which accepts and serves every connection, as
 * {@code dev.loop.samples.EchoServer} does with a plain protocol. Each connection is {@code
 * c.send(c.receive())}: reads are copied out of the loop's read buffer into one buffer per read,
 * emitted as demanded, and written back; the connection is closed once the client has finished
 * sending. What this measures against the protocol server is the cost of the bridge: a copy and a
 * few Reactive Streams signals per read.
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar dev.loop.benchmarks.ReactorEchoServer --host 127.0.0.1 --port 7000
 * }</pre>
 *
 * <p>Prints {@code listening on HOST:PORT} once it accepts (the chosen port when {@code --port} is
 * 0, the default) and runs until the process is killed.
 */
public final class ReactorEchoServer {

  private ReactorEchoServer() {}

  /**
   * Runs the server until the process is killed.
   *
   * @param args {@code [--host HOST] [--port PORT]}
   */
  public static void main(String[] args) {
    EchoServerArguments arguments = EchoServerArguments.parse("ReactorEchoServer", args);
    String host = arguments.host();
    int port = arguments.port();

    try (EventLoop loop = Loops.newEventLoop()) {
      LoopServer server = loop.runUntilComplete(ReactorLoop.toFuture(loop,
          ReactorLoop.listen(loop, host, port)));
      server.connections()
          .flatMap(c -> c.send(c.receive()).onErrorComplete().doFinally(s -> c.close()), Integer.MAX_VALUE)
          .subscribe();
      InetSocketAddress address = (InetSocketAddress) server.address();
      System.out.println("listening on " + address.getAddress().getHostAddress() + ":" + address.getPort());
      System.out.flush();
      loop.runForever();
    }
  }
}
