package dev.loop.samples.rxjava;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loop.EventLoop;
import dev.loop.Loops;
import dev.loop.samples.EchoServerContract;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The RxJava echo sample, answered through plain Java sockets. */
class RxEchoServerTest extends EchoServerContract {

  @Override
  protected void serve(EventLoop loop, String host, int port, Consumer<String> announce) {
    RxEchoServer.serve(loop, host, port, announce);
  }

  @Override
  protected Class<?> mainClass() {
    return RxEchoServer.class;
  }

  @Override
  protected List<String> anyPortArguments() {
    return List.of("0");
  }

  @Test
  void aClientThatSendsAMegabyteBeforeReadingGetsItAllBack() throws Exception {
    byte[] payload = new byte[1 << 20];
    new Random(1).nextBytes(payload);
    try (Socket socket = connect()) {
      CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> {
        try {
          return socket.getInputStream().readNBytes(payload.length);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      socket.getOutputStream().write(payload);

      assertThat(echoed.get(30, TimeUnit.SECONDS)).isEqualTo(payload);
    }
  }

  @Test
  void thePortArgumentIsOptionalAndNonsenseIsRejected() {
    assertThat(RxEchoServer.port()).isZero();
    assertThat(RxEchoServer.port("7000")).isEqualTo(7000);
    assertThatThrownBy(() -> RxEchoServer.port("seven"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("seven");
    assertThatThrownBy(() -> RxEchoServer.port("70000"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("70000");
    assertThatThrownBy(() -> RxEchoServer.port("1", "2"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("usage");
  }

  @Test
  void servingOnAPortInUseFailsWithTheCause() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        EventLoop other = Loops.newEventLoop()) {
      assertThatThrownBy(() -> RxEchoServer.serve(other, "127.0.0.1", taken.getLocalPort(), line -> {}))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(Integer.toString(taken.getLocalPort()))
          .hasCauseInstanceOf(IOException.class);
    }
  }
}
