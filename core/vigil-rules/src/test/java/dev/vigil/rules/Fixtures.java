package dev.vigil.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** Locates the shared upstream fixtures (../shared beside the repository). Missing fixtures fail. */
final class Fixtures {
    private Fixtures() {}

    static Path shared() {
        String dir = System.getProperty("vigil.shared.dir", "../../../shared");
        Path p = Path.of(dir).toAbsolutePath().normalize();
        assertThat(p.resolve("fixtures/falco-rules")).as("shared fixtures at %s", p).isDirectory();
        return p;
    }

    static Path falco(String relative) {
        Path p = shared().resolve("fixtures/falco-rules").resolve(relative);
        assertThat(Files.exists(p)).as("fixture %s", p).isTrue();
        return p;
    }

    static RuleEngine.LoadResult load(String... relative) {
        return load(RuleEngine.Options.defaults(), relative);
    }

    static RuleEngine.LoadResult load(RuleEngine.Options options, String... relative) {
        List<Path> paths = Arrays.stream(relative).map(Fixtures::falco).toList();
        return RuleEngine.loadPaths(paths, options);
    }

    static String describe(RuleEngine.LoadResult r) {
        StringBuilder sb = new StringBuilder();
        for (FileResult f : r.files()) {
            for (Problem p : f.problems()) {
                sb.append(f.name()).append(": ").append(p.code()).append(' ').append(p.itemType()).append(" '")
                        .append(p.itemName()).append("': ").append(p.message()).append('\n');
            }
        }
        return sb.toString();
    }
}
