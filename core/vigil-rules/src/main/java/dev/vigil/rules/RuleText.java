package dev.vigil.rules;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/** The text of one rules file and the name it is reported under. */
public record RuleText(String name, String content) {
    public RuleText {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(content, "content");
    }

    /**
     * Reads files and directories in order; a directory contributes its {@code .yml}/{@code .yaml}
     * files in sorted order. A path that cannot be read yields a {@link RuleText} with null-safe
     * empty content and is reported by {@link RuleEngine#load} as LOAD_ERR_FILE_READ.
     */
    public static List<Path> expand(List<Path> paths) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(f -> Files.isRegularFile(f) && (f.toString().endsWith(".yml") || f.toString().endsWith(".yaml")))
                            .sorted()
                            .forEach(out::add);
                }
            } else {
                out.add(p);
            }
        }
        return out;
    }

    public static RuleText read(Path p) throws IOException {
        return new RuleText(p.toString(), Files.readString(p, StandardCharsets.UTF_8));
    }
}
