package dev.loop.internal.process;

import dev.loop.internal.BaseEventLoop;
import dev.loop.net.Protocol;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A blocking {@link OutputStream} (a JDK {@code Process}'s stdin, any stream) written by the pipe
 * pump: asyncio's {@code _UnixWritePipeTransport} for what cannot be selected.
 *
 * <p><b>The pump.</b> {@code write()} copies the bytes into a queue on the loop thread (small writes
 * share 16 KiB chunks) and never blocks. A daemon thread, {@code loop-pipe-writer-N}, exists only
 * while the queue is not empty: the write that finds no thread starts one; the thread takes one chunk
 * at a time, writes and flushes it (blocking as long as the reader lets it), reports it to the loop
 * ({@code callSoonThreadsafe}), and ends when it finds the queue empty. The loop counts a chunk as
 * buffered until that report, so the water marks, {@code pauseWriting} and {@code resumeWriting} work
 * as for sockets, and {@code close()} closes the stream once the last report came. A write that fails
 * (the child exited or closed its stdin: "Broken pipe", "Stream closed") drops the queue and becomes
 * {@code connectionLost(error)} on the loop; writes after it are dropped.
 *
 * <p><b>Who closes the stream.</b> Never the loop while the thread is inside {@code write()}: a
 * buffered stream's {@code close()} flushes under the lock the blocked write holds, and the loop
 * would block with it. So {@link #release()} marks the pump stopped and closes the stream only if no
 * thread is active; an active thread closes it when it leaves. Both decisions are made under {@code
 * lock}, so exactly one of them sees the other's state and closes.
 */
final class StreamWritePipe extends WritePipeTransport {

  /** Small writes share chunks of at least this size. */
  static final int MIN_CHUNK = 16 * 1024;

  private static final AtomicInteger THREADS = new AtomicInteger();

  private final OutputStream out;

  private final Object lock = new Object();
  /** Guarded by lock: chunks not yet taken by the writer, each ready to be read (flipped). */
  private final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>();
  /** Guarded by lock: a writer thread runs (and will look at the queue again before it ends). */
  private boolean writerActive;
  /** Guarded by lock: the transport is going away; the stream must be closed. */
  private boolean stopped;

  StreamWritePipe(BaseEventLoop loop, OutputStream out, Protocol protocol) {
    super(loop, out, protocol);
    this.out = out;
  }

  // ------------------------------------------------------------------ loop side

  @Override
  void send(ByteBuffer data) {
    int n = data.remaining();
    boolean start;
    synchronized (lock) {
      ByteBuffer tail = queue.peekLast();
      if (tail != null && tail.capacity() - tail.limit() >= n) {
        // Not taken by the writer yet (it polls under this lock): append to it.
        int position = tail.position();
        tail.position(tail.limit()).limit(tail.capacity());
        tail.put(data);
        tail.limit(tail.position()).position(position);
      } else {
        ByteBuffer chunk = ByteBuffer.allocate(Math.max(n, MIN_CHUNK));
        chunk.put(data).flip();
        queue.addLast(chunk);
      }
      start = !writerActive;
      writerActive = true;
    }
    if (start) {
      try {
        startDaemon(this::pump, "loop-pipe-writer-" + THREADS.incrementAndGet());
      } catch (Throwable t) { // OutOfMemoryError: unable to create native thread
        synchronized (lock) {
          writerActive = false;
        }
        fatalError(t, "Fatal error on pipe transport: cannot start a writer thread");
      }
    }
  }

  @Override
  void dropQueued() {
    synchronized (lock) {
      queue.clear(); // a chunk the writer already took is written or fails; its report is ignored
    }
  }

  @Override
  void stopIo() {
    dropQueued();
  }

  @Override
  void release() {
    boolean closeHere;
    synchronized (lock) {
      stopped = true;
      queue.clear();
      closeHere = !writerActive; // else the writer closes it when it leaves
    }
    if (closeHere) {
      closeQuietly(out);
    }
  }

  /** Loop thread: a write failed while the transport was open. */
  private void failed(IOException error) {
    if (!lost) {
      fatalError(error, "Fatal write error on pipe transport");
    }
  }

  // ------------------------------------------------------------------ writer thread

  private void pump() {
    for (;;) {
      ByteBuffer chunk;
      boolean closeHere = false;
      synchronized (lock) {
        chunk = stopped ? null : queue.pollFirst();
        if (chunk == null) {
          // Decided under the lock: a send() after this starts a new thread, and a release()
          // after this sees writerActive false and closes the stream itself.
          writerActive = false;
          closeHere = stopped;
        }
      }
      if (chunk == null) {
        if (closeHere) {
          closeQuietly(out);
        }
        return;
      }
      int n = chunk.remaining();
      try {
        out.write(chunk.array(), chunk.arrayOffset() + chunk.position(), n);
        out.flush();
      } catch (IOException e) {
        boolean closeNow;
        synchronized (lock) {
          queue.clear();
          writerActive = false;
          closeNow = stopped;
        }
        if (closeNow) {
          closeQuietly(out);
        } else {
          post(() -> failed(e)); // the loop's fatalError then releases (and closes) the stream
        }
        return;
      }
      post(() -> sent(n));
    }
  }

  /** Schedules {@code action} on the loop; a closed loop has released (or will release) this pipe. */
  private void post(Runnable action) {
    try {
      loop.callSoonThreadsafe(action);
    } catch (IllegalStateException | RejectedExecutionException closed) {
      // the next turn of pump() sees stopped (set by the loop's close) and closes the stream
    }
  }

  @Override
  public String toString() {
    return "StreamWritePipe[" + describe() + ", " + out.getClass().getName() + "]";
  }
}
