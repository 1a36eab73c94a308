package dev.vigil.outputs.kafka;

import dev.vigil.event.Priority;
import dev.vigil.pipeline.Envelope;
import dev.vigil.pipeline.FalcoAlert;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Alerts and envelopes for the tests. */
final class Alerts {
    private Alerts() {}

    static FalcoAlert alert(String rule, String hostname, Map<String, Object> fields) {
        return new FalcoAlert(UUID.randomUUID().toString(), 1_764_151_200_123_456_789L, Priority.WARNING, rule,
                "syscalls", List.of("container", "shell"), hostname, "Warning " + rule + " on " + hostname, fields);
    }

    static FalcoAlert alert(int i) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("proc.name", "bash");
        fields.put("proc.pid", 1000L + i);
        fields.put("k8s.ns.name", "ns-" + (i % 3));
        return alert("Terminal shell in container", "node-" + (i % 2), fields);
    }

    static Envelope envelope(int i) {
        return Envelope.of(alert(i));
    }
}
