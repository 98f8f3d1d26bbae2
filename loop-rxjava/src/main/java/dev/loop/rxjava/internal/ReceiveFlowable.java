package dev.loop.rxjava.internal;

import io.reactivex.rxjava3.core.Flowable;
import java.nio.ByteBuffer;
import org.reactivestreams.Subscriber;

/**
 * A connection's {@code receive()}: a hand-written {@link Flowable} because its demand must reach
 * the transport ({@code request(n)} resumes reading, zero demand pauses it), which no {@code
 * Flowable.create} emitter reports. The subscription is the connection's one {@link
 * ReceiveSubscription}.
 */
final class ReceiveFlowable extends Flowable<ByteBuffer> {

  private final ReceiveSubscription subscription;

  ReceiveFlowable(ReceiveSubscription subscription) {
    this.subscription = subscription;
  }

  @Override
  protected void subscribeActual(Subscriber<? super ByteBuffer> s) {
    subscription.subscribe(s);
  }
}
