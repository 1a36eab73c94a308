package dev.vigil.outputs.http;

import dev.vigil.pipeline.AlertFormatException;
import dev.vigil.pipeline.Envelope;
import dev.vigil.pipeline.FalcoAlert;
import dev.vigil.pipeline.SendResult;
import dev.vigil.pipeline.SendResult.Status;
import dev.vigil.pipeline.Sink;
import java.util.ArrayList;
import java.util.List;

/**
 * The base of every sink here: reads the alerts out of the envelopes, rejects the ones that are not
 * valid alerts (resending cannot fix them), hands the rest to {@link #deliver} and spreads its
 * outcome back over the original batch positions.
 */
abstract class AlertSink implements Sink {

    @Override
    public final SendResult send(List<Envelope> batch) throws InterruptedException {
        int n = batch.size();
        List<FalcoAlert> valid = new ArrayList<>(n);
        int[] position = new int[n];
        String[] invalid = null;
        for (int i = 0; i < n; i++) {
            try {
                position[valid.size()] = i;
                valid.add(batch.get(i).alert());
            } catch (AlertFormatException e) {
                if (invalid == null) {
                    invalid = new String[n];
                }
                invalid[i] = "not a valid alert: " + e.getMessage();
            }
        }
        if (invalid == null) {
            return deliver(valid);
        }
        Status[] statuses = new Status[n];
        String[] reasons = new String[n];
        for (int i = 0; i < n; i++) {
            if (invalid[i] != null) {
                statuses[i] = Status.REJECT;
                reasons[i] = invalid[i];
            }
        }
        if (!valid.isEmpty()) {
            SendResult r = deliver(valid);
            for (int j = 0; j < valid.size(); j++) {
                statuses[position[j]] = r.status(j);
                reasons[position[j]] = r.reason(j);
            }
        }
        return SendResult.perItem(statuses, reasons);
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
