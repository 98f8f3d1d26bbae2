module consumer {
  requires dev.loop.core;
  requires dev.loop.test;
  requires dev.loop.reactor;
  requires dev.loop.rxjava;
}
