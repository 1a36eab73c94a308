package dev.vigil.capture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.event.FieldCatalog;
import dev.vigil.event.FieldRef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every syscall field the upstream Falco rule files mention (conditions, outputs, exceptions) has
 * an extractor.
 */
class UpstreamFieldCoverageTest {
    private static final Pattern FIELD = Pattern.compile(
            "\\b(evt|proc|fd|user|group|thread|container|k8s|fs\\.path|syscall)\\.[a-z_0-9.]+(\\[[^\\] ]*\\])?");

    @ParameterizedTest
    @ValueSource(strings = {"falco_rules.yaml", "falco-incubating_rules.yaml", "falco-sandbox_rules.yaml"})
    void everyFieldTheRulesUseIsExtracted(String file) throws Exception {
        Path dir = Path.of(System.getProperty("vigil.shared.dir", "../../../shared"), "fixtures/falco-rules/upstream");
        Path rules = dir.resolve(file);
        assertThat(rules).as("upstream rules fixture").isRegularFile();
        FieldCatalog catalog = FieldCatalog.forSource(FieldCatalog.SYSCALL).orElseThrow();
        Set<String> seen = new TreeSet<>();
        Set<String> missing = new TreeSet<>();
        Matcher m = FIELD.matcher(Files.readString(rules));
        while (m.find()) {
            String written = m.group().replaceAll("\\.$", "");
            Optional<FieldRef> ref;
            try {
                ref = catalog.resolve(written);
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (ref.isEmpty()) {
                continue; // a list item such as registry.k8s.io, not a field
            }
            seen.add(written);
            if (Extractors.forRef(ref.get(), catalog) == Extractor.ABSENT) {
                missing.add(written);
            }
        }
        assertThat(seen).hasSizeGreaterThan(30);
        assertThat(missing).as("fields of %s without an extractor", file).isEmpty();
    }
}
