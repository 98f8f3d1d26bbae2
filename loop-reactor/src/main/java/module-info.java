/**
 * Loop for Project Reactor: the event loop as a Reactor {@code Scheduler}, and callbacks, timers,
 * futures and sockets of the loop as {@code Mono} and {@code Flux}.
 *
 * <p>Exports {@code dev.loop.reactor}; the implementation in {@code dev.loop.reactor.internal} is
 * not exported. BlockHound is optional: when it is present, {@code
 * LoopBlockHoundIntegration} marks loop threads as non-blocking (found by itself on the class path;
 * on the module path, pass it to {@code BlockHound.install}).
 */
module dev.loop.reactor {
  requires transitive dev.loop.core;
  requires transitive reactor.core;
  requires transitive org.reactivestreams;
  requires static transitive org.jspecify;
  requires static reactor.blockhound;

  exports dev.loop.reactor;
}
