package dev.loop.internal.net;

import dev.loop.EventLoop;
import dev.loop.ExceptionContext;
import dev.loop.internal.BaseEventLoop;
import dev.loop.internal.SelectorEventLoop;
import dev.loop.net.DatagramProtocol;
import dev.loop.net.DatagramTransport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.util.ArrayDeque;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A UDP endpoint on the selector: asyncio's {@code _SelectorDatagramTransport}.
 *
 * <p>Reading: when the channel is readable, datagrams are received one after another into one
 * direct buffer and handed to {@link DatagramProtocol#datagramReceived}, at most
 * {@link #MAX_READS_PER_EVENT} per readiness so that one busy endpoint does not starve the loop.
 * Writing: {@link #sendto} sends at once when the socket has room, and otherwise queues a copy and
 * waits for writability; the queue's size drives {@code pauseWriting}/{@code resumeWriting} at
 * {@link #HIGH_WATER}/{@link #LOW_WATER}. Send and receive errors (ICMP port unreachable on a
 * connected endpoint, for one) go to {@link DatagramProtocol#errorReceived} and the endpoint stays
 * open. A protocol callback that throws is reported to the loop's exception handler. Loop thread
 * only.
 */
final class DatagramTransportImpl implements DatagramTransport, SelectorEventLoop.IoHandler,
    BaseEventLoop.IoResource {

  /** Pause writing above this many queued bytes (asyncio's default high water mark). */
  static final int HIGH_WATER = 64 * 1024;

  /** Resume writing at or below this many. */
  static final int LOW_WATER = 16 * 1024;

  /** The receive buffer: larger than any UDP payload (65,507 bytes over IPv4, 65,527 over IPv6). */
  static final int RECEIVE_BUFFER = 64 * 1024;

  /** The most datagrams received per readiness event. */
  static final int MAX_READS_PER_EVENT = 64;

  private final BaseEventLoop loop;
  private final DatagramChannel channel;
  private final DatagramProtocol protocol;
  private final @Nullable InetSocketAddress remote;
  private final @Nullable SocketAddress sockname;
  private final ByteBuffer receiveBuffer = ByteBuffer.allocateDirect(RECEIVE_BUFFER);
  private final ArrayDeque<Outgoing> queue = new ArrayDeque<>();

  private @Nullable SelectionKey key;
  private long queuedBytes;
  private boolean writingPaused;
  private boolean closing;
  private boolean connectionLostScheduled;

  private record Outgoing(ByteBuffer data, SocketAddress target) {}

  DatagramTransportImpl(BaseEventLoop loop, DatagramChannel channel, DatagramProtocol protocol,
      @Nullable InetSocketAddress remote) {
    this.loop = loop;
    this.channel = channel;
    this.protocol = protocol;
    this.remote = remote;
    SocketAddress local;
    try {
      local = channel.getLocalAddress();
    } catch (IOException e) {
      local = null;
    }
    this.sockname = local;
    loop.track(this);
  }

  @Override
  public void beginClose() {
    close();
  }

  @Override
  public void closeNow() {
    closeChannel();
  }

  /** Starts reading: call once connectionMade has run. Loop thread. */
  void startReading() throws ClosedChannelException {
    if (connectionLostScheduled) {
      return;
    }
    int ops = (closing ? 0 : SelectionKey.OP_READ) | (queue.isEmpty() ? 0 : SelectionKey.OP_WRITE);
    key = channel.register(loop.selector(), ops, this);
  }

  // ------------------------------------------------------------------ sending

  @Override
  public void sendto(ByteBuffer data, @Nullable SocketAddress target) {
    Objects.requireNonNull(data, "data");
    checkThread();
    SocketAddress to;
    if (remote != null) {
      if (target != null && !target.equals(remote)) {
        throw new IllegalArgumentException(
            "Invalid address: the endpoint is connected to " + remote + ", so the target must be null or that: "
                + target);
      }
      to = remote;
    } else {
      if (target == null) {
        throw new IllegalArgumentException(
            "target must be given: the endpoint has no remote address");
      }
      if (!(target instanceof InetSocketAddress inet)) {
        throw new IllegalArgumentException("target must be an InetSocketAddress: " + target);
      }
      if (inet.isUnresolved()) {
        throw new IllegalArgumentException("target is unresolved: " + target);
      }
      to = target;
    }
    if (closing) {
      data.position(data.limit()); // as a stream transport: writing after close is ignored
      return;
    }
    if (queue.isEmpty()) {
      try {
        boolean empty = !data.hasRemaining();
        int n = remote != null ? channel.write(data) : channel.send(data, to);
        if (n > 0 || empty) {
          return;
        }
      } catch (ClosedChannelException e) {
        fatalError(e, "Fatal write error on datagram transport");
        return;
      } catch (IOException e) {
        data.position(data.limit());
        errorReceived(e);
        return;
      }
      setInterest(SelectionKey.OP_WRITE, true);
    }
    ByteBuffer copy = ByteBuffer.allocate(data.remaining());
    copy.put(data).flip();
    queue.addLast(new Outgoing(copy, to));
    queuedBytes += copy.remaining();
    maybePauseProtocol();
  }

  private void writeReady() {
    Outgoing next;
    while ((next = queue.peekFirst()) != null) {
      ByteBuffer data = next.data();
      int length = data.remaining();
      try {
        int n = remote != null ? channel.write(data) : channel.send(data, next.target());
        if (n == 0 && length != 0) {
          return; // no room yet: wait for the next writability
        }
      } catch (ClosedChannelException e) {
        fatalError(e, "Fatal write error on datagram transport");
        return;
      } catch (IOException e) {
        queue.pollFirst();
        queuedBytes -= length;
        errorReceived(e);
        return; // still registered for writing: the rest goes on the next writability
      }
      queue.pollFirst();
      queuedBytes -= length;
    }
    maybeResumeProtocol(); // may send (and queue) more
    if (queue.isEmpty()) {
      setInterest(SelectionKey.OP_WRITE, false);
      if (closing) {
        scheduleConnectionLost(null);
      }
    }
  }

  private void maybePauseProtocol() {
    if (!writingPaused && queuedBytes > HIGH_WATER) {
      writingPaused = true;
      try {
        protocol.pauseWriting();
      } catch (Throwable t) {
        reportProtocolError("protocol.pauseWriting() failed", t);
      }
    }
  }

  private void maybeResumeProtocol() {
    if (writingPaused && queuedBytes <= LOW_WATER) {
      writingPaused = false;
      try {
        protocol.resumeWriting();
      } catch (Throwable t) {
        reportProtocolError("protocol.resumeWriting() failed", t);
      }
    }
  }

  // ------------------------------------------------------------------ receiving

  @Override
  public void ready(SelectionKey selected) {
    if (selected != key || !selected.isValid()) {
      return;
    }
    int ops;
    try {
      ops = selected.readyOps();
    } catch (CancelledKeyException e) {
      return;
    }
    if ((ops & SelectionKey.OP_READ) != 0) {
      readReady();
    }
    if ((ops & SelectionKey.OP_WRITE) != 0 && selected.isValid() && !connectionLostScheduled) {
      writeReady();
    }
  }

  private void readReady() {
    ByteBuffer buffer = receiveBuffer;
    for (int i = 0; i < MAX_READS_PER_EVENT && !closing; i++) {
      buffer.clear();
      SocketAddress sender;
      try {
        sender = channel.receive(buffer);
      } catch (ClosedChannelException e) {
        fatalError(e, "Fatal read error on datagram transport");
        return;
      } catch (IOException e) {
        errorReceived(e);
        return;
      }
      if (sender == null) {
        return;
      }
      buffer.flip();
      try {
        protocol.datagramReceived(buffer, remote != null ? remote : sender);
      } catch (Throwable t) {
        reportProtocolError("protocol.datagramReceived() failed", t);
      }
    }
  }

  private void errorReceived(Exception error) {
    try {
      protocol.errorReceived(error);
    } catch (Throwable t) {
      reportProtocolError("protocol.errorReceived() failed", t);
    }
  }

  // ------------------------------------------------------------------ closing

  @Override
  public void close() {
    checkThread();
    if (closing) {
      return;
    }
    closing = true;
    setInterest(SelectionKey.OP_READ, false);
    if (queue.isEmpty()) {
      scheduleConnectionLost(null);
    }
  }

  @Override
  public void abort() {
    checkThread();
    forceClose(null);
  }

  private void fatalError(Throwable error, String message) {
    if (!(error instanceof IOException)) {
      loop.callExceptionHandler(ExceptionContext.of(message, error)
          .withTransport(this).withProtocol(protocol).withSocket(channel));
    }
    forceClose(error);
  }

  private void forceClose(@Nullable Throwable cause) {
    if (connectionLostScheduled) {
      return;
    }
    queue.clear();
    queuedBytes = 0;
    closing = true;
    scheduleConnectionLost(cause);
  }

  private void scheduleConnectionLost(@Nullable Throwable cause) {
    if (connectionLostScheduled) {
      return;
    }
    connectionLostScheduled = true;
    SelectionKey k = key;
    if (k != null) {
      k.cancel();
    }
    loop.callSoon(() -> connectionLost(cause));
  }

  private void connectionLost(@Nullable Throwable cause) {
    try {
      protocol.connectionLost(cause);
    } catch (Throwable t) {
      reportProtocolError("protocol.connectionLost() failed", t);
    } finally {
      closeChannel();
    }
  }

  /** Closes the channel without telling the protocol: for an endpoint that never started. */
  void closeChannel() {
    loop.untrack(this);
    try {
      channel.close();
    } catch (IOException e) {
      // closing a datagram channel does not fail in practice; nothing to do if it does
    }
  }

  // ------------------------------------------------------------------ misc

  private void setInterest(int op, boolean on) {
    SelectionKey k = key;
    if (k == null || !k.isValid()) {
      return;
    }
    try {
      int ops = k.interestOps();
      k.interestOps(on ? ops | op : ops & ~op);
    } catch (CancelledKeyException e) {
      // closed meanwhile
    }
  }

  private void checkThread() {
    if (!loop.inEventLoop()) {
      throw new IllegalStateException(
          "a datagram transport must be used on its loop's thread, not " + Thread.currentThread().getName());
    }
  }

  void reportProtocolError(String message, Throwable error) {
    loop.callExceptionHandler(ExceptionContext.of(message, error)
        .withTransport(this).withProtocol(protocol).withSocket(channel));
  }

  @Override
  public boolean isClosing() {
    return closing;
  }

  @Override
  public long getWriteBufferSize() {
    return queuedBytes;
  }

  @Override
  public @Nullable Object getExtraInfo(String name) {
    Objects.requireNonNull(name, "name");
    return switch (name) {
      case "sockname" -> sockname;
      case "peername" -> remote;
      case "socket" -> channel;
      default -> null;
    };
  }

  @Override
  public EventLoop getLoop() {
    return loop;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("DatagramTransport[local=").append(sockname);
    if (remote != null) {
      sb.append(", remote=").append(remote);
    }
    if (connectionLostScheduled) {
      sb.append(", closed");
    } else if (closing) {
      sb.append(", closing");
    }
    if (queuedBytes > 0) {
      sb.append(", queued=").append(queuedBytes);
    }
    return sb.append(']').toString();
  }
}
