package dev.vigil.app;

import dev.vigil.event.AlertJson;
import dev.vigil.event.Event;
import dev.vigil.event.SnapshotEvent;
import dev.vigil.k8saudit.AuditEvent;
import dev.vigil.k8saudit.AuditEventParser;
import dev.vigil.k8saudit.AuditEventView;
import dev.vigil.rules.RuleMatching;
import dev.vigil.rules.RuleSet;
import dev.vigil.rules.output.AlertFormatter;
import dev.vigil.rules.replay.SnapshotFormatException;
import dev.vigil.rules.replay.SnapshotReader;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;

/**
 * Replays an event file (one JSON snapshot a line, or a Kubernetes audit log) through a rule set and
 * prints one alert per match. A malformed line is reported with its number and skipped; the replay
 * goes on.
 */
final class Replayer {
    private final RuleSet rules;
    private final RuleMatching matching;
    private final boolean text;
    private final String hostname = AlertFormatter.defaultHostname();
    private final AlertFormatter formatter = new AlertFormatter(hostname);
    private java.util.function.Consumer<dev.vigil.event.Alert> alertSink = a -> {};

    /** What a replay did. */
    record Summary(long events, long alerts, long badLines) {
        @Override
        public String toString() {
            return events + " events, " + alerts + " alerts" + (badLines > 0 ? ", " + badLines + " malformed lines skipped" : "");
        }
    }

    /** Where alerts go besides the printed lines (the in-process outputs). */
    Replayer alertsTo(java.util.function.Consumer<dev.vigil.event.Alert> sink) {
        this.alertSink = java.util.Objects.requireNonNull(sink, "sink");
        return this;
    }

    Replayer(RuleSet rules, RuleMatching matching, boolean text) {
        this.rules = rules;
        this.matching = matching;
        this.text = text;
    }

    Summary replay(String name, BufferedReader in, PrintWriter out, PrintWriter err) throws IOException {
        SnapshotEvent ev = new SnapshotEvent(rules.slots());
        SnapshotReader reader = new SnapshotReader(rules.slots());
        long lineNo = 0;
        long events = 0;
        long alerts = 0;
        long bad = 0;
        String line;
        while ((line = in.readLine()) != null) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            try {
                reader.fill(ev, JsonTree.parse(line));
            } catch (IOException e) {
                bad++;
                err.println(name + ":" + lineNo + ": malformed JSON: " + firstLine(e.getMessage()));
                continue;
            } catch (SnapshotFormatException e) {
                bad++;
                err.println(name + ":" + lineNo + ": " + e.getMessage());
                continue;
            }
            events++;
            alerts += emit(ev, out);
        }
        out.flush();
        return new Summary(events, alerts, bad);
    }

    /**
     * Replays a Kubernetes audit log (JSON lines of Event or EventList, or one JSON document over
     * several lines) through the k8s_audit rules.
     */
    Summary replayAudit(String name, Reader in, PrintWriter out, PrintWriter err) throws IOException {
        AuditEventView view = new AuditEventView(rules.slots(), hostname);
        long[] alerts = {0};
        AuditEventParser.Summary s = new AuditEventParser().read(in, new AuditEventParser.Listener() {
            @Override
            public void event(AuditEvent event) {
                alerts[0] += emit(view.set(event), out);
            }

            @Override
            public void problem(AuditEventParser.Problem problem) {
                err.println(name + ":" + problem.line() + ": " + problem.message());
            }
        });
        out.flush();
        return new Summary(s.events(), alerts[0], s.problems());
    }

    /** Evaluates one event and prints its alerts; returns how many. */
    private long emit(Event ev, PrintWriter out) {
        return rules.evaluate(ev, matching, rule -> {
            var alert = formatter.alert(rule, ev);
            out.println(text ? alert.output() : AlertJson.write(alert));
            alertSink.accept(alert);
        });
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
