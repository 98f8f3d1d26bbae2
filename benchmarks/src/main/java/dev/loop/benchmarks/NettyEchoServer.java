package dev.loop.benchmarks;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;

/**
 * The Netty side of the echo benchmark ({@code benchmarks/echo/run-echo.sh}): a Netty 4.2 NIO echo
 * server with <b>one</b> event loop ({@code MultiThreadIoEventLoopGroup(1, NioIoHandler)}) that
 * accepts and serves every connection, as Loop's {@code dev.loop.samples.EchoServer} does on its one
 * thread.
 *
 * <p>Echo is the canonical Netty one: {@code ctx.write(msg)} for every read, {@code ctx.flush()} on
 * {@code channelReadComplete}; {@code TCP_NODELAY} on; the default (pooled, direct) allocator and
 * adaptive receive buffer. Reading stops while the channel is not writable (Netty's default water
 * marks, 32/64 KiB) so that a client that does not read cannot make it buffer without bound, as the
 * Loop sample pauses reading on {@code pauseWriting}. A connection is closed when the client closes
 * its side.
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar dev.loop.benchmarks.NettyEchoServer --host 127.0.0.1 --port 7000
 * }</pre>
 *
 * <p>Prints {@code listening on HOST:PORT} once it accepts (the chosen port when {@code --port} is
 * 0, the default) and runs until the process is killed.
 */
public final class NettyEchoServer {

  private NettyEchoServer() {}

  /** Writes back every buffer it reads; one flush per read burst. Shared by all connections. */
  @ChannelHandler.Sharable
  static final class EchoHandler extends ChannelInboundHandlerAdapter {

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ctx.write(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      ctx.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      // back-pressure: stop reading while our own writes back up, resume when they drain
      ctx.channel().config().setAutoRead(ctx.channel().isWritable());
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close(); // a reset by the client ends its connection, nothing more
    }
  }

  /**
   * Runs the server until the process is killed.
   *
   * @param args {@code [--host HOST] [--port PORT]}
   * @throws InterruptedException if interrupted while binding or serving
   */
  public static void main(String[] args) throws InterruptedException {
    EchoServerArguments arguments = EchoServerArguments.parse("NettyEchoServer", args);
    String host = arguments.host();
    int port = arguments.port();

    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    try {
      EchoHandler handler = new EchoHandler();
      ServerBootstrap bootstrap = new ServerBootstrap()
          .group(group) // the same single loop accepts and serves
          .channel(NioServerSocketChannel.class)
          .option(ChannelOption.SO_BACKLOG, 1024)
          .option(ChannelOption.SO_REUSEADDR, true)
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childHandler(handler);
      Channel server = bootstrap.bind(host, port).sync().channel();
      InetSocketAddress address = (InetSocketAddress) server.localAddress();
      System.out.println("listening on " + address.getAddress().getHostAddress() + ":" + address.getPort());
      System.out.flush();
      server.closeFuture().sync();
    } finally {
      group.shutdownGracefully().syncUninterruptibly();
    }
  }
}
