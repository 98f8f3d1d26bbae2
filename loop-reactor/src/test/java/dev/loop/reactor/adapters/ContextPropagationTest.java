package dev.loop.reactor.adapters;

import static dev.loop.reactor.adapters.TestSupport.port;
import static dev.loop.reactor.adapters.TestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loop.EventLoop;
import dev.loop.EventLoopGroup;
import dev.loop.LoopFuture;
import dev.loop.reactor.LoopConnection;
import dev.loop.reactor.LoopServer;
import dev.loop.reactor.ReactorLoop;
import dev.loop.test.TestLoop;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * Reactor's {@code Context} both ways: what the adapters put in the context of the publishers they
 * subscribe to, and the subscriber's context reaching loop callbacks through {@link
 * ReactorLoop#CONTEXT}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ContextPropagationTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  private final EventLoopGroup group = EventLoopGroup.create(1);
  private final EventLoop loop = group.next();

  @AfterEach
  void shutDown() {
    group.close();
  }

  private static Object user(ContextView view) {
    return view.getOrDefault("user", "none");
  }

  // ------------------------------------------------------------------ timers and futures

  @Test
  void aTimerEmitsWithTheSubscriberContextAndCallbacksItSchedulesKeepIt() {
    try (TestLoop test = TestLoop.create()) {
      List<Object> seen = new CopyOnWriteArrayList<>();
      ReactorLoop.delay(test, Duration.ofSeconds(1))
          .doOnNext(tick -> {
            seen.add(user(ReactorLoop.CONTEXT.get()));
            test.callLater(Duration.ofSeconds(1), () -> seen.add("later: " + user(ReactorLoop.CONTEXT.get())));
          })
          .contextWrite(Context.of("user", "alice"))
          .subscribe();
      test.callLater(Duration.ofSeconds(3), () -> seen.add("unrelated: " + user(ReactorLoop.CONTEXT.get())));

      test.advance(Duration.ofSeconds(5));

      assertThat(seen).containsExactly("alice", "later: alice", "unrelated: none");
      assertThat(ReactorLoop.CONTEXT.get().isEmpty()).as("after the emissions").isTrue();
    }
  }

  @Test
  void intervalTicksEachCarryTheirSubscribersContext() {
    try (TestLoop test = TestLoop.create()) {
      List<Object> seen = new CopyOnWriteArrayList<>();
      ReactorLoop.interval(test, Duration.ofSeconds(1)).take(2)
          .doOnNext(tick -> seen.add(tick + " " + user(ReactorLoop.CONTEXT.get())))
          .contextWrite(Context.of("user", "bob"))
          .subscribe();
      ReactorLoop.interval(test, Duration.ofSeconds(1)).take(2)
          .doOnNext(tick -> seen.add(tick + " " + user(ReactorLoop.CONTEXT.get())))
          .contextWrite(Context.of("user", "carol"))
          .subscribe();

      test.advance(Duration.ofSeconds(2));

      assertThat(seen).containsExactly("0 bob", "0 carol", "1 bob", "1 carol");
    }
  }

  @Test
  void aFutureMonoEmitsWithTheSubscriberContext() {
    try (TestLoop test = TestLoop.create()) {
      LoopFuture<String> future = test.createFuture();
      List<Object> seen = new CopyOnWriteArrayList<>();
      ReactorLoop.mono(future)
          .doOnNext(v -> seen.add(v + " for " + user(ReactorLoop.CONTEXT.get())))
          .contextWrite(Context.of("user", "dave"))
          .subscribe();

      future.setResult("result");
      test.runUntilIdle();

      assertThat(seen).containsExactly("result for dave");
    }
  }

  // ------------------------------------------------------------------ connections

  @Test
  void theDataOfASendSeesTheLoopAndTheConnectionInItsContext() throws Exception {
    LoopServer server = ReactorLoop.listen(loop, "127.0.0.1", 0).block(WAIT);
    server.connections().subscribe(c -> c.send(c.receive()).onErrorComplete().subscribe());
    LoopConnection client = ReactorLoop.connect(loop, "127.0.0.1", port(server.address())).block(WAIT);
    CompletableFuture<ContextView> dataContext = new CompletableFuture<>();

    client.send(Mono.deferContextual(ctx -> {
      dataContext.complete(ctx);
      return Mono.just(utf8("hi"));
    })).contextWrite(Context.of("user", "erin")).block(WAIT);

    ContextView ctx = dataContext.get(20, TimeUnit.SECONDS);
    assertThat(ctx.get(EventLoop.class)).isSameAs(loop);
    assertThat(ctx.get(LoopConnection.class)).isSameAs(client);
    assertThat(ctx.<String>get("user")).isEqualTo("erin");
    client.close();
    server.dispose();
  }

  @Test
  void connectionsAreEmittedWithTheSubscribersContextAndTheServer() throws Exception {
    LoopServer server = ReactorLoop.listen(loop, "127.0.0.1", 0).block(WAIT);
    CompletableFuture<List<Object>> seen = new CompletableFuture<>();
    server.connections()
        .doOnNext(c -> {
          ContextView ctx = ReactorLoop.CONTEXT.get();
          seen.complete(List.of(user(ctx), ctx.get(LoopServer.class), ctx.get(EventLoop.class)));
        })
        .contextWrite(Context.of("user", "frank"))
        .subscribe();

    LoopConnection client = ReactorLoop.connect(loop, "127.0.0.1", port(server.address())).block(WAIT);

    assertThat(seen.get(20, TimeUnit.SECONDS)).containsExactly("frank", server, loop);
    client.close();
    server.dispose();
  }

  @Test
  void receiveOnTheServerSideCarriesItsSubscribersContextIntoScheduledCallbacks() throws Exception {
    LoopServer server = ReactorLoop.listen(loop, "127.0.0.1", 0).block(WAIT);
    CompletableFuture<List<Object>> received = new CompletableFuture<>();
    CompletableFuture<Object> scheduled = new CompletableFuture<>();
    server.connections().subscribe(c -> c.receive()
        .doOnNext(b -> {
          ContextView ctx = ReactorLoop.CONTEXT.get();
          received.complete(List.of(utf8(b), user(ctx), ctx.get(LoopConnection.class) == c, ctx.get(EventLoop.class)));
          c.loop().callSoon(() -> scheduled.complete(user(ReactorLoop.CONTEXT.get())));
        })
        .contextWrite(Context.of("user", "heidi"))
        .subscribe());
    LoopConnection client = ReactorLoop.connect(loop, "127.0.0.1", port(server.address())).block(WAIT);

    client.send(Mono.just(utf8("ping"))).block(WAIT);

    assertThat(received.get(20, TimeUnit.SECONDS)).containsExactly("ping", "heidi", true, loop);
    assertThat(scheduled.get(20, TimeUnit.SECONDS)).isEqualTo("heidi");
    assertThat(TestSupport.onLoop(loop, () -> user(ReactorLoop.CONTEXT.get())))
        .as("a callback scheduled from outside any emission").isEqualTo("none");
    client.close();
    server.dispose();
  }

  @Test
  void connectEmitsWithTheSubscriberContext() {
    LoopServer server = ReactorLoop.listen(loop, "127.0.0.1", 0).block(WAIT);
    List<Object> seen = new CopyOnWriteArrayList<>();

    LoopConnection client = ReactorLoop.connect(loop, "127.0.0.1", port(server.address()))
        .doOnNext(c -> seen.add(user(ReactorLoop.CONTEXT.get())))
        .contextWrite(Context.of("user", "ivan"))
        .block(WAIT);

    assertThat(seen).containsExactly("ivan");
    client.close();
    server.dispose();
  }
}
