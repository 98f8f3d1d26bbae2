package dev.loop.reactor.adapters;

import static dev.loop.reactor.adapters.TestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loop.EventLoop;
import dev.loop.EventLoopGroup;
import dev.loop.net.Datagram;
import dev.loop.net.DatagramOptions;
import dev.loop.reactor.LoopDatagrams;
import dev.loop.reactor.ReactorLoop;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** UDP endpoints as {@code Flux<Datagram>} plus {@code send}, on 127.0.0.1. */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DatagramAdaptersTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  private final EventLoopGroup group = EventLoopGroup.create(1);
  private final EventLoop loop = group.next();

  @AfterEach
  void shutDown() {
    group.close();
  }

  private LoopDatagrams open() {
    return ReactorLoop.datagrams(loop, DatagramOptions.local(new InetSocketAddress("127.0.0.1", 0))).block(WAIT);
  }

  @Test
  void datagramsArriveWithTheirSenderAndCanBeAnswered() throws Exception {
    LoopDatagrams server = open();
    LoopDatagrams client = open();
    // The server answers every datagram with its text upper-cased, to its sender.
    server.receive()
        .concatMap(d -> server.send(utf8(utf8(d.data()).toUpperCase()), d.sender()))
        .subscribe();
    CompletableFuture<List<Datagram>> answers = new CompletableFuture<>();
    client.receive().take(3).collectList().subscribe(answers::complete, answers::completeExceptionally);

    Flux.just("one", "two", "three")
        .concatMap(s -> client.send(utf8(s), server.address()))
        .blockLast(WAIT);

    List<Datagram> got = answers.get(20, TimeUnit.SECONDS);
    assertThat(got).extracting(d -> utf8(d.data())).containsExactly("ONE", "TWO", "THREE");
    assertThat(got).extracting(Datagram::sender).containsOnly(server.address());
    server.close();
  }

  @Test
  void cancellingReceiveClosesTheEndpoint() {
    LoopDatagrams endpoint = open();
    endpoint.receive().subscribe().dispose();

    StepVerifier.create(endpoint.onClose()).expectComplete().verify(WAIT);
    assertThat(endpoint.isDisposed()).isTrue();
    StepVerifier.create(endpoint.send(utf8("late"), new InetSocketAddress("127.0.0.1", 9)))
        .expectError(ClosedChannelException.class)
        .verify(WAIT);
  }

  @Test
  void closingTheEndpointCompletesReceive() {
    LoopDatagrams endpoint = open();

    StepVerifier.create(endpoint.receive())
        .then(endpoint::close)
        .expectComplete()
        .verify(WAIT);
  }

  @Test
  void aWrongTargetFailsTheSendAndLeavesTheEndpointOpen() {
    LoopDatagrams endpoint = open();

    StepVerifier.create(endpoint.send(utf8("nowhere"), null))
        .expectError(IllegalArgumentException.class)
        .verify(WAIT);
    assertThat(endpoint.isDisposed()).isFalse();
    endpoint.close();
  }

  @Test
  void anEndpointWithARemoteAddressSendsWithoutATarget() throws Exception {
    LoopDatagrams server = open();
    CompletableFuture<String> got = new CompletableFuture<>();
    server.receive().next().map(d -> utf8(d.data())).subscribe(got::complete);
    LoopDatagrams client = ReactorLoop.datagrams(loop,
        DatagramOptions.remote((InetSocketAddress) server.address())).block(WAIT);

    client.send(utf8("connected"), null).block(WAIT);

    assertThat(got.get(20, TimeUnit.SECONDS)).isEqualTo("connected");
    client.close();
    server.close();
  }

  @Test
  void aSecondSubscriberOfReceiveFails() {
    LoopDatagrams endpoint = open();
    endpoint.receive().subscribe();

    StepVerifier.create(endpoint.receive()).expectError(IllegalStateException.class).verify(WAIT);
    StepVerifier.create(Mono.fromRunnable(endpoint::close).then(endpoint.onClose())).expectComplete().verify(WAIT);
  }
}
