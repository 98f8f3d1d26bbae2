package dev.loop.samples.rxjava;

import dev.loop.EventLoopGroup;
import dev.loop.rxjava.LoopSchedulers;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.schedulers.Schedulers;
import java.util.concurrent.TimeUnit;

/**
 * RxJava's {@code Schedulers.computation()} and {@code Schedulers.single()} on Loop event loops:
 * the {@code LoopSchedulers} plug-in installed on a group of two loops, a pipeline that sums the
 * squares of 1..1,000,000 in four chunks on {@code computation()} (each chunk says which loop
 * thread ran it), one call on {@code single()}, then the plug-in uninstalled ({@code computation()}
 * is RxJava's own again) and the group shut down. The program ends by itself.
 *
 * <p>Run with {@code mvn -q -pl samples -am install -DskipTests && mvn -q -pl samples exec:java
 * -Dsample=dev.loop.samples.rxjava.RxComputationOnLoops}.
 */
public final class RxComputationOnLoops {

  private static final int N = 1_000_000;
  private static final int CHUNKS = 4;

  private RxComputationOnLoops() {}

  /**
   * Runs the sample.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    EventLoopGroup group = EventLoopGroup.create(2);
    LoopSchedulers.install(group);
    try {
      // Each chunk subscribes on computation(): one worker per chunk, spread over the two loops.
      long total = Flowable.range(0, CHUNKS)
          .concatMapEager(chunk -> Flowable.fromCallable(() -> sumOfSquares(chunk))
              .subscribeOn(Schedulers.computation()))
          .reduce(0L, Long::sum)
          .blockingGet();
      System.out.println("sum of squares of 1.." + N + " = " + total);

      String single = Single.fromCallable(() -> Thread.currentThread().getName())
          .subscribeOn(Schedulers.single())
          .blockingGet();
      System.out.println("single() ran on " + single);
    } finally {
      LoopSchedulers.uninstall();
      group.shutdownGracefully().toCompletableFuture().join();
    }

    String after = Single.fromCallable(() -> Thread.currentThread().getName())
        .subscribeOn(Schedulers.computation())
        .timeout(10, TimeUnit.SECONDS)
        .blockingGet();
    System.out.println("uninstalled: computation() runs on " + after);
    System.out.println("group terminated: " + group.isTerminated());
  }

  /** The sum of the squares of chunk {@code chunk} of 1..N: runs on a computation() worker. */
  private static long sumOfSquares(int chunk) {
    long from = (long) chunk * (N / CHUNKS) + 1;
    long to = from + N / CHUNKS - 1;
    long sum = 0;
    for (long i = from; i <= to; i++) {
      sum += i * i;
    }
    System.out.println("chunk " + chunk + " [" + from + ".." + to + "] = " + sum + " on "
        + Thread.currentThread().getName());
    return sum;
  }
}
