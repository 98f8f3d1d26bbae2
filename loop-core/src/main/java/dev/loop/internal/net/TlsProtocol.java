package dev.loop.internal.net;

import dev.loop.EventLoop;
import dev.loop.ExceptionContext;
import dev.loop.TimerHandle;
import dev.loop.internal.BaseEventLoop;
import dev.loop.internal.DefaultLoopFuture;
import dev.loop.net.BufferedProtocol;
import dev.loop.net.Protocol;
import dev.loop.net.Transport;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.jspecify.annotations.Nullable;

/**
 * The protocol a raw (plain) transport delivers to when the connection speaks TLS: asyncio's
 * {@code SSLProtocol}, on a {@link SSLEngine}.
 *
 * <p>It reads ciphertext from the raw transport (straight into its own network buffer when the raw
 * transport uses the {@link BufferedProtocol} path), unwraps it into its application buffer and
 * hands the plaintext to the application protocol; {@link TlsTransport#write} wraps plaintext into
 * its own network buffer and writes the records to the raw transport. The three buffers are
 * allocated once per connection (and grown only if the session asks for larger records): the steady
 * state allocates nothing per record.
 *
 * <p>Life cycle: on the raw {@code connectionMade} the handshake starts and the handshake timer is
 * armed. When the handshake is done the application protocol gets {@code connectionMade} with the
 * {@link TlsTransport}, and the handshake future completes with it. A failed handshake (for
 * instance an untrusted certificate) fails the future with the engine's {@link
 * SSLHandshakeException}, a timeout with a {@link TimeoutException}; both abort the raw transport,
 * and the application protocol never hears of the connection. A close_notify or a plain EOF from
 * the peer gives the application {@code eofReceived()} (its return value has no effect: TLS cannot
 * be half-closed), then this end answers with its own close_notify and closes. {@code
 * connectionLost} reaches the application exactly once, when the raw transport is lost.
 *
 * <p>Delegated tasks ({@link SSLEngine#getDelegatedTask()}: certificate validation, key exchange)
 * run inline on the loop thread: they take well under a millisecond to a few milliseconds, which is
 * cheaper than a round trip through an executor, and keep the engine single-threaded.
 *
 * <p>Loop thread only.
 */
public final class TlsProtocol implements BufferedProtocol {

