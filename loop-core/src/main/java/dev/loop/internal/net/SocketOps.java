package dev.loop.internal.net;

import dev.loop.Handle;
import dev.loop.internal.BaseEventLoop;
import dev.loop.internal.DefaultLoopFuture;
import dev.loop.net.Datagram;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import org.jspecify.annotations.Nullable;

/**
 * The sock_* family: one operation, one future, completed on the loop. Loop thread.
 *
 * <p>Each operation tries the non-blocking call at once; if it would block, it becomes the
 * channel's reader (or writer) through {@link ChannelWatch} and tries again each time the channel
 * is ready, as asyncio's {@code sock_recv} and friends do with {@code add_reader}. Cancelling the
 * future unregisters it. A channel owned by a transport is refused, as asyncio's
 * {@code _ensure_fd_no_transport} does.
 */
public final class SocketOps {
  private SocketOps() {}

  /**
   * sock_recv: reads up to {@code maxBytes} into a new buffer, returned flipped; empty at EOF.
   *
   * @param loop the loop
   * @param ch a connected socket channel
   * @param maxBytes the most to read
   * @param f completes with the bytes
   */
  public static void recv(BaseEventLoop loop, SocketChannel ch, int maxBytes, DefaultLoopFuture<ByteBuffer> f) {
    new Op<ByteBuffer>(loop, ch, f, true) {
      private @Nullable ByteBuffer buffer;

      @Override
      boolean attempt() throws IOException {
        ByteBuffer b = buffer;
        if (b == null) {
          b = ByteBuffer.allocate(maxBytes);
          buffer = b;
        }
        int n = ch.read(b);
        if (n < 0) {
          return finish(ByteBuffer.allocate(0));
        }
        if (n == 0) {
          return false;
        }
        b.flip();
        return finish(b);
      }
    }.start();
  }

  /**
   * sock_recv_into: reads into {@code buffer} at its position; 0 at EOF.
   *
   * @param loop the loop
   * @param ch a connected socket channel
   * @param buffer where to read
   * @param f completes with the count
   */
  public static void recvInto(BaseEventLoop loop, SocketChannel ch, ByteBuffer buffer, DefaultLoopFuture<Integer> f) {
    new Op<Integer>(loop, ch, f, true) {
      @Override
      boolean attempt() throws IOException {
        int n = ch.read(buffer);
        if (n < 0) {
          return finish(0);
        }
        return n > 0 && finish(n);
      }
    }.start();
  }

  /**
   * sock_sendall: writes every remaining byte of {@code data}, waiting for room as needed.
   *
   * @param loop the loop
   * @param ch a connected socket channel
   * @param data the bytes; its position moves as they are sent
   * @param f completes when all is sent
   */
  public static void sendall(BaseEventLoop loop, SocketChannel ch, ByteBuffer data, DefaultLoopFuture<Void> f) {
    new Op<Void>(loop, ch, f, false) {
      @Override
      boolean attempt() throws IOException {
        while (data.hasRemaining()) {
          if (ch.write(data) == 0) {
            return false;
          }
        }
        return finish(null);
      }
    }.start();
  }

  /**
   * sock_connect: connects without blocking, then finishes the connect once the channel says so.
   *
   * @param loop the loop
   * @param ch an unconnected socket channel
   * @param address where to connect
   * @param f completes when connected, fails with the connect error
   */
  public static void connect(BaseEventLoop loop, SocketChannel ch, SocketAddress address, DefaultLoopFuture<Void> f) {
    new Op<Void>(loop, ch, f, false) {
      private boolean started;

      @Override
      boolean attempt() throws IOException {
        if (!started) {
          started = true;
          if (ch.connect(address)) {
            return finish(null);
          }
          return false;
        }
        return ch.finishConnect() && finish(null);
      }
    }.start();
  }

  /**
   * sock_accept: accepts one connection, made non-blocking.
   *
   * @param loop the loop
   * @param ch a listening server channel
   * @param f completes with the accepted channel
   */
  public static void accept(BaseEventLoop loop, ServerSocketChannel ch, DefaultLoopFuture<SocketChannel> f) {
    new Op<SocketChannel>(loop, ch, f, true) {
      @Override
      boolean attempt() throws IOException {
        SocketChannel accepted = ch.accept();
        if (accepted == null) {
          return false;
        }
        try {
          accepted.configureBlocking(false);
        } catch (IOException | RuntimeException e) {
          accepted.close();
          throw e;
        }
        unregister();
        if (!f.complete(accepted)) {
          accepted.close(); // cancelled meanwhile (from another thread): nobody will close it
        }
        return true;
      }
    }.start();
  }

