/**
 * The loop as a Project Reactor {@link reactor.core.scheduler.Scheduler} ({@link
 * dev.loop.reactor.LoopScheduler}, and the {@link dev.loop.reactor.LoopSchedulers} plug-in behind
 * {@code Schedulers.single()}/{@code parallel()}), and {@link dev.loop.reactor.ReactorLoop}'s
 * adapters: futures, timers, callbacks and sockets as {@code Mono} and {@code Flux}.
 */
@NullMarked
package dev.loop.reactor;

import org.jspecify.annotations.NullMarked;
