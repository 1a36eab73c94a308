package dev.vigil.outputs.kafka;

import dev.vigil.pipeline.SendResult.Status;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.UnsupportedCompressionTypeException;

/**
 * Sorts the errors the Kafka client reports into "send again later" and "sending again cannot
 * help". The client already retried transient errors until the delivery timeout, so what reaches
 * us is either still transient (broker away, leader moving, timeout) or a refusal: the record is
 * too large, the principal may not write or authenticate, the topic name is invalid, the broker
 * does not support what was asked. Errors the list does not know are retried: the pipeline's
 * retry budget ends those, and a lost alert is worse than a late one.
 */
final class Failures {
    private Failures() {}

    /** The status for an item whose send failed with {@code error}. */
    static Status status(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            // InvalidConfigurationException covers authentication, authorization, invalid topic,
            // batch too large, unsupported version and invalid record
            if (t instanceof InvalidConfigurationException
                    || t instanceof RecordTooLargeException
                    || t instanceof SerializationException
                    || t instanceof UnsupportedCompressionTypeException) {
                return Status.REJECT;
            }
        }
        return Status.RETRY;
    }

    /** A one-line reason naming the error type, for the dead-letter file and counters. */
    static String reason(Throwable error) {
        String m = error.getMessage();
        String type = error.getClass().getSimpleName();
        return m == null || m.isBlank() ? type : type + ": " + m.strip();
    }
}
