package dev.vigil.capture.ebpf;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * The x86-64 syscall table: name to number and back.
 *
 * <p>The table is generated at build time, not committed: the vigil-probe build
 * ({@code src/main/bpf/build.sh}) reads the {@code __NR_*} defines of
 * {@code /usr/include/x86_64-linux-gnu/asm/unistd_64.h} (Debian package linux-libc-dev) into the resource
 * {@code dev/vigil/probe/syscalls-x86_64.txt} ({@code number name} per line). It therefore knows the
 * syscalls of the build machine's kernel headers (Debian 12: Linux 6.1, numbers up to 450); newer syscalls
 * are unknown by name but can still be selected by number.
 */
public final class Syscalls {
    static final String RESOURCE = "dev/vigil/probe/syscalls-x86_64.txt";

    private static final String[] NAMES;
    private static final Map<String, Integer> NUMBERS;

    static {
        Map<String, Integer> numbers = new HashMap<>();
        int max = -1;
        try (InputStream in = Syscalls.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCE + " is missing from the classpath (built by vigil-probe)");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            for (String line; (line = reader.readLine()) != null; ) {
                line = line.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                int space = line.indexOf(' ');
                int nr = Integer.parseInt(line.substring(0, space));
                numbers.put(line.substring(space + 1).strip(), nr);
                max = Math.max(max, nr);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String[] names = new String[max + 1];
        numbers.forEach((name, nr) -> names[nr] = name);
        NAMES = names;
        NUMBERS = Collections.unmodifiableMap(numbers);
    }

    private Syscalls() {
    }

    /** The number of a syscall such as {@code "openat"}, or -1 when the name is unknown. */
    public static int number(String name) {
        Integer nr = NUMBERS.get(name);
        return nr == null ? -1 : nr;
    }

    /**
     * The number of the syscall behind a Falco event type, or -1: the syscall of that name, else the
     * one Falco names without its {@code 64} suffix ({@code pread} is {@code pread64}).
     */
    public static int numberOfEvent(String eventType) {
        int nr = number(eventType);
        return nr >= 0 ? nr : number(eventType + "64");
    }

    /** The name of syscall {@code nr}, or null when the number is unknown. */
    public static String name(int nr) {
        return nr >= 0 && nr < NAMES.length ? NAMES[nr] : null;
    }

    /** Every known name with its number. */
    public static Map<String, Integer> all() {
        return NUMBERS;
    }
}
