package dev.loop.samples.reactor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loop.EventLoop;
import dev.loop.samples.EchoServerContract;
import java.io.IOException;
import java.net.Socket;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The Reactor echo sample, answered through plain Java sockets. */
class ReactorEchoServerTest extends EchoServerContract {

  @Override
  protected void serve(EventLoop loop, String host, int port, Consumer<String> announce) {
    ReactorEchoServer.serve(loop, host, port, announce);
  }

  @Override
  protected Class<?> mainClass() {
    return ReactorEchoServer.class;
  }

  @Override
  protected List<String> anyPortArguments() {
    return List.of("0");
  }

  @Test
  void megabytesWrittenBeforeReadingAnyComeBackExactly() throws Exception {
    byte[] data = new byte[4_000_000];
    new Random(4).nextBytes(data);
    try (Socket socket = connect()) {
      // Write everything from another thread while this one reads: the server's backpressure
      // holds the writer back whenever this reader lags.
      CompletableFuture<Void> written = CompletableFuture.runAsync(() -> {
        try {
          socket.getOutputStream().write(data);
          socket.shutdownOutput();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      byte[] back = socket.getInputStream().readAllBytes();
      written.get(20, TimeUnit.SECONDS);

      assertThat(back).isEqualTo(data);
    }
  }

  @Test
  void thePortArgumentDefaultsToAnyPortAndRejectsNonsense() {
    assertThat(ReactorEchoServer.port()).isZero();
    assertThat(ReactorEchoServer.port("7000")).isEqualTo(7000);
    assertThatThrownBy(() -> ReactorEchoServer.port("seven"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("seven");
    assertThatThrownBy(() -> ReactorEchoServer.port("70000"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("70000");
    assertThatThrownBy(() -> ReactorEchoServer.port("1", "2"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("usage");
  }
}
