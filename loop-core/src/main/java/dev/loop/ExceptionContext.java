package dev.loop;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What went wrong, for an {@link ExceptionHandler}: asyncio's exception-handler context dict.
 *
 * <p>Only {@code message} is always present; the other components are null when they do not apply.
 * Build one with {@link #of(String, Throwable)} and the {@code with*} methods.
 *
 * @param message a one-line description of what failed
 * @param exception the exception, if any (asyncio key {@code exception})
 * @param handle the handle whose callback failed (asyncio key {@code handle})
 * @param future the future or task concerned (asyncio keys {@code future}, {@code task})
 * @param transport the transport concerned (asyncio key {@code transport})
 * @param protocol the protocol concerned (asyncio key {@code protocol})
 * @param socket the socket or channel concerned (asyncio key {@code socket})
 */
public record ExceptionContext(
    String message,
    @Nullable Throwable exception,
    @Nullable Handle handle,
    @Nullable LoopFuture<?> future,
    @Nullable Object transport,
    @Nullable Object protocol,
    @Nullable Object socket) {

  /**
   * Checks that the message is present.
   *
   * @param message a one-line description of what failed
   * @param exception the exception, if any
   * @param handle the handle whose callback failed, if any
   * @param future the future or task concerned, if any
   * @param transport the transport concerned, if any
   * @param protocol the protocol concerned, if any
   * @param socket the socket or channel concerned, if any
   * @throws NullPointerException if {@code message} is null
   */
  public ExceptionContext {
    Objects.requireNonNull(message, "message");
  }

  /**
   * A context with a message and an optional exception.
   *
   * @param message what failed
   * @param exception the exception, or null
   * @return the new context
   * @throws NullPointerException if {@code message} is null
   */
  public static ExceptionContext of(String message, @Nullable Throwable exception) {
    return new ExceptionContext(message, exception, null, null, null, null, null);
  }

  /**
   * This context with the handle set.
   *
   * @param handle the handle concerned, or null
   * @return a copy with {@code handle} replaced
   */
  public ExceptionContext withHandle(@Nullable Handle handle) {
    return new ExceptionContext(message, exception, handle, future, transport, protocol, socket);
  }

  /**
   * This context with the future set.
   *
   * @param future the future or task concerned, or null
   * @return a copy with {@code future} replaced
   */
  public ExceptionContext withFuture(@Nullable LoopFuture<?> future) {
    return new ExceptionContext(message, exception, handle, future, transport, protocol, socket);
  }

  /**
   * This context with the transport set.
   *
   * @param transport the transport concerned, or null
   * @return a copy with {@code transport} replaced
   */
  public ExceptionContext withTransport(@Nullable Object transport) {
    return new ExceptionContext(message, exception, handle, future, transport, protocol, socket);
  }

  /**
   * This context with the protocol set.
   *
   * @param protocol the protocol concerned, or null
   * @return a copy with {@code protocol} replaced
   */
  public ExceptionContext withProtocol(@Nullable Object protocol) {
    return new ExceptionContext(message, exception, handle, future, transport, protocol, socket);
  }

  /**
   * This context with the socket set.
   *
   * @param socket the socket or channel concerned, or null
   * @return a copy with {@code socket} replaced
   */
  public ExceptionContext withSocket(@Nullable Object socket) {
    return new ExceptionContext(message, exception, handle, future, transport, protocol, socket);
  }
}
