package dev.loop.reactor;

import dev.loop.reactor.internal.KnownLoops;
import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;
import reactor.core.scheduler.NonBlocking;

/**
 * Tells BlockHound that loop threads must not block, and which blocking-looking calls of the loop
 * itself are fine. On the class path {@code BlockHound.install()} finds it by itself ({@code
 * META-INF/services}); on the module path pass it: {@code BlockHound.install(new
 * LoopBlockHoundIntegration())}. (The module cannot declare it with {@code provides}: BlockHound is
 * an optional dependency, and a {@code provides} of a type from an absent module stops the JVM from
 * starting.) BlockHound must be on the class or module path to use this class.
 *
 * <ul>
 *   <li>Non-blocking threads: the {@link NonBlocking} threads of Loop's factories (Reactor's own
 *       integration already marks every {@code NonBlocking} thread), and any thread while it runs a
 *       loop known to the bridge. BlockHound asks its
 *       thread predicate once per thread unless the thread is <em>dynamic</em>; since any ordinary
 *       thread may start or stop running a loop, every thread that is not {@code NonBlocking} is
 *       made dynamic, so the predicate is asked on each of its blocking calls.
 *   <li>Allowed: {@code Thread.onSpinWait()} in the loop's own machinery, which BlockHound counts as
 *       blocking: the brief spin of an iteration before it polls ({@code BaseEventLoop.runOnce}), and
 *       a producer waiting for another to link a new chunk of the inbox ({@code Inbox.offer}). What
 *       {@code runOnce} calls out to, the callbacks ({@code runReady}), the I/O handlers ({@code
 *       SelectorEventLoop.dispatchReady}) and the exception handler ({@code callExceptionHandler}),
 *       is watched again.
 * </ul>
 */
public final class LoopBlockHoundIntegration implements BlockHoundIntegration {

  /** Makes the integration; {@code ServiceLoader} and {@code BlockHound.install(...)} call it. */
  public LoopBlockHoundIntegration() {}

  /**
   * Marks loop threads non-blocking and allows the loop's own poll and spin. Called by BlockHound
   * once, on the thread that installs it.
   *
   * @param builder BlockHound's builder
   */
  @Override
  public void applyTo(BlockHound.Builder builder) {
    builder.nonBlockingThreadPredicate(current -> current.or(KnownLoops::isLoopThread));
    builder.addDynamicThreadPredicate(thread -> !(thread instanceof NonBlocking));
    builder.allowBlockingCallsInside("dev.loop.internal.BaseEventLoop", "runOnce");
    builder.disallowBlockingCallsInside("dev.loop.internal.BaseEventLoop", "runReady");
    builder.disallowBlockingCallsInside("dev.loop.internal.SelectorEventLoop", "dispatchReady");
    builder.disallowBlockingCallsInside("dev.loop.internal.BaseEventLoop", "callExceptionHandler");
    builder.allowBlockingCallsInside("dev.loop.internal.Inbox", "offer");
  }
}
