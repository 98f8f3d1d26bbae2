package dev.loop.internal.process;

import dev.loop.internal.BaseEventLoop;
import dev.loop.internal.DefaultLoopFuture;
import dev.loop.net.Connection;
import dev.loop.net.Protocol;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Pipe;
import java.util.Objects;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * connect_read_pipe and connect_write_pipe: wraps a pipe in a transport and completes the future
 * once the protocol's {@code connectionMade} returned, as asyncio's waiter. A {@link Pipe}'s channels
 * go on the loop's selector ({@link ChannelReadPipe}, {@link ChannelWritePipe}); blocking streams go
 * to the pipe pump ({@link StreamReadPipe}, {@link StreamWritePipe}). The transport owns the pipe:
 * if anything fails before it exists, the pipe is closed. Every method runs on the loop thread.
 */
public final class Pipes {
  private Pipes() {}

  /**
   * Connects the read end of a {@link Pipe}. Loop thread.
   *
   * @param loop the loop
   * @param factory makes the protocol
   * @param pipe the channel, owned by the transport from now on
   * @param f completed with the connection
   * @param <P> the protocol type
   */
  public static <P extends Protocol> void connectRead(
      BaseEventLoop loop, Supplier<P> factory, Pipe.SourceChannel pipe, DefaultLoopFuture<Connection<P>> f) {
    P protocol = protocol(factory, pipe, f);
    if (protocol == null) {
      return;
    }
    PipeTransport transport;
    try {
      transport = new ChannelReadPipe(loop, pipe, protocol);
    } catch (Throwable t) {
      PipeTransport.closeQuietly(pipe);
      f.completeExceptionally(t);
      return;
    }
    begin(transport, protocol, f);
  }

  /**
   * Connects a blocking input stream, read by a pump thread. Loop thread.
   *
   * @param loop the loop
   * @param factory makes the protocol
   * @param in the stream, owned by the transport from now on
   * @param f completed with the connection
   * @param <P> the protocol type
   */
  public static <P extends Protocol> void connectRead(
      BaseEventLoop loop, Supplier<P> factory, InputStream in, DefaultLoopFuture<Connection<P>> f) {
    P protocol = protocol(factory, in, f);
    if (protocol != null) {
      begin(new StreamReadPipe(loop, in, protocol), protocol, f);
    }
  }

  /**
   * Connects the write end of a {@link Pipe}. Loop thread.
   *
   * @param loop the loop
   * @param factory makes the protocol
   * @param pipe the channel, owned by the transport from now on
   * @param f completed with the connection
   * @param <P> the protocol type
   */
  public static <P extends Protocol> void connectWrite(
      BaseEventLoop loop, Supplier<P> factory, Pipe.SinkChannel pipe, DefaultLoopFuture<Connection<P>> f) {
    P protocol = protocol(factory, pipe, f);
    if (protocol == null) {
      return;
    }
    PipeTransport transport;
    try {
      transport = new ChannelWritePipe(loop, pipe, protocol);
    } catch (Throwable t) {
      PipeTransport.closeQuietly(pipe);
      f.completeExceptionally(t);
      return;
    }
    begin(transport, protocol, f);
  }

  /**
   * Connects a blocking output stream, written by a pump thread while bytes are pending. Loop
   * thread.
   *
   * @param loop the loop
   * @param factory makes the protocol
   * @param out the stream, owned by the transport from now on
   * @param f completed with the connection
   * @param <P> the protocol type
   */
  public static <P extends Protocol> void connectWrite(
      BaseEventLoop loop, Supplier<P> factory, OutputStream out, DefaultLoopFuture<Connection<P>> f) {
    P protocol = protocol(factory, out, f);
    if (protocol != null) {
      begin(new StreamWritePipe(loop, out, protocol), protocol, f);
    }
  }

  /** The factory's protocol; null (the pipe closed, the future failed) if it threw or gave null. */
  private static <P extends Protocol> @Nullable P protocol(
      Supplier<P> factory, AutoCloseable pipe, DefaultLoopFuture<?> f) {
    Objects.requireNonNull(factory, "factory");
    Objects.requireNonNull(pipe, "pipe");
    try {
      return Objects.requireNonNull(factory.get(), "the protocol factory returned null");
    } catch (Throwable t) {
      PipeTransport.closeQuietly(pipe);
      f.completeExceptionally(t);
      return null;
    }
  }

  /**
   * Starts the transport; the future completes after {@code connectionMade}, or fails with what it
   * threw. A future cancelled meanwhile closes the transport: nobody will ever get it (asyncio's
   * {@code transport.close()} when the waiter fails).
   */
  private static <P extends Protocol> void begin(
      PipeTransport transport, P protocol, DefaultLoopFuture<Connection<P>> f) {
    transport.begin(error -> {
      if (error != null) {
        f.completeExceptionally(error);
      } else if (!f.complete(new Connection<>(transport, protocol))) {
        transport.close();
      }
    });
  }
}
