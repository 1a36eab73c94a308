package dev.vigil.app;

import dev.vigil.event.AlertJson;
import dev.vigil.event.SnapshotEvent;
import dev.vigil.rules.RuleMatching;
import dev.vigil.rules.RuleSet;
import dev.vigil.rules.output.AlertFormatter;
import dev.vigil.rules.replay.SnapshotFormatException;
import dev.vigil.rules.replay.SnapshotReader;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;

/**
 * Replays an event file (one JSON snapshot a line) through a rule set and prints one alert per
 * match. A malformed line is reported with its number and skipped; the replay goes on.
 */
final class Replayer {
    private final RuleSet rules;
    private final RuleMatching matching;
    private final boolean text;
    private final AlertFormatter formatter = new AlertFormatter(AlertFormatter.defaultHostname());

    /** What a replay did. */
    record Summary(long events, long alerts, long badLines) {
        @Override
        public String toString() {
            return events + " events, " + alerts + " alerts" + (badLines > 0 ? ", " + badLines + " malformed lines skipped" : "");
        }
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
            final long[] count = {0};
            rules.evaluate(ev, matching, rule -> {
                var alert = formatter.alert(rule, ev);
                out.println(text ? alert.output() : AlertJson.write(alert));
                count[0]++;
            });
            alerts += count[0];
        }
        out.flush();
        return new Summary(events, alerts, bad);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
