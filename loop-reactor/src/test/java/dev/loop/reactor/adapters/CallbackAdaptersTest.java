package dev.loop.reactor.adapters;

import static dev.loop.reactor.adapters.TestSupport.onLoop;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.loop.EventLoop;
import dev.loop.EventLoopGroup;
import dev.loop.reactor.ReactorLoop;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectableChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.test.StepVerifier;

/** Loop callbacks as {@code Flux}: channel readiness ({@code readable}) and signals. */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CallbackAdaptersTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  private final EventLoopGroup group = EventLoopGroup.create(1);
  private final EventLoop loop = group.next();

  @AfterEach
  void shutDown() {
    group.close();
  }

  private static String readAll(SelectableChannel channel) {
    ByteBuffer buffer = ByteBuffer.allocate(1024);
    try {
      ((Pipe.SourceChannel) channel).read(buffer);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    buffer.flip();
    return StandardCharsets.UTF_8.decode(buffer).toString();
  }

  private static void write(Pipe pipe, String s) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    while (b.hasRemaining()) {
      pipe.sink().write(b);
    }
  }

  /** Tells whether the loop has a reader for the channel (removing it when it had one). */
  private boolean readerRegistered(Pipe pipe) throws Exception {
    return onLoop(loop, () -> loop.removeReader(pipe.source()));
  }

  // ------------------------------------------------------------------ readable

  @Test
  void readableEmitsTheChannelEachTimeItCanBeReadOnTheLoopThread() throws Exception {
    Pipe pipe = Pipe.open();
    List<String> read = new CopyOnWriteArrayList<>();
    List<Boolean> onLoopThread = new CopyOnWriteArrayList<>();
    Disposable subscription = ReactorLoop.readable(loop, pipe.source())
        .subscribe(channel -> {
          onLoopThread.add(loop.inEventLoop());
          read.add(readAll(channel));
        });
    try {
      write(pipe, "first");
      await().atMost(WAIT).until(() -> read.contains("first"));
      write(pipe, "second");
      await().atMost(WAIT).until(() -> read.contains("second"));

      assertThat(read).containsExactly("first", "second");
      assertThat(onLoopThread).containsOnly(true);
    } finally {
      subscription.dispose();
      pipe.sink().close();
      pipe.source().close();
    }
  }

  @Test
  void cancellingReadableRemovesTheReader() throws Exception {
    Pipe pipe = Pipe.open();
    List<String> read = new CopyOnWriteArrayList<>();
    Disposable subscription = ReactorLoop.readable(loop, pipe.source()).subscribe(ch -> read.add(readAll(ch)));
    write(pipe, "x");
    await().atMost(WAIT).until(() -> read.size() == 1);

    subscription.dispose();

    await().atMost(WAIT).until(() -> !readerRegistered(pipe));
    write(pipe, "y");
    onLoop(loop, () -> null);
    assertThat(read).containsExactly("x");
    pipe.sink().close();
    pipe.source().close();
  }

  @Test
  void withoutDemandTheReaderIsRemovedAndTheNextRequestAddsItBack() throws Exception {
    Pipe pipe = Pipe.open();
    List<SelectableChannel> emitted = new CopyOnWriteArrayList<>();
    BaseSubscriber<SelectableChannel> oneAtATime = new BaseSubscriber<>() {
      @Override
      protected void hookOnSubscribe(org.reactivestreams.Subscription subscription) {
        request(1);
      }

      @Override
      protected void hookOnNext(SelectableChannel value) {
        emitted.add(value); // reads nothing: the readiness stays
      }
    };
    ReactorLoop.readable(loop, pipe.source()).subscribe(oneAtATime);
    write(pipe, "unread");
    await().atMost(WAIT).until(() -> emitted.size() == 1);

    // demand used up: no reader, so the unread bytes do not make the loop spin
    await().atMost(WAIT).until(() -> !readerRegistered(pipe));
    assertThat(emitted).hasSize(1);

    oneAtATime.request(1);
    await().atMost(WAIT).until(() -> emitted.size() == 2);
    assertThat(emitted).containsOnly(pipe.source());
    oneAtATime.dispose();
    pipe.sink().close();
    pipe.source().close();
  }

  @Test
  void readableFailsForAChannelThatIsNotSelectableThere() throws Exception {
    Pipe pipe = Pipe.open();
    pipe.source().close();

    StepVerifier.create(ReactorLoop.readable(loop, pipe.source()))
        .expectError()
        .verify(WAIT);
    pipe.sink().close();
  }

  @Test
  void callbackArgumentsAreCheckedAtTheCall() {
    assertThatThrownBy(() -> ReactorLoop.readable(loop, null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("channel");
    assertThatThrownBy(() -> ReactorLoop.signals(loop, null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("name");
  }

  // ------------------------------------------------------------------ signals

  @Test
  void signalsEmitTheSignalNameAndCancellingRemovesTheHandler() throws Exception {
    try {
      loop.addSignalHandler("USR1", () -> { });
      loop.removeSignalHandler("USR1");
    } catch (UnsupportedOperationException notBuilt) {
      Assumptions.abort("the loop's signal support is not available in this build: " + notBuilt.getMessage());
    }
    long pid = ProcessHandle.current().pid();
    List<String> received = new CopyOnWriteArrayList<>();
    List<Boolean> onLoopThread = new CopyOnWriteArrayList<>();
    Disposable subscription = ReactorLoop.signals(loop, "USR1").subscribe(name -> {
      onLoopThread.add(loop.inEventLoop());
      received.add(name);
    });
    onLoop(loop, () -> null); // the handler is registered once the subscription ran

    Process kill = new ProcessBuilder("kill", "-USR1", Long.toString(pid)).start();
    assertThat(kill.waitFor(20, TimeUnit.SECONDS)).isTrue();
    await().atMost(WAIT).until(() -> !received.isEmpty());

    assertThat(received).containsExactly("USR1");
    assertThat(onLoopThread).containsExactly(true);
    subscription.dispose();
    assertThat(onLoop(loop, () -> loop.removeSignalHandler("USR1"))).as("handler left behind").isFalse();
  }
}
