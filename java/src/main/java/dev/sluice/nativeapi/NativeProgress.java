package dev.sluice.nativeapi;

import java.util.function.LongConsumer;
import java.util.function.ToIntFunction;
import org.bytedeco.javacpp.LongPointer;

/**
 * Native calls that count their progress in a 64-bit word (bytes done): a daemon thread reads the word a
 * few times a second and hands it to a listener while the call runs.
 */
public final class NativeProgress {
    private static final long POLL_MILLIS = 250;

    private NativeProgress() {}

    /**
     * Runs {@code call} with the word it updates, then checks the status it returns; the word's last value is
     * reported once more after the call, so the listener always sees where it ended.
     */
    public static void polled(LongConsumer progress, ToIntFunction<LongPointer> call) {
        try (LongPointer counter = new LongPointer(1)) {
            counter.put(0L);
            Thread poller = Thread.ofPlatform().daemon().name("sluice-progress").start(() -> {
                try {
                    while (true) {
                        progress.accept(counter.get());
                        Thread.sleep(POLL_MILLIS);
                    }
                } catch (InterruptedException e) {
                    // the call has ended
                }
            });
            int status;
            try {
                status = call.applyAsInt(counter);
            } finally {
                stop(poller); // before the word is freed
            }
            NativeStatus.check(status);
            progress.accept(counter.get());
        }
    }

    private static void stop(Thread poller) {
        poller.interrupt();
        boolean interrupted = false;
        while (poller.isAlive()) {
            try {
                poller.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
