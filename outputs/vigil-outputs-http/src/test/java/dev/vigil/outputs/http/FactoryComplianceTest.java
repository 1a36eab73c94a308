package dev.vigil.outputs.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.pipeline.ConfigException;
import dev.vigil.pipeline.OutputFactory;
import dev.vigil.pipeline.OutputSettings;
import dev.vigil.pipeline.Sink;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every factory this module registers, found as the application finds them: through ServiceLoader. */
class FactoryComplianceTest {
    /** The key each type cannot do without (stdout needs none). */
    private static final Map<String, String> REQUIRED = Map.ofEntries(
            Map.entry("file", "path"), Map.entry("webhook", "url"), Map.entry("slack", "webhookurl"), Map.entry("teams", "webhookurl"),
            Map.entry("pagerduty", "routingkey"), Map.entry("alertmanager", "hostport"), Map.entry("elasticsearch", "hostport"),
            Map.entry("opensearch", "hostport"), Map.entry("splunk", "url"), Map.entry("loki", "hostport"), Map.entry("syslog", "host"));

    private static List<OutputFactory> factories() {
        return ServiceLoader.load(OutputFactory.class).stream().map(ServiceLoader.Provider::get).toList();
    }

    @Test
    void everyTypeIsRegisteredOnce() {
        List<String> types = factories().stream().map(OutputFactory::type).toList();
        assertThat(types).doesNotHaveDuplicates()
                .containsExactlyInAnyOrder("stdout", "file", "webhook", "slack", "teams", "pagerduty", "alertmanager", "elasticsearch",
                        "opensearch", "splunk", "loki", "syslog");
        assertThat(types).allMatch(t -> t.equals(t.toLowerCase(java.util.Locale.ROOT)));
    }

    @Test
    void everyFactoryDescribesItsKeys() {
        for (OutputFactory f : factories()) {
            assertThat(f.keys()).as(f.type()).isNotEmpty().doesNotContainAnyElementsOf(OutputSettings.COMMON_KEYS);
            assertThat(f.description()).as(f.type()).isNotBlank().doesNotContain("\n");
            String required = REQUIRED.get(f.type());
            if (required != null) {
                assertThat(f.keys()).as(f.type()).contains(required);
            }
        }
    }

    @Test
    void aMissingRequiredKeyNamesTheOutputAndTheKey() {
        for (OutputFactory f : factories()) {
            String required = REQUIRED.get(f.type());
            OutputSettings empty = new OutputSettings("my-" + f.type(), f.type(), Map.of(), "vigil.yaml:7");
            if (required == null) {
                continue;
            }
            assertThatThrownBy(() -> f.create(empty)).as(f.type()).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("output 'my-" + f.type() + "'").hasMessageContaining("vigil.yaml:7")
                    .hasMessageContaining(required);
        }
    }

    @Test
    void everySinkBuildsFromMinimalSettingsAndLeavesAnUnknownKeyForTheTypoReport() throws Exception {
        Map<String, List<String>> minimal = Map.ofEntries(
                Map.entry("stdout", List.of()), Map.entry("file", List.of("path", "/tmp/vigil-compliance-never-written.json")),
                Map.entry("webhook", List.of("url", "http://127.0.0.1:9/")), Map.entry("slack", List.of("webhookurl", "http://127.0.0.1:9/")),
                Map.entry("teams", List.of("webhookurl", "http://127.0.0.1:9/")), Map.entry("pagerduty", List.of("routingkey", "k")),
                Map.entry("alertmanager", List.of("hostport", "http://127.0.0.1:9")),
                Map.entry("elasticsearch", List.of("hostport", "http://127.0.0.1:9")),
                Map.entry("opensearch", List.of("hostport", "http://127.0.0.1:9")),
                Map.entry("splunk", List.of("url", "http://127.0.0.1:9", "token", "t")),
                Map.entry("loki", List.of("hostport", "http://127.0.0.1:9")), Map.entry("syslog", List.of("host", "127.0.0.1")));
        for (OutputFactory f : factories()) {
            List<String> kv = minimal.get(f.type());
            Map<String, String> values = new java.util.LinkedHashMap<>();
            for (int i = 0; i < kv.size(); i += 2) {
                values.put(kv.get(i), kv.get(i + 1));
            }
            Set<String> typos = new HashSet<>(Set.of("unknownkey"));
            values.put("unknownkey", "x");
            OutputSettings s = new OutputSettings("c-" + f.type(), f.type(), values, "test");
            try (Sink sink = f.create(s)) {
                assertThat(sink.batching()).as(f.type()).isNotNull();
            }
            assertThat(s.unknownKeys()).as(f.type()).isEqualTo(typos);
        }
    }
}
