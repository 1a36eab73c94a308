package dev.vigil.capture.state;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The x86-64 system call table: number to name and back. Read from the kernel headers
 * ({@code asm/unistd_64.h}) when installed, otherwise from the copy generated from them into the
 * {@code syscalls-x86_64.tsv} resource. Immutable after loading.
 *
 * <p>Vigil's own table reader: the probe module may later ship an equivalent; this one only serves
 * state tracking and event naming.
 */
final class Syscalls {
    static final Path HEADER = Path.of("/usr/include/x86_64-linux-gnu/asm/unistd_64.h");
    private static final Syscalls INSTANCE = load();

    private final String[] names;
    private final Map<String, Integer> numbers;

    private Syscalls(Map<String, Integer> numbers) {
        int max = numbers.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        this.names = new String[max + 1];
        numbers.forEach((n, nr) -> names[nr] = n);
        this.numbers = Map.copyOf(numbers);
    }

    static Syscalls get() {
        return INSTANCE;
    }

    /** The name of syscall {@code nr}, or {@code null} when unknown. */
    String name(int nr) {
        return nr >= 0 && nr < names.length ? names[nr] : null;
    }

    /** The number of a syscall, or -1 when unknown. */
    int number(String name) {
        Integer nr = numbers.get(name);
        return nr == null ? -1 : nr;
    }

    int size() {
        return numbers.size();
    }

    private static Syscalls load() {
        try {
            if (Files.isReadable(HEADER)) {
                return new Syscalls(parseHeader(Files.readString(HEADER)));
            }
            try (InputStream in = Syscalls.class.getResourceAsStream("syscalls-x86_64.tsv")) {
                if (in == null) {
                    throw new IllegalStateException("missing resource syscalls-x86_64.tsv");
                }
                return new Syscalls(parseTable(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code #define __NR_name number} lines. */
    static Map<String, Integer> parseHeader(String text) {
        Map<String, Integer> m = new HashMap<>();
        for (String line : text.split("\n")) {
            String[] parts = line.trim().split("\\s+");
            if (parts.length == 3 && parts[0].equals("#define") && parts[1].startsWith("__NR_")) {
                try {
                    m.put(parts[1].substring(5), Integer.parseInt(parts[2]));
                } catch (NumberFormatException ignored) {
                    // an alias defined by another macro; not a number
                }
            }
        }
        return m;
    }

    /** {@code number<TAB>name} lines; {@code #} starts a comment. */
    static Map<String, Integer> parseTable(String text) {
        Map<String, Integer> m = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] cols = line.split("\t");
            m.put(cols[1].trim(), Integer.parseInt(cols[0].trim()));
        }
        return m;
    }
}
