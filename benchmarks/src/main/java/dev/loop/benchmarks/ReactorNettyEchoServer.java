package dev.loop.benchmarks;

import io.netty.channel.ChannelOption;
import java.net.InetSocketAddress;
import reactor.netty.DisposableServer;
import reactor.netty.resources.LoopResources;
import reactor.netty.tcp.TcpServer;

/**
 * The reactor-netty side of the echo benchmark ({@code benchmarks/echo/run-echo.sh -s
 * reactor-netty}): a reactor-netty 1.3 {@code TcpServer} on <b>one</b> Netty event loop ({@code
 * LoopResources.create("echo", 1, true)}, whose single worker also accepts), echoing with the
 * canonical {@code out.send(in.receive().retain())}: the Reactor-on-Netty counterpart of {@link
 * ReactorEchoServer}.
 *
 * <p>It runs on Netty's NIO transport ({@code runOn(resources, false)}), as {@link NettyEchoServer}
 * and Loop do, so that the three compare the same selector; {@code TCP_NODELAY} on, backlog 1024,
 * reactor-netty's default (pooled) allocator. reactor-netty closes a connection when its handler's
 * publisher completes, that is once the client has finished sending.
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar dev.loop.benchmarks.ReactorNettyEchoServer --host 127.0.0.1 --port 7000
 * }</pre>
 *
 * <p>Prints {@code listening on HOST:PORT} once it accepts (the chosen port when {@code --port} is
 * 0, the default) and runs until the process is killed.
 */
public final class ReactorNettyEchoServer {

  private ReactorNettyEchoServer() {}

  /**
   * Runs the server until the process is killed.
   *
   * @param args {@code [--host HOST] [--port PORT]}
   */
  public static void main(String[] args) {
    EchoServerArguments arguments = EchoServerArguments.parse("ReactorNettyEchoServer", args);
    String host = arguments.host();
    int port = arguments.port();

    LoopResources resources = LoopResources.create("echo", 1, true);
    try {
      DisposableServer server = TcpServer.create()
          .host(host)
          .port(port)
          .runOn(resources, false) // NIO, one loop: accepts and serves
          .option(ChannelOption.SO_BACKLOG, 1024)
          .option(ChannelOption.SO_REUSEADDR, true)
          .childOption(ChannelOption.TCP_NODELAY, true)
          .handle((in, out) -> out.send(in.receive().retain()))
          .bindNow();
      InetSocketAddress address = (InetSocketAddress) server.address();
      System.out.println("listening on " + address.getAddress().getHostAddress() + ":" + address.getPort());
      System.out.flush();
      server.onDispose().block();
    } finally {
      resources.disposeLater().block();
    }
  }
}
