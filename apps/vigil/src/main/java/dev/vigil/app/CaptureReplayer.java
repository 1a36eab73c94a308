package dev.vigil.app;

import dev.vigil.capture.LiveEvent;
import dev.vigil.capture.ebpf.RawRecord;
import dev.vigil.capture.file.CaptureReader;
import dev.vigil.capture.state.SyscallState;
import dev.vigil.event.AlertJson;
import dev.vigil.rules.RuleMatching;
import dev.vigil.rules.RuleSet;
import dev.vigil.rules.output.AlertFormatter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * Replays a capture file ({@code vigil capture}) through a rule set exactly as the live agent
 * evaluates records: the file's state, then per record apply, load the event view, evaluate. Alert
 * times are the recorded times; the host name is the capturing agent's.
 */
final class CaptureReplayer {
    private final RuleSet rules;
    private final RuleMatching matching;
    private final boolean text;

    /** What a replay did; {@code warning} says why it ended early, or is null. */
    record Summary(long records, long alerts, String warning) {
        @Override
        public String toString() {
            return records + " records, " + alerts + " alerts";
        }
    }

    CaptureReplayer(RuleSet rules, RuleMatching matching, boolean text) {
        this.rules = rules;
        this.matching = matching;
        this.text = text;
    }

    Summary replay(Path file, PrintWriter out) throws IOException {
        try (CaptureReader in = CaptureReader.open(file)) {
            SyscallState state = in.state();
            LiveEvent event = new LiveEvent(rules.slots(), state);
            String host = in.properties().get("alert.hostname");
            AlertFormatter formatter = new AlertFormatter(host != null ? host : state.hostname());
            RawRecord r = new RawRecord();
            long[] alerts = {0};
            while (in.next(r)) {
                state.apply(r);
                event.load(r);
                rules.evaluate(event, matching, rule -> {
                    var alert = formatter.alert(rule, event);
                    out.println(text ? alert.output() : AlertJson.write(alert));
                    alerts[0]++;
                });
            }
            out.flush();
            return new Summary(in.records(), alerts[0], in.warning());
        }
    }
}
