package dev.vigil.pipeline;

import java.util.Objects;

/**
 * One item in delivery: the bytes the spool keeps (for alerts, Falco's JSON with the uuid; for log
 * shipping a {@link LogRecord} body) and the parsed alert or record, read from those bytes on first
 * use when the envelope came back from the spool.
 */
public final class Envelope {
    private final byte[] body;
    /** The parsed alert or log record, once read. */
    private Object view;
    /** For alert bytes checked on receipt ({@link #ofChecked}); else null. */
    private AlertHead head;

    private Envelope(byte[] body, FalcoAlert alert) {
        this.body = Objects.requireNonNull(body, "body");
        this.view = alert;
    }

    /** An envelope for an alert; the body is its JSON. */
    public static Envelope of(FalcoAlert alert) {
        return new Envelope(alert.toJsonBytes(), alert);
    }

    /**
     * An envelope for an alert whose JSON the caller already holds (the received bytes with the
     * uuid added); {@code json} must be what {@link FalcoAlert#parse} reads as {@code alert}.
     */
    public static Envelope of(FalcoAlert alert, byte[] json) {
        return new Envelope(json, Objects.requireNonNull(alert, "alert"));
    }

    /** An envelope from stored bytes (the spool); the alert is parsed when first asked for. */
    public static Envelope ofBody(byte[] body) {
        return new Envelope(body, null);
    }

    /**
     * An envelope for alert bytes in Falco's form that were checked as they were received, with their
     * {@link AlertHead} found then, so an output need not scan them again (when they come back from the
     * spool's disk the head is scanned anew).
     */
    public static Envelope ofChecked(byte[] body, AlertHead head) {
        Envelope e = new Envelope(body, null);
        e.head = Objects.requireNonNull(head, "head");
        return e;
    }

    /** The head found when the bytes were checked, or null. */
    public AlertHead head() {
        return head;
    }

    /** The bytes as stored and as most outputs send them. Do not modify. */
    public byte[] body() {
        return body;
    }

    /** The alert these bytes hold. */
    public FalcoAlert alert() throws AlertFormatException {
        return view instanceof FalcoAlert a ? a : (FalcoAlert) (view = FalcoAlert.parse(body));
    }

    /** Whether the body is a log record rather than an alert. */
    public boolean isLog() {
        return LogRecord.isLogRecord(body);
    }

    /** The log record these bytes hold. */
    public LogRecord log() throws AlertFormatException {
        return view instanceof LogRecord r ? r : (LogRecord) (view = LogRecord.parse(body));
    }

    /** The size that counts against batch and spool limits. */
    public int size() {
        return body.length;
    }
}
