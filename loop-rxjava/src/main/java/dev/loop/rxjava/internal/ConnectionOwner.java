package dev.loop.rxjava.internal;

/**
 * Whoever must close a {@link ConnectionProtocol} that nobody else has taken yet: a server whose
 * subscriber has not received the connection.
 */
interface ConnectionOwner {

  /**
   * The connection is made and belongs to the owner until handed over. Called on the connection's
   * loop thread.
   *
   * @param connection the connection
   */
  void connectionMade(ConnectionProtocol connection);

  /**
   * The owner no longer needs to track the connection: it was handed over, or it ended. Any thread;
   * may be called twice for one connection.
   *
   * @param connection the connection
   */
  void connectionReleased(ConnectionProtocol connection);
}
