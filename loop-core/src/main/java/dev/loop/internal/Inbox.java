package dev.loop.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jspecify.annotations.Nullable;

/**
 * The loop's cross-thread queue: a multi-producer, single-consumer ring of chunks, in the design
 * of JCTools' {@code MpscUnboundedArrayQueue} (written here on {@link VarHandle}s). Items are
 * {@link HandleImpl handles}, or bare {@link Runnable}s from {@code execute}, which need no handle.
 *
 * <p>Indices count in steps of two; an odd producer index means "a producer is linking a new
 * chunk", and the others wait for it to finish. A producer claims a slot with one CAS on the
 * producer index and then stores its item into the slot; the consumer takes the item, clears the
 * slot and advances its own index. While the consumer keeps up the chunk is reused as a ring, so
 * offering allocates nothing; when a producer finds the chunk full it links a new chunk into the
 * old one's last slot and leaves a {@link #JUMP} marker where its item would have gone, which sends
 * the consumer over. One slot of every chunk stays free for that marker.
 *
 * <p>Between the CAS and the store the item is claimed but not yet visible: {@link #poll()} then
 * returns null although {@link #isEmpty()} says false; the loop treats that as "not empty, look
 * again soon" and never blocks on it.
 *
 * <p>Layout: the producers' hot index, their cold fields (limit, chunk, and the loop's {@code
 * polling} flag, which they read after every offer) and the consumer's fields live on separate
 * cache lines, padded by the class hierarchy as JCTools does; otherwise every poll would
 * invalidate the producers' line and every offer the consumer's.
 */
final class Inbox extends InboxConsumerFields {

  /** Items per chunk: a power of two; one chunk carries an ordinary burst without growing. */
  static final int CHUNK = 1024;

  /** Left in the slot of the item that went to a new chunk: the consumer moves there. */
  private static final Object JUMP = new Object() {
    @Override
    public String toString() {
      return "JUMP";
    }
  };

