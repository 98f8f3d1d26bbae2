/**
 * Loop test: a virtual-time event loop (asyncio's {@code test_utils.TestLoop}, made public), so that
 * timer logic of any length is tested instantly and deterministically.
 */
module dev.loop.test {
  requires transitive dev.loop.core;
  requires static transitive org.jspecify;

  exports dev.loop.test;
}
