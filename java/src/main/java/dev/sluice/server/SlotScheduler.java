package dev.sluice.server;

import dev.sluice.engine.Model;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The decode loop: one platform thread drives every slot's session, a token at a time in turn, so a
 * long answer never starves the others and the native model is never called from two threads. Jobs
 * wait in a bounded FIFO queue for a free slot; past it they are refused (429). A free slot is chosen
 * by the longest prompt prefix its KV cache already holds, then by least recent use.
 */
final class SlotScheduler implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SlotScheduler.class.getName());
    private static final int RETRY_AFTER_SECONDS = 1;

    private final List<Slot> slots = new ArrayList<>();
    private final ArrayDeque<Job> waiting = new ArrayDeque<>();
    private final int queueCapacity;
    private final Thread loop;
    private int busy;
    private boolean closed;

    SlotScheduler(Model model, int parallel, int contextLength, int queueCapacity) {
        this.queueCapacity = queueCapacity;
        try {
            for (int i = 0; i < parallel; i++) {
                slots.add(new Slot(model.newSession(contextLength)));
            }
        } catch (RuntimeException e) {
            slots.forEach(Slot::close);
            throw e;
        }
        loop = Thread.ofPlatform().name("sluice-decode").daemon().start(this::run);
    }

    /** Queues a job, or refuses it with 429 when every slot is busy and the queue is full. */
    synchronized void submit(Job job) {
        if (closed) {
            throw ApiException.unavailable("the server is shutting down", 0);
        }
        if (busy == slots.size() && waiting.size() >= queueCapacity) {
            throw ApiException.busy(RETRY_AFTER_SECONDS);
        }
        waiting.add(job);
        notifyAll();
    }

    synchronized int busySlots() {
        return busy;
    }

    synchronized int waitingJobs() {
        return waiting.size();
    }

    int slotCount() {
        return slots.size();
    }

    private void run() {
        List<Slot> turn = new ArrayList<>();
        while (true) {
            synchronized (this) {
                while (!closed && busy == 0 && waiting.isEmpty()) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        closed = true;
                    }
                }
                if (closed) {
                    break;
                }
                admit(System.nanoTime());
                turn.clear();
                slots.stream().filter(Slot::busy).forEach(turn::add);
            }
            for (Slot slot : turn) {
                if (!step(slot)) {
                    synchronized (this) {
                        busy--;
                    }
                }
            }
        }
        shutDown();
    }

    /** Drops jobs whose client left or whose time ran out while waiting, then fills the free slots. */
    private void admit(long now) {
        for (Iterator<Job> it = waiting.iterator(); it.hasNext(); ) {
            Job job = it.next();
            if (job.cancelled() || job.expired(now)) {
                it.remove();
                job.publish(new Job.Failed(ApiException.unavailable(
                        "the request waited longer than its time limit for a free slot", RETRY_AFTER_SECONDS)));
            }
        }
        while (!waiting.isEmpty()) {
            Slot slot = bestFreeSlot(waiting.peek().prompt());
            if (slot == null) {
                return;
            }
            Job job = waiting.poll();
            busy++;
            try {
                slot.start(job, now);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "could not start a generation", e);
                slot.fail(ApiException.internal());
                busy--;
            }
        }
    }

    private Slot bestFreeSlot(int[] prompt) {
        Slot best = null;
        int bestPrefix = -1;
        for (Slot s : slots) {
            if (s.busy()) {
                continue;
            }
            int prefix = s.reusablePrefix(prompt);
            if (prefix > bestPrefix || (prefix == bestPrefix && s.lastUsed() < best.lastUsed())) {
                best = s;
                bestPrefix = prefix;
            }
        }
        return best;
    }

    /** One token for one slot; a failure ends that job alone (500), never the loop. */
    private boolean step(Slot slot) {
        try {
            return slot.step(System.nanoTime());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "generation failed", e);
            slot.fail(ApiException.internal());
            return false;
        }
    }

    private void shutDown() {
        ApiException gone = ApiException.unavailable("the server is shutting down", 0);
        synchronized (this) {
            waiting.forEach(job -> job.publish(new Job.Failed(gone)));
            waiting.clear();
        }
        for (Slot slot : slots) {
            if (slot.busy()) {
                slot.fail(gone);
            }
            slot.close();
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        try {
            loop.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