  private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Object[].class);
  private static final VarHandle PRODUCER_INDEX;
  private static final VarHandle PRODUCER_LIMIT;
  private static final VarHandle CONSUMER_INDEX;
  private static final VarHandle POLLING;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      PRODUCER_INDEX = lookup.findVarHandle(InboxProducerIndex.class, "producerIndex", long.class);
      PRODUCER_LIMIT = lookup.findVarHandle(InboxColdProducerFields.class, "producerLimit", long.class);
      POLLING = lookup.findVarHandle(InboxColdProducerFields.class, "polling", boolean.class);
      CONSUMER_INDEX = lookup.findVarHandle(InboxConsumerFields.class, "consumerIndex", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @SuppressWarnings("unused")
  private long p30, p31, p32, p33, p34, p35, p36, p37;

  Inbox() {
    long mask = (CHUNK - 1L) << 1;
    Object[] chunk = new Object[CHUNK + 1];
    producerChunk = chunk;
    producerMask = mask;
    consumerChunk = chunk;
    consumerMask = mask;
    PRODUCER_LIMIT.setRelease(this, mask);
  }

  /** Any thread. Lock-free: one CAS per offer, retried only when another producer won it. */
  void offer(Object item) {
    long mask;
    Object[] chunk;
    long index;
    for (;;) {
      long limit = (long) PRODUCER_LIMIT.getVolatile(this);
      index = (long) PRODUCER_INDEX.getVolatile(this);
      if ((index & 1) == 1) {
        Thread.onSpinWait(); // another producer is linking a new chunk
        continue;
      }
      // Read after the index: if the CAS below succeeds, no chunk change happened in between.
      mask = producerMask;
      chunk = producerChunk;
      if (index >= limit) {
        int next = beyondLimit(mask, index, limit);
        if (next == RETRY) {
          continue;
        }
        if (next == GROW) {
          grow(mask, chunk, index, item);
          return;
        }
      }
      if (PRODUCER_INDEX.compareAndSet(this, index, index + 2)) {
        break;
      }
    }
    SLOT.setRelease(chunk, slot(index, mask), item);
  }

  private static final int RETRY = 0;
  private static final int CLAIM = 1;
  private static final int GROW = 2;

  /**
   * The cached limit is reached: raise it if the consumer has freed slots, else claim a grow. A
   * grow is also claimed when the loop asked for a fresh chunk.
   */
  private int beyondLimit(long mask, long index, long limit) {
    if (freshChunkWanted) {
      return PRODUCER_INDEX.compareAndSet(this, index, index + 1) ? GROW : RETRY;
    }
    long consumed = (long) CONSUMER_INDEX.getVolatile(this);
    if (consumed + mask > index) {
      return PRODUCER_LIMIT.compareAndSet(this, limit, consumed + mask) ? CLAIM : RETRY;
    }
    // The chunk is full: the odd index keeps the other producers out until the new one is linked.
    return PRODUCER_INDEX.compareAndSet(this, index, index + 1) ? GROW : RETRY;
  }

  /** The producer holding the odd index: links a new chunk holding {@code item}, then releases. */
  private void grow(long oldMask, Object[] oldChunk, long index, Object item) {
    long mask = (CHUNK - 1L) << 1;
    Object[] chunk = new Object[CHUNK + 1];
    producerChunk = chunk;
    producerMask = mask;
    freshChunkWanted = false;
    chunk[slot(index, mask)] = item; // published by the release stores below
    SLOT.setRelease(oldChunk, linkSlot(oldMask), chunk);
    PRODUCER_LIMIT.setRelease(this, index + mask);
    PRODUCER_INDEX.setRelease(this, index + 2);
    SLOT.setRelease(oldChunk, slot(index, oldMask), JUMP); // last: the consumer may follow it now
  }

  /**
   * Loop thread. Returns the oldest item, or null when the queue is empty or its oldest item is
   * claimed by a producer that has not stored it yet.
   */
  @Nullable Object poll() {
    Object[] chunk = consumerChunk;
    long mask = consumerMask;
    long index = (long) CONSUMER_INDEX.get(this); // our own field: a plain read
    int slot = slot(index, mask);
    Object item = SLOT.getAcquire(chunk, slot);
    if (item == null) {
      return null;
    }
    if (item == JUMP) {
      int link = linkSlot(mask);
      Object[] next = (Object[]) SLOT.getAcquire(chunk, link);
      chunk[link] = null; // the old chunk is garbage now; do not let it keep the new one alive
      mask = (next.length - 2L) << 1;
      consumerChunk = next;
      consumerMask = mask;
      chunk = next;
      slot = slot(index, mask);
      item = SLOT.getAcquire(chunk, slot); // stored before the JUMP that led here
    }
    chunk[slot] = null;
    CONSUMER_INDEX.setRelease(this, index + 2); // orders the clear before a producer's reuse
    return item;
  }

  /** Loop thread. A full-fence read: false means no producer had claimed a slot. */
  boolean isEmpty() {
    return (long) PRODUCER_INDEX.getVolatile(this) == (long) CONSUMER_INDEX.get(this);
  }

  /**
   * Loop thread, for spinning: whether the oldest item (or a jump to it) is visible. Reads the
   * slot the producer writes anyway, not the producers' contended index.
   */
  boolean hasVisibleItem() {
    return SLOT.getOpaque(consumerChunk, slot((long) CONSUMER_INDEX.get(this), consumerMask)) != null;
  }

  /**
   * Loop thread: makes the next offer move the producers to a new chunk, as if the current one
   * were full. The loop asks after a garbage collection, for the reason {@link ReadyQueue} renews
   * its ring: a chunk made since the last collection is young, and storing a new handle into a
   * young array costs the collector's write barrier no memory fence. Lowering the limit sends the
   * next producer to {@link #beyondLimit}, which sees the request; a grow already under way
   * satisfies it.
   */
  void requestFreshChunk() {
    freshChunkWanted = true;
    PRODUCER_LIMIT.setVolatile(this, Long.MIN_VALUE);
  }

  /** Loop thread: announce that the loop is about to block (a full fence, for the re-check). */
  void announcePolling() {
    POLLING.setVolatile(this, true);
  }

  /** Loop thread: the loop is awake again. */
  void clearPolling() {
    POLLING.setRelease(this, false);
  }

  /**
   * Any thread, after an offer: true exactly once per blocking poll, for the producer that must
   * wake the loop.
   */
  boolean claimWakeup() {
    return (boolean) POLLING.getVolatile(this) && POLLING.compareAndSet(this, true, false);
  }

  private static int slot(long index, long mask) {
    return (int) ((index & mask) >> 1);
  }

  /** The chunk's last slot, which holds the link to the next chunk. */
  private static int linkSlot(long mask) {
    return (int) (mask >> 1) + 1;
  }
}

/** Padding before the producers' index. */
abstract class InboxPad0 {
  @SuppressWarnings("unused")
  private long p00, p01, p02, p03, p04, p05, p06, p07;
}

/** The producers' hot field: CAS by every offer. */
abstract class InboxProducerIndex extends InboxPad0 {
  volatile long producerIndex;
}

/** Padding after the producers' index. */
abstract class InboxPad1 extends InboxProducerIndex {
  @SuppressWarnings("unused")
  private long p10, p11, p12, p13, p14, p15, p16, p17;
}

/**
 * What producers read on every offer but rarely write: the limit before the consumer's index must
 * be re-read, the current chunk, and the loop's {@code polling} flag.
 */
abstract class InboxColdProducerFields extends InboxPad1 {
  volatile long producerLimit;
  long producerMask;
  Object[] producerChunk;
  volatile boolean polling;
  /** Set by the loop, cleared by the producer that links the next chunk. */
  volatile boolean freshChunkWanted;
}

/** Padding before the consumer's fields. */
abstract class InboxPad2 extends InboxColdProducerFields {
  @SuppressWarnings("unused")
  private long p20, p21, p22, p23, p24, p25, p26, p27;
}

/** The consumer's fields: written by the loop thread only; producers read the index. */
abstract class InboxConsumerFields extends InboxPad2 {
  volatile long consumerIndex;
  long consumerMask;
  Object[] consumerChunk;
}
