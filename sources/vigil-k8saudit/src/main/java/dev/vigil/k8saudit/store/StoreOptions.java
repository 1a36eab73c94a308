package dev.vigil.k8saudit.store;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * How a store rotates, retains, signs and de-duplicates.
 *
 * @param maxSegmentBytes a segment is sealed and a new one started when the next record would make it larger
 *     (like --audit-log-maxsize); 0 = never rotate
 * @param maxSegments sealed segments kept (like --audit-log-maxbackup); 0 = keep all
 * @param maxAge sealed segments older than this (by their checkpoint's seal time) are removed (like --audit-log-maxage);
 *     null or zero = no age limit
 * @param privateKey the Ed25519 PKCS#8 PEM signing key; null = {@code store.key} in the store directory, generated on first use
 * @param dedupCapacity how many recent (auditID, stage, stageTimestamp) keys are remembered
 * @param clock the time source for seal times and age retention
 */
public record StoreOptions(long maxSegmentBytes, int maxSegments, Duration maxAge, Path privateKey, int dedupCapacity, Clock clock) {
    public static final long DEFAULT_MAX_SEGMENT_BYTES = 100L * 1024 * 1024;

    public static StoreOptions defaults() {
        return new StoreOptions(DEFAULT_MAX_SEGMENT_BYTES, 0, null, null, 100_000, Clock.systemUTC());
    }

    public StoreOptions withMaxSegmentBytes(long v) {
        return new StoreOptions(v, maxSegments, maxAge, privateKey, dedupCapacity, clock);
    }

    public StoreOptions withMaxSegments(int v) {
        return new StoreOptions(maxSegmentBytes, v, maxAge, privateKey, dedupCapacity, clock);
    }

    public StoreOptions withMaxAge(Duration v) {
        return new StoreOptions(maxSegmentBytes, maxSegments, v, privateKey, dedupCapacity, clock);
    }

    public StoreOptions withPrivateKey(Path v) {
        return new StoreOptions(maxSegmentBytes, maxSegments, maxAge, v, dedupCapacity, clock);
    }

    public StoreOptions withDedupCapacity(int v) {
        return new StoreOptions(maxSegmentBytes, maxSegments, maxAge, privateKey, v, clock);
    }

    public StoreOptions withClock(Clock v) {
        return new StoreOptions(maxSegmentBytes, maxSegments, maxAge, privateKey, dedupCapacity, v);
    }
}
