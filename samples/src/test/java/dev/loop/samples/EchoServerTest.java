package dev.loop.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loop.EventLoop;
import dev.loop.Loops;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The echo sample: {@link EchoServer} answered through a plain Java socket and {@link EchoClient}. */
class EchoServerTest extends EchoServerContract {

  @Override
  protected void serve(EventLoop loop, String host, int port, Consumer<String> announce) {
    EchoServer.serve(loop, host, port, announce);
  }

  @Override
  protected Class<?> mainClass() {
    return EchoServer.class;
  }

  @Override
  protected List<String> anyPortArguments() {
    return List.of("--host", "127.0.0.1", "--port", "0");
  }

  @Test
  void theEchoClientPrintsEachAnswer() throws Exception {
    List<String> printed = new CopyOnWriteArrayList<>();
    List<String> answers;
    try (EventLoop clientLoop = Loops.newEventLoop()) {
      answers = EchoClient.run(clientLoop, "127.0.0.1", port(), List.of("hello", "loop", "bye"), printed::add);
    }

    assertThat(answers).containsExactly("hello", "loop", "bye");
    assertThat(printed).containsExactly("echo: hello", "echo: loop", "echo: bye");
  }

  @Test
  void optionsDefaultToLoopbackAndAnyPortAndRejectNonsense() {
    assertThat(EchoServer.Options.parse()).isEqualTo(new EchoServer.Options("127.0.0.1", 0));
    assertThat(EchoServer.Options.parse("--port", "7000", "--host", "0.0.0.0"))
        .isEqualTo(new EchoServer.Options("0.0.0.0", 7000));
    assertThatThrownBy(() -> EchoServer.Options.parse("--port", "seven"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("seven");
    assertThatThrownBy(() -> EchoServer.Options.parse("--port", "70000"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("70000");
    assertThatThrownBy(() -> EchoServer.Options.parse("--port"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--port");
    assertThatThrownBy(() -> EchoServer.Options.parse("--verbose"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--verbose");
  }
}
