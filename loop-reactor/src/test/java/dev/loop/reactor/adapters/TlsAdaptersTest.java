package dev.loop.reactor.adapters;

import static dev.loop.reactor.adapters.TestSupport.chunks;
import static dev.loop.reactor.adapters.TestSupport.firstBytes;
import static dev.loop.reactor.adapters.TestSupport.onLoop;
import static dev.loop.reactor.adapters.TestSupport.port;
import static dev.loop.reactor.adapters.TestSupport.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loop.EventLoop;
import dev.loop.EventLoopGroup;
import dev.loop.net.ConnectOptions;
import dev.loop.net.ServerOptions;
import dev.loop.reactor.LoopConnection;
import dev.loop.reactor.LoopServer;
import dev.loop.reactor.ReactorLoop;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** TLS through the options of {@code listen}/{@code connect}, with a certificate made by keytool. */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TlsAdaptersTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir static Path dir;
  private static TestCertificates certificates;

  private final EventLoopGroup group = EventLoopGroup.create(1);
  private final EventLoop loop = group.next();

  @BeforeAll
  static void makeCertificate() throws Exception {
    certificates = TestCertificates.create(dir);
  }

  @AfterEach
  void shutDown() {
    group.close();
  }

  private LoopServer tlsEchoServer() {
    LoopServer server = ReactorLoop.listen(loop, "127.0.0.1", 0,
        ServerOptions.defaults().withSsl(certificates.server)).block(WAIT);
    server.connections()
        .flatMap(c -> c.send(c.receive()).onErrorComplete().doFinally(s -> c.close()))
        .subscribe();
    return server;
  }

  private static ConnectOptions trusting() {
    return ConnectOptions.defaults().withSsl(certificates.client).withServerHostname("localhost");
  }

  @Test
  void aTlsEchoReturnsEveryByteAndTheClientSeesTheServerCertificate() throws Exception {
    LoopServer server = tlsEchoServer();
    byte[] payload = randomBytes(1_000_000, 3);

    LoopConnection client = ReactorLoop.connect(loop, "127.0.0.1", port(server.address()), trusting()).block(WAIT);
    byte[] answer = firstBytes(client.receive(), payload.length)
        .zipWith(client.send(chunks(payload, 16_384)).thenReturn(true), (received, sent) -> received)
        .block(WAIT);

    assertThat(answer).isEqualTo(payload);
    Object peercert = onLoop(loop, () -> client.transport().getExtraInfo("peercert"));
    assertThat(((Certificate) peercert).getEncoded()).isEqualTo(certificates.certificate.getEncoded());
    server.dispose();
  }

  @Test
  void severalTlsConnectionsAreEchoedIndependently() {
    LoopServer server = tlsEchoServer();
    int port = port(server.address());

    Long total = Flux.range(0, 4)
        .flatMap(i -> ReactorLoop.connect(loop, "127.0.0.1", port, trusting())
            .flatMap(c -> {
              byte[] payload = randomBytes(50_000 + i, i);
              return firstBytes(c.receive(), payload.length)
                  .zipWith(c.send(chunks(payload, 4096)).thenReturn(true), (received, sent) -> received)
                  .map(received -> {
                    assertThat(received).isEqualTo(payload);
                    return (long) received.length;
                  });
            }))
        .reduce(0L, Long::sum)
        .block(WAIT);

    assertThat(total).isEqualTo(4 * 50_000L + 6);
    server.dispose();
  }

  @Test
  void aClientThatDoesNotTrustTheCertificateFailsWithAHandshakeError() throws Exception {
    LoopServer server = tlsEchoServer();
    // The JDK's default trust: public certificate authorities, not our self-signed certificate.
    javax.net.ssl.SSLContext defaultTrust = javax.net.ssl.SSLContext.getInstance("TLS");
    defaultTrust.init(null, null, null);

    StepVerifier.create(ReactorLoop.connect(loop, "127.0.0.1", port(server.address()),
            ConnectOptions.defaults().withSsl(defaultTrust).withServerHostname("localhost")))
        .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(SSLHandshakeException.class))
        .verify(WAIT);
    server.dispose();
  }
}
