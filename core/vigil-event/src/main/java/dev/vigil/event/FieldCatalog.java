package dev.vigil.event;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The fields of one event source (syscall, k8s_audit), against which conditions and outputs are
 * type-checked. Catalogues are read from {@code fields-<source>.tsv} resources (one field a line:
 * name, type, argument kind, flags, description) and are immutable.
 *
 * <p>Lookup follows Falco: the longest defined field name that is a prefix of the written name
 * wins, and the rest is parsed as the argument ({@code .key} or {@code [arg]}).
 */
public final class FieldCatalog {
    public static final String SYSCALL = "syscall";
    public static final String K8S_AUDIT = "k8s_audit";

    private static final Map<String, FieldCatalog> BUILT_IN = new LinkedHashMap<>();

    private final String source;
    private final Map<String, FieldDef> fields;

    public FieldCatalog(String source, List<FieldDef> defs) {
        this.source = Objects.requireNonNull(source, "source");
        Map<String, FieldDef> m = new LinkedHashMap<>();
        for (FieldDef d : defs) {
            if (m.putIfAbsent(d.name(), d) != null) {
                throw new IllegalArgumentException("duplicate field " + d.name() + " in source " + source);
            }
        }
        this.fields = Collections.unmodifiableMap(m);
    }

    /** The catalogue of a built-in source, if Vigil knows that source. */
    public static synchronized Optional<FieldCatalog> forSource(String source) {
        if (BUILT_IN.isEmpty()) {
            BUILT_IN.put(SYSCALL, load(SYSCALL));
            BUILT_IN.put(K8S_AUDIT, load(K8S_AUDIT));
        }
        return Optional.ofNullable(BUILT_IN.get(source));
    }

    /** All built-in sources, in a stable order. */
    public static List<String> builtInSources() {
        return List.of(SYSCALL, K8S_AUDIT);
    }

    public String source() {
        return source;
    }

    public Map<String, FieldDef> fields() {
        return fields;
    }

    public Optional<FieldDef> get(String exactName) {
        return Optional.ofNullable(fields.get(exactName));
    }

    /**
     * Resolves a written field ({@code proc.aname[2]}, {@code evt.arg.flags}) to its definition and
     * argument.
     *
     * @return the resolved field, or empty when no field of this source matches (Falco's
     *     "nonexistent field")
     * @throws IllegalArgumentException when the field exists but its argument is wrong; the message
     *     says what is wrong
     */
    public Optional<FieldRef> resolve(String written) {
        FieldDef best = null;
        for (int end = written.length(); end > 0; end--) {
            char next = end < written.length() ? written.charAt(end) : 0;
            if (end < written.length() && next != '.' && next != '[') {
                continue;
            }
            FieldDef d = fields.get(written.substring(0, end));
            if (d != null) {
                best = d;
                break;
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        String rest = written.substring(best.name().length());
        String arg = null;
        if (rest.startsWith("[")) {
            if (!rest.endsWith("]")) {
                return Optional.empty();
            }
            arg = rest.substring(1, rest.length() - 1);
        } else if (rest.startsWith(".")) {
            arg = rest.substring(1);
            if (arg.isEmpty()) {
                return Optional.empty();
            }
        }
        ArgKind kind = best.arg();
        if (arg == null) {
            if (kind.required()) {
                throw new IllegalArgumentException("filter " + best.name() + " requires an argument");
            }
        } else {
            if (!kind.takesArgument()) {
                return Optional.empty();
            }
            if (kind.numericOnly() && !isIndex(arg)) {
                throw new IllegalArgumentException("filter " + best.name() + " needs a numeric argument, got '" + arg + "'");
            }
        }
        return Optional.of(new FieldRef(best, arg));
    }

    private static boolean isIndex(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static FieldCatalog load(String source) {
        String resource = "fields-" + source + ".tsv";
        try (InputStream in = FieldCatalog.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            return parse(source, new String(in.readAllBytes(), StandardCharsets.UTF_8), resource);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses a catalogue in the resource format; lines starting with {@code #} are comments. */
    public static FieldCatalog parse(String source, String text, String origin) {
        List<FieldDef> defs = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new java.io.StringReader(text))) {
            String line;
            int no = 0;
            while ((line = r.readLine()) != null) {
                no++;
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] cols = line.split("\t", -1);
                if (cols.length != 5) {
                    throw new IllegalStateException(origin + ":" + no + ": expected 5 tab-separated columns, got " + cols.length);
                }
                EnumSet<FieldFlag> flags = EnumSet.noneOf(FieldFlag.class);
                if (!cols[3].equals("-") && !cols[3].isEmpty()) {
                    for (String f : cols[3].split(",")) {
                        flags.add(FieldFlag.valueOf(f.trim().toUpperCase(java.util.Locale.ROOT)));
                    }
                }
                defs.add(new FieldDef(cols[0], FieldType.valueOf(cols[1].toUpperCase(java.util.Locale.ROOT)),
                        ArgKind.fromLabel(cols[2]), flags, cols[4]));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(origin + ": " + e.getMessage(), e);
        }
        return new FieldCatalog(source, defs);
    }
}
