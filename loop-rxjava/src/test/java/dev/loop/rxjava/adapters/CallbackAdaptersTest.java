package dev.loop.rxjava.adapters;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.loop.EventLoop;
import dev.loop.EventLoopGroup;
import dev.loop.rxjava.RxLoop;
import io.reactivex.rxjava3.core.BackpressureStrategy;
import io.reactivex.rxjava3.exceptions.MissingBackpressureException;
import io.reactivex.rxjava3.observers.TestObserver;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Reader, writer and signal registrations as Observable/Flowable, on a loop running on its own
 * thread. A loop iteration polls the selector before running ready callbacks, so once a round trip
 * through the loop has completed after data became readable, a reader still registered would have
 * fired; and {@code removeReader} on the loop thread tells whether a reader was still registered.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CallbackAdaptersTest {

  private EventLoopGroup group;
  private EventLoop loop;
  private Pipe pipe;

  @BeforeEach
  void start() throws IOException {
    group = EventLoopGroup.create(1);
    loop = group.next();
    pipe = Pipe.open();
  }

  @AfterEach
  void stop() throws Exception {
    pipe.sink().close();
    pipe.source().close();
    group.shutdownGracefully().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private <T> T onLoop(Callable<T> work) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    loop.execute(() -> {
      try {
        result.complete(work.call());
      } catch (Throwable t) {
        result.completeExceptionally(t);
      }
    });
    return result.get(20, TimeUnit.SECONDS);
  }

  private void write(String s) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(s.getBytes(US_ASCII));
    while (b.hasRemaining()) {
      pipe.sink().write(b);
    }
  }

  private String readNow() throws IOException {
    ByteBuffer b = ByteBuffer.allocate(256);
    pipe.source().read(b);
    b.flip();
    return US_ASCII.decode(b).toString();
  }

  @Test
  void readableEmitsTheChannelOnTheLoopThreadEachTimeDataArrives() throws Exception {
    Thread loopThread = onLoop(Thread::currentThread);
    List<String> read = new CopyOnWriteArrayList<>();
    List<Thread> threads = new CopyOnWriteArrayList<>();
    TestObserver<Pipe.SourceChannel> to = RxLoop.readable(loop, pipe.source())
        .doOnNext(channel -> {
          threads.add(Thread.currentThread());
          read.add(readNow());
        })
        .test();

    write("one");
    await().until(() -> read.contains("one"));
    write("two");
    await().until(() -> read.contains("two"));

    assertThat(to.values()).containsOnly(pipe.source());
    assertThat(threads).containsOnly(loopThread);
    to.dispose();
  }

  @Test
  void disposingReadableRemovesTheReader() throws Exception {
    List<String> read = new CopyOnWriteArrayList<>();
    TestObserver<Pipe.SourceChannel> to = RxLoop.readable(loop, pipe.source())
        .doOnNext(channel -> read.add(readNow()))
        .test();
    write("first");
    await().until(() -> read.contains("first"));

    to.dispose();
    onLoop(() -> null); // the removal, queued before this, has run
    write("second");
    onLoop(() -> null); // a reader still registered would fire in these iterations
    onLoop(() -> null);

    assertThat(read).containsExactly("first");
    assertThat(onLoop(this::readNow)).as("the data nobody read").isEqualTo("second");
    assertThat(onLoop(() -> loop.removeReader(pipe.source()))).as("a reader is still registered").isFalse();
  }

  @Test
  void readableFlowableAppliesItsBackpressureStrategyAndRemovesTheReaderOnError() throws Exception {
    TestSubscriber<Pipe.SourceChannel> ts = RxLoop.readableFlowable(loop, pipe.source(), BackpressureStrategy.ERROR)
        .test(0);

    write("unrequested");

    ts.awaitDone(20, TimeUnit.SECONDS).assertError(MissingBackpressureException.class);
    onLoop(() -> null);
    assertThat(onLoop(this::readNow)).isEqualTo("unrequested");
    assertThat(onLoop(() -> loop.removeReader(pipe.source()))).as("a reader is still registered").isFalse();
  }

  @Test
  void readableFlowableWithLatestDeliversOnRequest() throws Exception {
    TestSubscriber<Pipe.SourceChannel> ts = RxLoop.readableFlowable(loop, pipe.source(), BackpressureStrategy.LATEST)
        .test(0);
    write("x");
    onLoop(() -> null);
    ts.assertEmpty();

    ts.request(1);

    ts.awaitCount(1).assertValue(pipe.source()).assertNoErrors();
    ts.cancel();
  }

  @Test
  void writableEmitsWhenTheChannelCanBeWritten() throws Exception {
    TestObserver<Pipe.SinkChannel> to = RxLoop.writable(loop, pipe.sink()).firstOrError().test();

    to.awaitDone(20, TimeUnit.SECONDS).assertValue(pipe.sink());
    TestSubscriber<Pipe.SinkChannel> ts = RxLoop.writableFlowable(loop, pipe.sink(), BackpressureStrategy.DROP)
        .take(2).test();
    ts.awaitDone(20, TimeUnit.SECONDS).assertValueCount(2).assertComplete();
  }

  @Test
  void nullArgumentsAreRejectedAtTheCall() {
    assertThatThrownBy(() -> RxLoop.readable(loop, null)).isInstanceOf(NullPointerException.class)
        .hasMessage("channel");
    assertThatThrownBy(() -> RxLoop.readableFlowable(loop, pipe.source(), null))
        .isInstanceOf(NullPointerException.class).hasMessage("strategy");
    assertThatThrownBy(() -> RxLoop.signals(null, "HUP")).isInstanceOf(NullPointerException.class)
        .hasMessage("loop");
    assertThatThrownBy(() -> RxLoop.signalsFlowable(loop, null, BackpressureStrategy.LATEST))
        .isInstanceOf(NullPointerException.class).hasMessage("name");
  }

  // ------------------------------------------------------------------ signals

  /** loop-core's signal handlers are optional per platform: the tests need them to work here. */
  private boolean signalsSupported() {
    try {
      loop.addSignalHandler("USR1", () -> {});
      loop.removeSignalHandler("USR1");
      return true;
    } catch (UnsupportedOperationException e) {
      return false;
    }
  }

  @Test
  void signalsEmitsTheNameEachTimeTheProcessReceivesTheSignal() throws Exception {
    assumeTrue(signalsSupported(), "EventLoop.addSignalHandler is not supported by this loop-core");
    Thread loopThread = onLoop(Thread::currentThread);
    List<Thread> threads = new CopyOnWriteArrayList<>();
    TestObserver<String> to = RxLoop.signals(loop, "USR1").doOnNext(s -> threads.add(Thread.currentThread())).test();

    Process kill = new ProcessBuilder("kill", "-USR1", Long.toString(ProcessHandle.current().pid())).start();
    assertThat(kill.waitFor(20, TimeUnit.SECONDS)).isTrue();

    to.awaitCount(1).assertValue("USR1");
    assertThat(threads).containsOnly(loopThread);
    to.dispose();
  }

  @Test
  void signalsOfAnUnknownSignalFailWithIllegalArgumentException() {
    assumeTrue(signalsSupported(), "EventLoop.addSignalHandler is not supported by this loop-core");

    RxLoop.signals(loop, "NOSUCHSIGNAL").test().assertError(IllegalArgumentException.class);
    RxLoop.signalsFlowable(loop, "NOSUCHSIGNAL", BackpressureStrategy.LATEST).test()
        .assertError(IllegalArgumentException.class);
  }
}