  /**
   * sock_recvfrom: receives one datagram of at most {@code maxBytes} (the rest is discarded).
   *
   * @param loop the loop
   * @param ch a bound datagram channel
   * @param maxBytes the most to receive
   * @param f completes with the datagram and its sender
   */
  public static void recvfrom(BaseEventLoop loop, DatagramChannel ch, int maxBytes, DefaultLoopFuture<Datagram> f) {
    new Op<Datagram>(loop, ch, f, true) {
      private @Nullable ByteBuffer buffer;

      @Override
      boolean attempt() throws IOException {
        ByteBuffer b = buffer;
        if (b == null) {
          b = ByteBuffer.allocate(maxBytes);
          buffer = b;
        }
        b.clear();
        SocketAddress sender = ch.receive(b);
        if (sender == null) {
          return false;
        }
        b.flip();
        return finish(new Datagram(b, sender));
      }
    }.start();
  }

  /**
   * sock_sendto: sends one datagram, waiting for room as needed.
   *
   * @param loop the loop
   * @param ch a datagram channel
   * @param data the datagram
   * @param target where to send it
   * @param f completes with the count sent
   */
  public static void sendto(BaseEventLoop loop, DatagramChannel ch, ByteBuffer data, SocketAddress target,
      DefaultLoopFuture<Integer> f) {
    new Op<Integer>(loop, ch, f, false) {
      @Override
      boolean attempt() throws IOException {
        boolean empty = !data.hasRemaining();
        int n = ch.send(data, target);
        if (n == 0 && !empty) {
          return false; // no room in the socket's send buffer: nothing was sent
        }
        return finish(n);
      }
    }.start();
  }

  /**
   * One operation: tried at once, then each time the channel is ready, until it completes, fails
   * or its future is cancelled. The retry is a reusable handle in the channel's reader (or writer)
   * slot, so it runs in the callback phase.
   */
  private abstract static class Op<T> implements Runnable {
    final BaseEventLoop loop;
    final SelectableChannel channel;
    final DefaultLoopFuture<T> future;
    final boolean read;
    private @Nullable Handle handle;

    Op(BaseEventLoop loop, SelectableChannel channel, DefaultLoopFuture<T> future, boolean read) {
      this.loop = loop;
      this.channel = channel;
      this.future = future;
      this.read = read;
    }

    /** Tries the non-blocking call: true when done (the future is completed), false to wait. */
    abstract boolean attempt() throws IOException;

    /** Completes the future; always true. */
    final boolean finish(@Nullable T value) {
      unregister(); // first: whatever completion triggers may use the channel again
      future.complete(value);
      return true;
    }

    final void start() {
      if (future.isDone()) {
        return;
      }
      try {
        ChannelWatch.checkNoTransport(loop, channel);
        channel.configureBlocking(false);
        if (attempt()) {
          return;
        }
        Handle h = loop.reusableHandle(this);
        handle = h;
        ChannelWatch.obtain(loop, channel).set(read, h);
        future.addDoneCallback(done -> unregister());
      } catch (Throwable t) {
        unregister();
        future.completeExceptionally(t);
      }
    }

    /** The channel is ready: try again. */
    @Override
    public final void run() {
      if (handle == null) {
        return; // unregistered meanwhile: a stale run of the handle
      }
      if (future.isDone()) {
        unregister();
        return;
      }
      boolean done;
      try {
        done = attempt();
      } catch (Throwable t) {
        unregister();
        future.completeExceptionally(t);
        return;
      }
      if (done) {
        unregister();
      }
    }

    final void unregister() {
      Handle h = handle;
      if (h == null) {
        return;
      }
      handle = null;
      ChannelWatch watch = ChannelWatch.find(loop, channel);
      if (watch != null) {
        watch.clearIf(read, h);
      }
      h.cancel();
    }

    @Override
    public String toString() {
      return "sock op on " + channel;
    }
  }
}
