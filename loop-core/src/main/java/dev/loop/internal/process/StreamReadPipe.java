package dev.loop.internal.process;

import dev.loop.internal.BaseEventLoop;
import dev.loop.net.Protocol;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A blocking {@link InputStream} (a JDK {@code Process}'s stdout or stderr, any stream) read by the
 * pipe pump: asyncio's {@code _UnixReadPipeTransport} for what cannot be selected.
 *
 * <p><b>The pump.</b> The stream has one daemon thread, {@code loop-pipe-reader-N}, started after
 * {@code connectionMade}. It blocks in {@code read()} into its own 64 KiB heap buffer, lends that
 * buffer to the loop with {@code callSoonThreadsafe}, and does not read again until the loop has
 * handed it back: at most one chunk is in flight, so the protocol's consumption paces the reads.
 * {@code pauseReading()} makes the thread wait before its next read, so the stream really stops
 * being read and a child writing to it blocks once the OS pipe is full; a chunk that was already
 * being read when the pause came is kept by the loop and delivered after {@code resumeReading()},
 * so the protocol never hears {@code dataReceived} while paused. EOF ends the thread and becomes
 * {@code eofReceived()} then {@code connectionLost(null)} on the loop; a read error becomes {@code
 * connectionLost(error)}.
 *
 * <p><b>Ending.</b> Closing the transport closes the stream and interrupts the thread. A thread
 * blocked in {@code read()} of a stream whose {@code close()} does not unblock readers (a Linux
 * pipe's file stream, for one) ends when that read returns: when the writer writes or closes, which
 * for a subprocess is at the latest when it exits (its transport kills it on close). Whatever the
 * read then returns is dropped.
 *
 * <p>Threads: the pump fields are guarded by {@code lock}; everything else is the loop thread's.
 */
final class StreamReadPipe extends ReadPipeTransport {

  /** One read's size: a Linux pipe's capacity, so one read usually empties the pipe. */
  static final int CHUNK_SIZE = 64 * 1024;

  private static final AtomicInteger THREADS = new AtomicInteger();

  private final InputStream in;
  /** The pump's buffer; the loop reads it only while a chunk is in flight. */
  private final byte[] buffer = new byte[CHUNK_SIZE];
  private volatile @Nullable Thread pump;

  private final Object lock = new Object();
  /** Guarded by lock: the loop does not want bytes now. */
  private boolean pumpPaused;
  /** Guarded by lock: the buffer is lent to the loop. */
  private boolean inFlight;
  /** Guarded by lock: the transport is closing; the pump must end. */
  private boolean stopped;

  /** Loop thread: the length of a chunk that arrived while paused, or -1. */
  private int held = -1;

  StreamReadPipe(BaseEventLoop loop, InputStream in, Protocol protocol) {
    super(loop, in, protocol);
    this.in = in;
  }

  // ------------------------------------------------------------------ loop side

  @Override
  void startReading() {
    if (held >= 0) {
      loop.callSoon(this::deliverHeld); // not inline: resumeReading() must not call dataReceived
    }
    synchronized (lock) {
      pumpPaused = false;
      lock.notifyAll();
    }
    if (pump == null) {
      pump = startDaemon(this::pump, "loop-pipe-reader-" + THREADS.incrementAndGet());
    }
  }

  @Override
  void stopReading() {
    synchronized (lock) {
      pumpPaused = true;
    }
  }

  /** Loop thread: the pump read {@code n} bytes into the buffer, or hit EOF ({@code n < 0}). */
  private void arrived(int n) {
    if (lost) {
      return; // closed meanwhile: the pump is stopped and the bytes are dropped
    }
    if (n < 0) {
      eof();
    } else if (paused) {
      held = n; // read before the pause took effect: kept for resumeReading()
    } else {
      consume(n);
    }
  }

  private void deliverHeld() {
    if (lost || paused || held < 0) {
      return; // paused again, or already delivered by an earlier resume
    }
    int n = held;
    held = -1;
    consume(n);
  }

  /** Delivers the lent buffer's first {@code n} bytes, then hands the buffer back to the pump. */
  private void consume(int n) {
    deliver(ByteBuffer.wrap(buffer, 0, n));
    synchronized (lock) {
      inFlight = false;
      lock.notifyAll();
    }
  }

  /** Loop thread: a read failed while the transport was open. */
  private void failed(IOException error) {
    if (!lost) {
      fatalError(error, "Fatal read error on pipe transport");
    }
  }

  @Override
  void release() {
    synchronized (lock) {
      stopped = true;
      lock.notifyAll();
    }
    closeQuietly(in); // unblocks a read in progress where the stream allows it
    Thread thread = pump;
    if (thread != null) {
      thread.interrupt(); // interruptible streams (piped, channel-based) give up their read at once
    }
  }

  // ------------------------------------------------------------------ pump thread

  private void pump() {
    try {
      while (awaitTurn()) {
        int n = in.read(buffer, 0, buffer.length);
        if (n == 0) {
          continue; // a stream breaking InputStream's contract: read again
        }
        if (!handOff(n) || n < 0) {
          return;
        }
      }
    } catch (IOException e) {
      if (!isStopped()) {
        post(() -> failed(e)); // a close makes the read fail too: that is not an error
      }
    }
  }

  /** Waits until the loop wants bytes and has handed the buffer back; false once stopped. */
  private boolean awaitTurn() {
    synchronized (lock) {
      while (!stopped && (pumpPaused || inFlight)) {
        try {
          lock.wait();
        } catch (InterruptedException e) {
          return false; // release() interrupts only after setting stopped
        }
      }
      return !stopped;
    }
  }

  /** Lends the buffer to the loop; false if the transport stopped or the loop is closed. */
  private boolean handOff(int n) {
    synchronized (lock) {
      if (stopped) {
        return false;
      }
      inFlight = true;
    }
    return post(() -> arrived(n));
  }

  private boolean isStopped() {
    synchronized (lock) {
      return stopped;
    }
  }

  /**
   * Schedules {@code action} on the loop. A closed loop refuses: then its {@code close()} has
   * released this transport (it tracks it), or is about to, and the pump just ends.
   */
  private boolean post(Runnable action) {
    try {
      loop.callSoonThreadsafe(action);
      return true;
    } catch (IllegalStateException | java.util.concurrent.RejectedExecutionException closed) {
      return false;
    }
  }

  @Override
  public String toString() {
    return "StreamReadPipe[" + state() + (paused ? ", paused" : "") + ", " + in.getClass().getName() + "]";
  }
}
