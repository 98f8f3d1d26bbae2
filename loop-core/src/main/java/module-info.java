/**
 * Loop core: the single-threaded event loop of asyncio for the JVM.
 *
 * <p>Exports the public API in {@code dev.loop} and {@code dev.loop.net}; the implementation in {@code dev.loop.internal}
 * is opened only to Loop's own modules (the virtual-time test loop builds on it).
 */
module dev.loop.core {
  requires static transitive org.jspecify;
  requires jdk.jfr;

  exports dev.loop;
  exports dev.loop.net;
  exports dev.loop.internal to dev.loop.test;
}
