package dev.vigil.k8saudit.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

/** Where the shared k8s-audit fixtures live, and loading helpers. */
final class PolicyFixtures {
    private PolicyFixtures() {}

    static Path dir() {
        Path p = Path.of(System.getProperty("vigil.shared.dir", "../../../shared")).toAbsolutePath().normalize()
                .resolve("fixtures/k8s-audit");
        assertThat(p.resolve("policies")).isDirectory();
        return p;
    }

    static Path policy(String name) {
        return dir().resolve("policies").resolve(name);
    }

    static Policy load(String name) {
        PolicyLoadResult r = PolicyLoader.load(policy(name));
        assertThat(r.errors()).as(name).isEmpty();
        return r.policy();
    }

    static Policy parse(String yaml) {
        PolicyLoadResult r = PolicyLoader.load(yaml, "test.yaml");
        assertThat(r.errors()).as(yaml).isEmpty();
        return r.policy();
    }
}
