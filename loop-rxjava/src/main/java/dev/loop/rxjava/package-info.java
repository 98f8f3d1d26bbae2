/**
 * The loop as an RxJava 3 {@link io.reactivex.rxjava3.core.Scheduler} ({@link
 * dev.loop.rxjava.LoopScheduler}, and the {@link dev.loop.rxjava.LoopSchedulers} plug-in through
 * {@code RxJavaPlugins}), and {@code RxLoop}'s adapters: futures, timers, callbacks
 * and sockets as RxJava types.
 */
@NullMarked
package dev.loop.rxjava;

import org.jspecify.annotations.NullMarked;
