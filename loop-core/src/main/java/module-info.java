/**
 * Loop core: the single-threaded event loop of asyncio for the JVM.
 *
 * <p>Exports the public API in {@code dev.loop}, {@code dev.loop.net} and {@code dev.loop.process}; the implementation in {@code dev.loop.internal}
 * is opened only to Loop's own modules (the virtual-time test loop builds on it).
 */
module dev.loop.core {
  requires static transitive org.jspecify;
  requires jdk.jfr;
  requires jdk.unsupported; // sun.misc.Signal, for addSignalHandler

  exports dev.loop;
  exports dev.loop.net;
  exports dev.loop.process;
  exports dev.loop.internal to dev.loop.test;
}
