package dev.vigil.capture.ebpf;

/** Receives decoded records on the reader thread; the record is reused after the call returns. */
@FunctionalInterface
public interface RecordSink {
    void accept(RawRecord record);
}