  private static final System.Logger LOG = System.getLogger(TlsProtocol.class.getName());

  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0).asReadOnlyBuffer();

  /** Where the connection is: the states of asyncio's {@code SSLProtocolState}, simplified. */
  private enum State {
    /** Before the raw connectionMade. */
    NEW,
    /** Handshaking. */
    HANDSHAKE,
    /** Handshake done: application data flows. */
    WRAPPED,
    /** Closing: close_notify sent (or the connection aborted); nothing more reaches the app but connectionLost. */
    SHUTDOWN,
    /** The raw transport is lost. */
    CLOSED
  }

  private final BaseEventLoop loop;
  private final SSLContext context;
  private final SSLEngine engine;
  private final boolean serverSide;
  private final Duration handshakeTimeout;
  private final Duration shutdownTimeout;
  private final DefaultLoopFuture<Transport> handshakeDone;
  private final TlsTransport tlsTransport;

  private Protocol app;
  private @Nullable Transport raw;
  private State state = State.NEW;

  /** Ciphertext from the peer, in write mode (data from 0 to position). */
  private ByteBuffer netIn;
  /** Plaintext unwrapped, in write mode, delivered to the app after each unwrap. */
  private ByteBuffer appIn;
  /** Ciphertext to send, in write mode; always flushed to the raw transport before returning. */
  private ByteBuffer netOut;

  /** Plaintext the engine could not take yet (a renegotiation in progress): rare. */
  private final ArrayDeque<ByteBuffer> pendingWrites = new ArrayDeque<>(0);

  private boolean appConnected;
  private boolean appLost;
  private boolean eofDelivered;
  private boolean eofPending;
  private boolean appReadingPaused;
  private boolean rawWritingPaused;
  private boolean appToldPaused;
  private boolean inPump;
  private boolean pumpAgain;
  private boolean resumeScheduled;
  private @Nullable Throwable fatalError;
  private @Nullable TimerHandle handshakeTimer;
  private @Nullable TimerHandle shutdownTimer;

  /**
   * A TLS adapter for one connection; nothing happens until the raw {@link #connectionMade}.
   *
   * @param loop the loop
   * @param app the application protocol
   * @param context the TLS context
   * @param serverSide whether this end is the TLS server
   * @param serverHostname the client's name for the server (SNI and HTTPS-style endpoint
   *     identification), or null for neither
   * @param peerHost the peer's host, a hint for session resumption, or null
   * @param peerPort the peer's port, or -1
   * @param handshakeTimeout the most the handshake may take
   * @param shutdownTimeout the most closing may take before the raw transport is aborted
   * @param handshakeDone completed with the TLS transport once the handshake is done
   */
  public TlsProtocol(BaseEventLoop loop, Protocol app, SSLContext context, boolean serverSide,
      @Nullable String serverHostname, @Nullable String peerHost, int peerPort,
      Duration handshakeTimeout, Duration shutdownTimeout, DefaultLoopFuture<Transport> handshakeDone) {
    this.loop = Objects.requireNonNull(loop, "loop");
    this.app = Objects.requireNonNull(app, "app");
    this.context = Objects.requireNonNull(context, "context");
    this.serverSide = serverSide;
    this.handshakeTimeout = Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
    this.shutdownTimeout = Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
    this.handshakeDone = Objects.requireNonNull(handshakeDone, "handshakeDone");
    this.tlsTransport = new TlsTransport(this);
    this.engine = newEngine(context, serverSide, serverHostname, peerHost, peerPort);
    SSLSession session = engine.getSession();
    int packetSize = session.getPacketBufferSize();
    this.netIn = ByteBuffer.allocate(packetSize * 2);
    this.appIn = ByteBuffer.allocate(session.getApplicationBufferSize());
    this.netOut = ByteBuffer.allocate(packetSize * 2);
  }

  private static SSLEngine newEngine(SSLContext context, boolean serverSide,
      @Nullable String serverHostname, @Nullable String peerHost, int peerPort) {
    // The client names the server it means: the session cache and the trust manager's endpoint
    // identification read the engine's peer host.
    String host = !serverSide && serverHostname != null ? serverHostname : peerHost;
    SSLEngine engine = host != null ? context.createSSLEngine(host, peerPort) : context.createSSLEngine();
    engine.setUseClientMode(!serverSide);
    if (!serverSide && serverHostname != null) {
      SSLParameters parameters = engine.getSSLParameters();
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      if (!isIpLiteral(serverHostname)) {
        try {
          parameters.setServerNames(List.of(new SNIHostName(serverHostname)));
        } catch (IllegalArgumentException notAHostName) {
          // Not a valid SNI name (RFC 6066 allows DNS names only): verify without sending SNI.
        }
      }
      engine.setSSLParameters(parameters);
    }
    return engine;
  }

  private static boolean isIpLiteral(String host) {
    if (host.indexOf(':') >= 0) {
      return true; // IPv6
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (c != '.' && (c < '0' || c > '9')) {
        return false;
      }
    }
    return true;
  }

  // ------------------------------------------------------------------ accessors for TlsTransport

  EventLoop loop() {
    return loop;
  }

  Transport raw() {
    Transport t = raw;
    if (t == null) {
      throw new IllegalStateException("the TLS connection is not made yet");
    }
    return t;
  }

  Protocol app() {
    return app;
  }

  void setApp(Protocol protocol) {
    this.app = protocol;
  }

  /**
   * The application-side transport (usable once the handshake is done).
   *
   * @return the TLS transport
   */
  public TlsTransport transport() {
    return tlsTransport;
  }

  boolean isClosing() {
    return state != State.WRAPPED;
  }

  boolean isAppReading() {
    Transport t = raw;
    return state == State.WRAPPED && !appReadingPaused && t != null && t.isReading();
  }

  long writeBufferSize() {
    long size = raw == null ? 0 : raw.getWriteBufferSize();
    for (ByteBuffer b : pendingWrites) {
      size += b.remaining();
    }
    return size;
  }

  @Nullable Object extraInfo(String name) {
    switch (name) {
      case "sslcontext":
        return context;
      case "sslsession":
        return appConnected ? engine.getSession() : null;
      case "peercert":
        if (!appConnected) {
          return null;
        }
        try {
          Certificate[] chain = engine.getSession().getPeerCertificates();
          return chain.length == 0 ? null : chain[0];
        } catch (SSLPeerUnverifiedException none) {
          return null; // the peer sent no certificate (a client without client authentication)
        }
      case "cipher":
        return appConnected ? engine.getSession().getCipherSuite() : null;
      default:
        Transport t = raw;
        return t == null ? null : t.getExtraInfo(name);
    }
  }

  // ------------------------------------------------------------------ raw protocol callbacks

  /**
   * The raw connection is made: starts the handshake and arms the handshake timer.
   *
   * @param transport the raw transport
   */
  @Override
  public void connectionMade(Transport transport) {
    Objects.requireNonNull(transport, "transport");
    if (state != State.NEW) {
      throw new IllegalStateException("connectionMade called twice on " + this);
    }
    raw = transport;
    state = State.HANDSHAKE;
    if (handshakeDone.isDone()) { // cancelled before the connection was even made
      state = State.SHUTDOWN;
      transport.abort();
      return;
    }
    handshakeTimer = loop.callLater(handshakeTimeout, this::onHandshakeTimeout);
    handshakeDone.addDoneCallback(f -> {
      if (f.isCancelled() && state == State.HANDSHAKE) {
        state = State.SHUTDOWN;
        cancelTimers();
        raw().abort();
      }
    });
    try {
      engine.beginHandshake();
    } catch (SSLException | RuntimeException e) {
      handshakeFailed(e);
      return;
    }
    pump();
  }

  /**
   * A buffer for the raw transport to read ciphertext into: the free end of the network buffer.
   *
   * @param sizeHint how much the transport would like to read
   * @return the network input buffer, positioned after the data already in it
   */
  @Override
  public ByteBuffer getBuffer(int sizeHint) {
    int want = Math.max(1, Math.min(sizeHint, engine.getSession().getPacketBufferSize()));
    if (netIn.remaining() < want) {
      netIn = grow(netIn, netIn.position() + Math.max(want, netIn.capacity()));
    }
    return netIn;
  }

  /**
   * The raw transport read {@code nbytes} bytes of ciphertext into the network buffer.
   *
   * @param nbytes how many
   */
  @Override
  public void bufferUpdated(int nbytes) {
    pump();
  }

  /**
   * Ciphertext from a raw transport that does not use the buffered read path: copied into the
   * network buffer.
   *
   * @param data the bytes
   */
  @Override
  public void dataReceived(ByteBuffer data) {
    if (state == State.NEW || state == State.CLOSED) {
      data.position(data.limit());
      return;
    }
    if (netIn.remaining() < data.remaining()) {
      netIn = grow(netIn, netIn.position() + data.remaining());
    }
    netIn.put(data);
    pump();
  }

  /**
   * The peer shut down its side of the raw connection. During the handshake this fails it; after,
   * the application gets its {@code eofReceived()} once the data before the EOF is delivered, and
   * this end closes.
   *
   * @return whether to keep the raw transport open (only while the application paused reading
   *     and decrypted data still waits)
   */
  @Override
  public boolean eofReceived() {
    switch (state) {
      case HANDSHAKE:
        handshakeFailed(new SSLHandshakeException(
            "the peer closed the connection during the TLS handshake"));
        return false;
      case WRAPPED:
        eofPending = true;
        pump();
        return state == State.WRAPPED; // still delivering: the app paused reading
      default:
        return false;
    }
  }

  /**
   * The raw connection is lost: the application's {@code connectionLost} (if it was told of the
   * connection), or a failed handshake future.
   *
   * @param cause the error, or null
   */
  @Override
  public void connectionLost(@Nullable Throwable cause) {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    cancelTimers();
    pendingWrites.clear();
    engine.closeOutbound();
    try {
      engine.closeInbound();
    } catch (SSLException truncated) {
      // No close_notify from the peer: nothing to do, the connection is gone.
    }
    if (!appConnected) {
      if (!handshakeDone.isDone()) {
        SSLHandshakeException e = new SSLHandshakeException(
            "the connection was lost during the TLS handshake");
        if (cause != null) {
          e.initCause(cause);
        }
        handshakeDone.setException(e);
      }
      return;
    }
    if (!appLost) {
      appLost = true;
      Throwable reason = fatalError != null ? fatalError : cause;
      try {
        app.connectionLost(reason);
      } catch (Throwable t) {
        reportAppError("connectionLost", t);
      }
    }
  }

  /** The raw transport's buffer went over its high water mark: tells the application. */
  @Override
  public void pauseWriting() {
    rawWritingPaused = true;
    if (appConnected && !appLost && !appToldPaused && state != State.CLOSED) {
      appToldPaused = true;
      try {
        app.pauseWriting();
      } catch (Throwable t) {
        appFailed("pauseWriting", t);
      }
    }
  }

  /** The raw transport's buffer drained to its low water mark: tells the application. */
  @Override
  public void resumeWriting() {
    rawWritingPaused = false;
    if (appToldPaused && !appLost) {
      appToldPaused = false;
      try {
        app.resumeWriting();
      } catch (Throwable t) {
        appFailed("resumeWriting", t);
      }
    }
  }

  // ------------------------------------------------------------------ the engine pump

  /** Runs the engine as far as the input allows: handshake steps, unwraps, deliveries. */
  private void pump() {
    if (inPump) {
      pumpAgain = true;
      return;
    }
    inPump = true;
    try {
      do {
        pumpAgain = false;
        pumpOnce();
      } while (pumpAgain && (state == State.HANDSHAKE || state == State.WRAPPED));
      if (eofPending && state == State.WRAPPED && !appReadingPaused) {
        eofPending = false;
        deliverEof();
        if (state == State.WRAPPED) {
          shutdown();
        }
      }
    } catch (SSLException | RuntimeException e) {
      sslFailure(e);
    } finally {
      inPump = false;
    }
  }

  private void pumpOnce() throws SSLException {
    for (;;) {
      if (state != State.HANDSHAKE && state != State.WRAPPED) {
        return;
      }
      HandshakeStatus hs = engine.getHandshakeStatus();
      if (hs == HandshakeStatus.NEED_TASK) {
        runDelegatedTasks();
        continue;
      }
      if (hs == HandshakeStatus.NEED_WRAP) {
        wrapHandshake();
        continue;
      }
      if (state == State.HANDSHAKE && hs == HandshakeStatus.NOT_HANDSHAKING) {
        handshakeComplete(); // the FINISHED status was reported where we did not look
        continue;
      }
      if (state == State.WRAPPED && !pendingWrites.isEmpty() && hs == HandshakeStatus.NOT_HANDSHAKING) {
        flushPendingWrites();
        if (state != State.WRAPPED) {
          return;
        }
      }
      if (state == State.WRAPPED && appReadingPaused) {
        return;
      }
      if (netIn.position() == 0) {
        return;
      }
      netIn.flip();
      SSLEngineResult result;
      try {
        result = engine.unwrap(netIn, appIn);
      } finally {
        netIn.compact();
      }
      switch (result.getStatus()) {
        case BUFFER_UNDERFLOW:
          int packetSize = engine.getSession().getPacketBufferSize();
          if (netIn.capacity() < packetSize) {
            netIn = grow(netIn, packetSize);
          }
          return; // a partial record: wait for more
        case BUFFER_OVERFLOW:
          if (appIn.position() > 0 && state == State.WRAPPED) {
            deliverAppData();
          } else {
            appIn = grow(appIn, appIn.position() + engine.getSession().getApplicationBufferSize());
          }
          continue;
        case CLOSED:
          // The peer's close_notify.
          if (state == State.HANDSHAKE) {
            throw new SSLHandshakeException("the peer closed the TLS session during the handshake");
          }
          deliverAppData();
          eofPending = false;
          deliverEof();
          if (state == State.WRAPPED) {
            shutdown();
          }
          return;
        case OK:
        default:
          if (result.getHandshakeStatus() == HandshakeStatus.FINISHED && state == State.HANDSHAKE) {
            handshakeComplete();
          }
          deliverAppData();
          continue;
      }
    }
  }

  private void runDelegatedTasks() {
    // Inline on the loop thread, by design (see the class comment).
    Runnable task;
    while ((task = engine.getDelegatedTask()) != null) {
      task.run();
    }
  }

  /** One wrap of handshake (or post-handshake) messages, sent at once. */
  private void wrapHandshake() throws SSLException {
    SSLEngineResult result = engine.wrap(EMPTY, netOut);
    switch (result.getStatus()) {
      case BUFFER_OVERFLOW:
        if (netOut.position() > 0) {
          flushNetOut();
        } else {
          netOut = grow(netOut, engine.getSession().getPacketBufferSize());
        }
        return;
      case CLOSED:
        flushNetOut();
        if (state == State.HANDSHAKE) {
          throw new SSLHandshakeException("the TLS engine closed during the handshake");
        }
        // The engine answered a close_notify: treat as the peer's close.
        deliverEof();
        if (state == State.WRAPPED) {
          shutdown();
        }
        return;
      case OK:
      default:
        flushNetOut();
        if (result.getHandshakeStatus() == HandshakeStatus.FINISHED && state == State.HANDSHAKE) {
          handshakeComplete();
        }
    }
  }

  private void handshakeComplete() {
    state = State.WRAPPED;
    cancelHandshakeTimer();
    appConnected = true;
    try {
      app.connectionMade(tlsTransport);
    } catch (Throwable t) {
      if (!handshakeDone.isDone()) {
        handshakeDone.setException(t);
      }
      appFailed("connectionMade", t);
      return;
    }
    if (rawWritingPaused && !appToldPaused && state == State.WRAPPED) {
      pauseWriting();
    }
    if (!handshakeDone.isDone()) {
      handshakeDone.complete(tlsTransport);
    }
    deliverAppData(); // application data that came with the last handshake records
  }

  private void deliverAppData() {
    if (appIn.position() == 0) {
      return;
    }
    if (state != State.WRAPPED || !appConnected) {
      if (state != State.HANDSHAKE) {
        appIn.clear(); // closing: nothing more reaches the application
      }
      return; // still handshaking: keep it for after connectionMade
    }
    appIn.flip();
    try {
      Protocol p = app;
      if (p instanceof BufferedProtocol buffered) {
        feed(buffered, appIn);
      } else {
        p.dataReceived(appIn);
      }
    } catch (Throwable t) {
      appIn.clear();
      appFailed("dataReceived", t);
      return;
    }
    appIn.clear();
  }

  private static void feed(BufferedProtocol p, ByteBuffer data) {
    while (data.hasRemaining()) {
      ByteBuffer target = p.getBuffer(data.remaining());
      int n = Math.min(target.remaining(), data.remaining());
      if (n <= 0) {
        throw new IllegalStateException("getBuffer returned a buffer with no room: " + target);
      }
      int limit = data.limit();
      data.limit(data.position() + n);
      target.put(data);
      data.limit(limit);
      p.bufferUpdated(n);
    }
  }

  private void deliverEof() {
    if (eofDelivered || !appConnected || appLost || state != State.WRAPPED) {
      return;
    }
    eofDelivered = true;
    try {
      if (app.eofReceived()) {
        LOG.log(Level.WARNING, "returning true from eofReceived() has no effect with TLS: {0}", app);
      }
    } catch (Throwable t) {
      appFailed("eofReceived", t);
    }
  }

  // ------------------------------------------------------------------ writing

  void appWrite(ByteBuffer data) {
    if (state != State.WRAPPED) {
      data.position(data.limit()); // after close: ignored, as in asyncio
      return;
    }
    if (!pendingWrites.isEmpty()) {
      pendingWrites.add(copyOf(data));
      return;
    }
    try {
      if (!wrapApp(data)) {
        pendingWrites.add(copyOf(data));
      }
    } catch (SSLException | RuntimeException e) {
      sslFailure(e);
    }
  }

  private static ByteBuffer copyOf(ByteBuffer data) {
    ByteBuffer copy = ByteBuffer.allocate(data.remaining());
    copy.put(data).flip();
    return copy;
  }

  /**
   * Wraps all of {@code data} into records written to the raw transport.
   *
   * @return false if the engine took nothing (a renegotiation waits for the peer): the rest of
   *     {@code data} is left to retry
   */
  private boolean wrapApp(ByteBuffer data) throws SSLException {
    int packetSize = engine.getSession().getPacketBufferSize();
    try {
      while (data.hasRemaining()) {
        SSLEngineResult result = engine.wrap(data, netOut);
        switch (result.getStatus()) {
          case BUFFER_OVERFLOW:
            if (netOut.position() > 0) {
              flushNetOut();
            } else {
              netOut = grow(netOut, engine.getSession().getPacketBufferSize());
            }
            break;
          case CLOSED:
            data.position(data.limit()); // the session is closing: nothing more can be sent
            return true;
          case OK:
          default:
            if (result.bytesConsumed() == 0 && result.bytesProduced() == 0) {
              if (result.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                runDelegatedTasks();
                break;
              }
              return false;
            }
            if (netOut.remaining() < packetSize) {
              flushNetOut();
            }
        }
        if (state != State.WRAPPED) {
          data.position(data.limit());
          return true;
        }
      }
      return true;
    } finally {
      flushNetOut();
    }
  }

  private void flushPendingWrites() throws SSLException {
    while (!pendingWrites.isEmpty() && state == State.WRAPPED) {
      ByteBuffer head = pendingWrites.peek();
      if (!wrapApp(head)) {
        return;
      }
      pendingWrites.poll();
    }
  }

  private void flushNetOut() {
    if (netOut.position() == 0) {
      return;
    }
    netOut.flip();
    Transport t = raw;
    if (t != null && state != State.CLOSED) {
      t.write(netOut);
    }
    netOut.clear();
  }

  // ------------------------------------------------------------------ reading control

  void pauseAppReading() {
    if (state != State.WRAPPED || appReadingPaused) {
      return;
    }
    appReadingPaused = true;
    raw().pauseReading();
  }

  void resumeAppReading() {
    if (!appReadingPaused) {
      return;
    }
    appReadingPaused = false;
    if (state != State.WRAPPED) {
      return;
    }
    raw().resumeReading();
    if ((netIn.position() > 0 || eofPending) && !resumeScheduled) {
      // Not inline: resumeReading may be called from inside dataReceived.
      resumeScheduled = true;
      loop.callSoon(() -> {
        resumeScheduled = false;
        pump();
      });
    }
  }

  // ------------------------------------------------------------------ closing

  void appClose() {
    if (state == State.WRAPPED || state == State.HANDSHAKE) {
      shutdown();
    }
  }

  void appAbort() {
    if (state == State.CLOSED || state == State.NEW) {
      return;
    }
    state = State.SHUTDOWN;
    cancelHandshakeTimer();
    raw().abort();
  }

  /** Sends close_notify after what is buffered, closes the raw transport, arms the shutdown timer. */
  private void shutdown() {
    state = State.SHUTDOWN;
    cancelHandshakeTimer();
    pendingWrites.clear();
    engine.closeOutbound();
    wrapCloseOrAlert();
    Transport t = raw();
    t.close();
    if (state != State.CLOSED) {
      shutdownTimer = loop.callLater(shutdownTimeout, () -> {
        if (state != State.CLOSED) {
          raw().abort();
        }
      });
    }
  }

  /** Writes whatever the engine still has to say (close_notify, or an alert after an error). */
  private void wrapCloseOrAlert() {
    try {
      netOut.clear();
      for (int i = 0; i < 8 && !engine.isOutboundDone(); i++) {
        SSLEngineResult result = engine.wrap(EMPTY, netOut);
        if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
          if (netOut.position() > 0) {
            flushNetOut();
          } else {
            netOut = grow(netOut, engine.getSession().getPacketBufferSize());
          }
          continue;
        }
        flushNetOut();
        if (result.bytesProduced() == 0) {
          break;
        }
      }
    } catch (SSLException | RuntimeException e) {
      LOG.log(Level.DEBUG, "could not send the closing TLS records of " + this, e);
    } finally {
      netOut.clear();
    }
  }

  private void onHandshakeTimeout() {
    if (state != State.HANDSHAKE) {
      return;
    }
    state = State.SHUTDOWN;
    handshakeTimer = null;
    if (!handshakeDone.isDone()) {
      handshakeDone.setException(new TimeoutException(
          "TLS handshake timed out after " + handshakeTimeout.toMillis() + " ms"));
    }
    raw().abort();
  }

  private void handshakeFailed(Throwable e) {
    if (state == State.CLOSED || state == State.SHUTDOWN) {
      return;
    }
    state = State.SHUTDOWN;
    cancelTimers();
    LOG.log(Level.DEBUG, "TLS handshake failed on " + this, e);
    wrapCloseOrAlert(); // the alert that tells the peer why
    if (!handshakeDone.isDone()) {
      handshakeDone.setException(e);
    }
    raw().abort();
  }

  /** An engine error: during the handshake it fails it; after, it aborts the connection. */
  private void sslFailure(Exception e) {
    if (state == State.HANDSHAKE) {
      handshakeFailed(e);
      return;
    }
    if (state == State.CLOSED) {
      return;
    }
    LOG.log(Level.DEBUG, "fatal TLS error on " + this, e);
    if (fatalError == null) {
      fatalError = e;
    }
    boolean wasOpen = state == State.WRAPPED;
    state = State.SHUTDOWN;
    if (wasOpen) {
      wrapCloseOrAlert();
    }
    raw().abort();
  }

  /** The application protocol threw: reported, and the connection aborted with that error. */
  private void appFailed(String callback, Throwable t) {
    reportAppError(callback, t);
    if (fatalError == null) {
      fatalError = t;
    }
    if (state != State.CLOSED && state != State.NEW) {
      state = State.SHUTDOWN;
      cancelHandshakeTimer();
      raw().abort();
    }
  }

  private void reportAppError(String callback, Throwable t) {
    loop.callExceptionHandler(ExceptionContext.of("Exception in " + callback + " of " + app, t)
        .withProtocol(app)
        .withTransport(tlsTransport));
  }

  private void cancelHandshakeTimer() {
    TimerHandle h = handshakeTimer;
    if (h != null) {
      handshakeTimer = null;
      h.cancel();
    }
  }

  private void cancelTimers() {
    cancelHandshakeTimer();
    TimerHandle h = shutdownTimer;
    if (h != null) {
      shutdownTimer = null;
      h.cancel();
    }
  }

  /** A larger buffer holding {@code b}'s data (b in write mode), in write mode. */
  private static ByteBuffer grow(ByteBuffer b, int minCapacity) {
    ByteBuffer bigger = ByteBuffer.allocate(Math.max(minCapacity, b.capacity()));
    b.flip();
    bigger.put(b);
    return bigger;
  }

  @Override
  public String toString() {
    return "TlsProtocol[" + (serverSide ? "server" : "client") + ", " + state + ", app=" + app + "]";
  }
}
