/**
 * Loop for RxJava 3: the event loop as an RxJava {@code Scheduler}, and callbacks, timers, futures
 * and sockets of the loop as {@code Single}, {@code Maybe}, {@code Completable}, {@code Observable}
 * and {@code Flowable}.
 *
 * <p>Exports {@code dev.loop.rxjava}; the implementation in {@code dev.loop.rxjava.internal} is not
 * exported.
 */
module dev.loop.rxjava {
  requires transitive dev.loop.core;
  requires transitive io.reactivex.rxjava3;
  requires transitive org.reactivestreams;
  requires static transitive org.jspecify;

  exports dev.loop.rxjava;
}
