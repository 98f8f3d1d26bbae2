package dev.loop.reactor.internal;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;
import reactor.core.scheduler.NonBlocking;

/**
 * Tells BlockHound that loop threads must not block, and which blocking-looking calls of the loop
 * itself are fine. Found by {@code BlockHound.install()} through {@code ServiceLoader} (the module's
 * {@code provides}, or {@code META-INF/services} on the class path).
 *
 * <ul>
 *   <li>Non-blocking threads: the {@link NonBlocking} threads of Loop's factories (Reactor's own
 *       integration already marks every {@code NonBlocking} thread), and any thread while it runs a
 *       loop known to the bridge ({@link KnownLoops#isLoopThread(Thread)}). BlockHound asks its
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

  /** For {@code ServiceLoader}. */
  public LoopBlockHoundIntegration() {}

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
