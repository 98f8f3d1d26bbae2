package dev.loop.samples;

import dev.loop.EventLoop;
import dev.loop.LoopFuture;
import dev.loop.Loops;
import dev.loop.net.Connection;
import dev.loop.net.Protocol;
import dev.loop.net.Transport;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A client of {@link EchoServer} on the protocol API: sends a few messages one at a time, prints
 * each answer as {@code echo: MESSAGE}, then half-closes and waits for the server to close.
 *
 * <pre>{@code
 * java dev.loop.samples.EchoClient --host 127.0.0.1 --port 7000 hello world
 * }</pre>
 */
public final class EchoClient {

  private EchoClient() {}

  /** Collects the answer to the message in flight and completes it once all its bytes are back. */
  static final class Answers implements Protocol {
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private int expected;
    private @Nullable LoopFuture<String> answer;
    private LoopFuture<Void> closed;
    private Transport transport;

    @Override
    public void connectionMade(Transport t) {
      transport = t;
      closed = t.getLoop().createFuture();
    }

    /** Sends {@code message}; the future completes with what comes back for it. */
    LoopFuture<String> send(String message) {
      byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
      pending.reset();
      expected = bytes.length;
      answer = transport.getLoop().createFuture();
      transport.write(ByteBuffer.wrap(bytes));
      return answer;
    }

    @Override
    public void dataReceived(ByteBuffer data) {
      byte[] chunk = new byte[data.remaining()];
      data.get(chunk);
      pending.writeBytes(chunk);
      if (answer != null && pending.size() >= expected) {
        LoopFuture<String> done = answer;
        answer = null;
        done.setResult(pending.toString(StandardCharsets.UTF_8));
      }
    }

    @Override
    public void connectionLost(@Nullable Throwable cause) {
      if (answer != null) {
        answer.setException(cause != null ? cause : new IllegalStateException("the server closed early"));
      }
      closed.setResult(null);
    }
  }

  /**
   * Connects, sends each message and reports {@code echo: ANSWER} for it, then half-closes and
   * waits until the server has closed. Runs {@code loop} on the calling thread.
   *
   * @param loop a loop that is not running
   * @param host the server's address
   * @param port the server's port
   * @param messages what to send, one at a time
   * @param print receives one line per answer
   * @return the answers, in order
   */
  public static List<String> run(EventLoop loop, String host, int port, List<String> messages,
      Consumer<String> print) {
    Connection<Answers> connection = loop.runUntilComplete(loop.createConnection(Answers::new, host, port));
    Answers answers = connection.protocol();
    List<String> received = new ArrayList<>();
    for (String message : messages) {
      String back = loop.runUntilComplete(loop.createTask(() -> answers.send(message)));
      received.add(back);
      print.accept("echo: " + back);
    }
    loop.runUntilComplete(loop.createTask(() -> {
      connection.transport().writeEof();
      return answers.closed;
    }));
    return received;
  }

  /**
   * Sends the messages given after the options ({@code hello}, {@code loop}, {@code bye} if none).
   *
   * @param args {@code [--host HOST] --port PORT [MESSAGE...]}
   */
  public static void main(String[] args) {
    String host = "127.0.0.1";
    int port = -1;
    List<String> messages = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--host" -> host = args[++i];
        case "--port" -> port = Integer.parseInt(args[++i]);
        default -> messages.add(args[i]);
      }
    }
    if (port < 0) {
      throw new IllegalArgumentException("usage: EchoClient [--host HOST] --port PORT [MESSAGE...]");
    }
    if (messages.isEmpty()) {
      messages = List.of("hello", "loop", "bye");
    }
    try (EventLoop loop = Loops.newEventLoop()) {
      run(loop, host, port, messages, System.out::println);
    }
  }
}
