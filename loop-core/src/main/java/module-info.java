/**
 * Loop core: the single-threaded event loop of asyncio for the JVM.
 *
 * <p>Exports the public API in {@code dev.loop}; the implementation in {@code dev.loop.internal}
 * is opened only to Loop's own modules (the virtual-time test loop builds on it).
 */
module dev.loop.core {
  requires static org.jspecify;
  requires jdk.jfr;

  exports dev.loop;
  exports dev.loop.internal to dev.loop.test;
}
