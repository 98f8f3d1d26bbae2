module consumer {
  requires dev.loop.core;
  requires dev.loop.test;
}
