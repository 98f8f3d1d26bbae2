package dev.loop.rxjava.internal;

import dev.loop.EventLoop;
import io.reactivex.rxjava3.core.BackpressureStrategy;
import io.reactivex.rxjava3.core.Emitter;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Observable;
import io.reactivex.rxjava3.functions.Cancellable;
import java.nio.channels.SelectableChannel;

/**
 * Loop callback registrations (readers, writers, signal handlers) as {@code Observable}s and
 * {@code Flowable}s: subscribing registers a callback that emits, disposing unregisters it.
 *
 * <p>The callbacks run on the loop thread only, so emissions are serial without help. If disposal
 * races with a callback already running, that callback's emission reaches a disposed emitter and
 * is dropped.
 */
public final class AdapterCallbacks {

  private AdapterCallbacks() {}

  /** Registers a callback that emits, and returns what unregisters it. */
  @FunctionalInterface
  private interface Registration<T> {
    Cancellable register(Emitter<T> emitter) throws Throwable;
  }

  private static <T> Observable<T> observable(Registration<T> registration) {
    return Observable.create(emitter -> emitter.setCancellable(registration.register(emitter)));
  }

  private static <T> Flowable<T> flowable(Registration<T> registration, BackpressureStrategy strategy) {
    return Flowable.create(emitter -> emitter.setCancellable(registration.register(emitter)), strategy);
  }

  private static <C extends SelectableChannel> Registration<C> reader(
      EventLoop loop, C channel, boolean read) {
    return emitter -> {
      Runnable callback = () -> emitter.onNext(channel);
      if (read) {
        loop.addReader(channel, callback);
      } else {
        loop.addWriter(channel, callback);
      }
      return () -> {
        if (!loop.isClosed()) { // a closed loop has dropped its registrations already
          if (read) {
            loop.removeReader(channel);
          } else {
            loop.removeWriter(channel);
          }
        }
      };
    };
  }

  private static Registration<String> signal(EventLoop loop, String name) {
    return emitter -> {
      loop.addSignalHandler(name, () -> emitter.onNext(name));
      return () -> {
        if (!loop.isClosed()) { // closing the loop restores the JVM's handler already
          loop.removeSignalHandler(name);
        }
      };
    };
  }

  /**
   * Readiness of {@code channel} for reading ({@code read}) or writing.
   *
   * @param loop the loop
   * @param channel the channel
   * @param read true for readers, false for writers
   * @param <C> the channel type
   * @return emits the channel each time it is ready
   */
  public static <C extends SelectableChannel> Observable<C> ready(EventLoop loop, C channel, boolean read) {
    return observable(reader(loop, channel, read));
  }

  /**
   * As {@link #ready(EventLoop, SelectableChannel, boolean)}, as a {@code Flowable}.
   *
   * @param loop the loop
   * @param channel the channel
   * @param read true for readers, false for writers
   * @param strategy what to do with readiness events nobody requested
   * @param <C> the channel type
   * @return emits the channel each time it is ready
   */
  public static <C extends SelectableChannel> Flowable<C> readyFlowable(
      EventLoop loop, C channel, boolean read, BackpressureStrategy strategy) {
    return flowable(reader(loop, channel, read), strategy);
  }

  /**
   * Deliveries of the signal {@code name}.
   *
   * @param loop the loop
   * @param name the signal
   * @return emits {@code name} each time the signal arrives
   */
  public static Observable<String> signals(EventLoop loop, String name) {
    return observable(signal(loop, name));
  }

  /**
   * As {@link #signals(EventLoop, String)}, as a {@code Flowable}.
   *
   * @param loop the loop
   * @param name the signal
   * @param strategy what to do with signals nobody requested
   * @return emits {@code name} each time the signal arrives
   */
  public static Flowable<String> signalsFlowable(EventLoop loop, String name, BackpressureStrategy strategy) {
    return flowable(signal(loop, name), strategy);
  }
}
