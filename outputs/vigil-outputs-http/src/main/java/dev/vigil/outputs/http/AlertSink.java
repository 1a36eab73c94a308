package dev.vigil.outputs.http;

import dev.vigil.pipeline.AlertFormatException;
import dev.vigil.pipeline.Envelope;
import dev.vigil.pipeline.FalcoAlert;
import dev.vigil.pipeline.LogRecord;
import dev.vigil.pipeline.SendResult;
import dev.vigil.pipeline.SendResult.Status;
import dev.vigil.pipeline.Sink;
import java.util.ArrayList;
import java.util.List;

/**
 * The base of every sink here: reads the alerts out of the envelopes, rejects the ones that are not
 * valid alerts (resending cannot fix them), hands the rest to {@link #deliver} and spreads its
 * outcome back over the original batch positions. Log records go to {@link #deliverLogs}, which
 * refuses them unless the sink ships logs.
 */
abstract class AlertSink implements Sink {

    @Override
    public final SendResult send(List<Envelope> batch) throws InterruptedException {
        int logCount = 0;
        for (Envelope e : batch) {
            logCount += e.isLog() ? 1 : 0;
        }
        if (logCount == 0) {
            return deliverAlerts(batch);
        }
        if (logCount == batch.size()) {
            return deliverLogs(batch);
        }
        int n = batch.size();
        List<Envelope> logs = new ArrayList<>(logCount);
        List<Envelope> alerts = new ArrayList<>(n - logCount);
        int[] logAt = new int[logCount];
        int[] alertAt = new int[n - logCount];
        for (int i = 0; i < n; i++) {
            Envelope e = batch.get(i);
            if (e.isLog()) {
                logAt[logs.size()] = i;
                logs.add(e);
            } else {
                alertAt[alerts.size()] = i;
                alerts.add(e);
            }
        }
        Status[] statuses = new Status[n];
        String[] reasons = new String[n];
        spread(deliverAlerts(alerts), alertAt, alerts.size(), statuses, reasons);
        spread(deliverLogs(logs), logAt, logs.size(), statuses, reasons);
        return SendResult.perItem(statuses, reasons);
    }

    /** Copies the outcome of item {@code j} of a part to {@code position[j]} of the whole batch. */
    private static void spread(SendResult r, int[] position, int count, Status[] statuses, String[] reasons) {
        for (int j = 0; j < count; j++) {
            statuses[position[j]] = r.status(j);
            reasons[position[j]] = r.reason(j);
        }
    }

    /**
     * Sends the alert envelopes of a batch (never an empty list) and says what happened. This
     * default reads each alert ({@link #parsed}, rejecting the invalid ones) and calls {@link #deliver}.
     */
    SendResult deliverAlerts(List<Envelope> alerts) throws InterruptedException {
        return parsed(alerts, Envelope::alert, "not a valid alert: ", this::deliver);
    }

    /**
     * Sends log records (never an empty list; see {@link LogRecord}) and says what happened. This
     * default refuses them: the output type has no form for log lines.
     */
    SendResult deliverLogs(List<Envelope> logs) throws InterruptedException {
        return SendResult.reject("this output type does not ship log records");
    }

    /** Reads one envelope into what a sender needs. */
    interface Reader<T> {
        T read(Envelope e) throws AlertFormatException;
    }

    /** Sends what was read (never an empty list). */
    interface Sender<T> {
        SendResult send(List<T> items) throws InterruptedException;
    }

    /**
     * Reads every envelope, rejects the ones that cannot be read (resending cannot fix them, the
     * reason starts with {@code why}), hands the rest to {@code sender} and spreads its outcome
     * back over the batch positions.
     */
    static <T> SendResult parsed(List<Envelope> batch, Reader<T> reader, String why, Sender<T> sender)
            throws InterruptedException {
        int n = batch.size();
        List<T> good = new ArrayList<>(n);
        int[] position = new int[n];
        String[] bad = null;
        for (int i = 0; i < n; i++) {
            try {
                position[good.size()] = i;
                good.add(reader.read(batch.get(i)));
            } catch (AlertFormatException e) {
                if (bad == null) {
                    bad = new String[n];
                }
                bad[i] = why + e.getMessage();
            }
        }
        if (bad == null) {
            return sender.send(good);
        }
        Status[] statuses = new Status[n];
        String[] reasons = new String[n];
        for (int i = 0; i < n; i++) {
            if (bad[i] != null) {
                statuses[i] = Status.REJECT;
                reasons[i] = bad[i];
            }
        }
        if (!good.isEmpty()) {
            spread(sender.send(good), position, good.size(), statuses, reasons);
        }
        return SendResult.perItem(statuses, reasons);
    }

    /** A parsed log record and the body it came from (the document starts at byte 1). */
    record LogItem(LogRecord record, byte[] body) {}

    /** For sinks that need the fields of log records: parses them first (see {@link #parsed}). */
    static SendResult records(List<Envelope> logs, Sender<LogItem> sender) throws InterruptedException {
        return parsed(logs, e -> new LogItem(e.log(), e.body()), "not a valid log record: ", sender);
    }

    /** Sends valid alerts (never an empty list) and says what happened, for the batch or per alert. */
    abstract SendResult deliver(List<FalcoAlert> alerts) throws InterruptedException;

    /** For destinations that take one alert per request: sends each and combines the outcomes. */
    abstract static class OneByOne extends AlertSink {
        @Override
        final SendResult deliver(List<FalcoAlert> alerts) throws InterruptedException {
            if (alerts.size() == 1) {
                return deliverOne(alerts.getFirst());
            }
            Status[] statuses = new Status[alerts.size()];
            String[] reasons = new String[alerts.size()];
            for (int i = 0; i < alerts.size(); i++) {
                SendResult r = deliverOne(alerts.get(i));
                statuses[i] = r.status(0);
                reasons[i] = r.reason(0);
            }
            return SendResult.perItem(statuses, reasons);
        }

        abstract SendResult deliverOne(FalcoAlert alert) throws InterruptedException;
    }
}
