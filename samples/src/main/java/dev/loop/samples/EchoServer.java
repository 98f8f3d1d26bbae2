package dev.loop.samples;

import dev.loop.EventLoop;
import dev.loop.Loops;
import dev.loop.Server;
import dev.loop.net.Protocol;
import dev.loop.net.Transport;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * A TCP echo server on the protocol API: every connection gets back exactly the bytes it sends,
 * and the server closes a connection once the client has finished sending (its EOF).
 *
 * <pre>{@code
 * java dev.loop.samples.EchoServer --host 127.0.0.1 --port 7000
 * }</pre>
 *
 * <p>Prints {@code listening on HOST:PORT} once it accepts connections (with the port the system
 * picked when {@code --port} is 0, the default), then runs until the process is killed.
 */
public final class EchoServer {

  private EchoServer() {}

  /** One connection: writes back what arrives, and stops reading while its own writes back up. */
  static final class EchoProtocol implements Protocol {
    private Transport transport;

    @Override
    public void connectionMade(Transport t) {
      transport = t;
    }

    @Override
    public void dataReceived(ByteBuffer data) {
      transport.write(data); // the transport copies what the socket does not take at once
    }

    @Override
    public void pauseWriting() {
      transport.pauseReading(); // a client that does not read must not make us buffer forever
    }

    @Override
    public void resumeWriting() {
      transport.resumeReading();
    }

    @Override
    public boolean eofReceived() {
      return false; // the client is done: close once everything it sent has been echoed
    }
  }

  /** The command line: {@code --host H} (default 127.0.0.1) and {@code --port P} (default 0). */
  record Options(String host, int port) {

    static Options parse(String... args) {
      String host = "127.0.0.1";
      int port = 0;
      for (int i = 0; i < args.length; i++) {
        String name = args[i];
        if (!name.equals("--host") && !name.equals("--port")) {
          throw new IllegalArgumentException("unknown option " + name + "; usage: [--host HOST] [--port PORT]");
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(name + " needs a value");
        }
        String value = args[++i];
        if (name.equals("--host")) {
          host = value;
        } else {
          port = PortArgument.parse("--port", value);
        }
      }
      return new Options(host, port);
    }
  }

  /**
   * Listens on {@code host}:{@code port}, reports {@code listening on HOST:PORT} to {@code announce},
   * and runs {@code loop} on the calling thread until {@link EventLoop#stop()}; then closes the
   * server and its connections.
   *
   * @param loop a loop that is not running
   * @param host the address to bind
   * @param port the port, 0 for any free one
   * @param announce receives the one {@code listening on ...} line
   */
  public static void serve(EventLoop loop, String host, int port, Consumer<String> announce) {
    Server server = loop.runUntilComplete(loop.createServer(EchoProtocol::new, host, port));
    try {
      InetSocketAddress address = (InetSocketAddress) server.sockets().get(0);
      announce.accept("listening on " + address.getAddress().getHostAddress() + ":" + address.getPort());
      loop.runForever();
    } finally {
      server.close();
      server.abortClients();
      loop.runUntilComplete(server.waitClosed());
    }
  }

  /**
   * Runs the server until the process is killed.
   *
   * @param args {@code [--host HOST] [--port PORT]}
   */
  public static void main(String[] args) {
    Options options = Options.parse(args);
    try (EventLoop loop = Loops.newEventLoop()) {
      serve(loop, options.host(), options.port(), line -> {
        System.out.println(line);
        System.out.flush();
      });
    }
  }
}
