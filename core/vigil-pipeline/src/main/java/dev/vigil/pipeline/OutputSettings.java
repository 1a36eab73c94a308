package dev.vigil.pipeline;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The settings of one named output: flat {@code key=value} text, as given by {@code --output
 * TYPE:key=value,...} or by the config file (nested maps flattened with dots, e.g.
 * {@code headers.X-Api-Key}). Typed getters parse values with errors that name the output and the
 * key, and remember which keys were read, so {@link #unknownKeys()} can report typos.
 *
 * <p>Keys are case-insensitive (Falcosidekick's {@code webhookurl} and {@code webhookURL} are one
 * key); the sub-keys of maps keep their case.
 */
public final class OutputSettings {
    /** Keys every output understands; the pipeline reads them, not the sink. */
    public static final Set<String> COMMON_KEYS = Collections.unmodifiableSet(new LinkedHashSet<>(List.of(
            "name", "minimumpriority", "filter", "queue", "spool", "spool.maxbytes", "spool.full", "spool.stall",
            "retry.initial", "retry.max", "retry.maxelapsed", "timeout", "batch.size", "batch.bytes", "batch.linger",
            "batch.inflight", "dedup.window", "dedup.keys", "deadletter")));

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)?");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?");

    private final String name;
    private final String type;
    private final Map<String, String> values;
    private final String origin;
    private final Set<String> read = new java.util.HashSet<>();

    /**
     * @param origin where the settings came from, for messages, e.g. {@code --output} or {@code vigil.yaml:12}
     */
    public OutputSettings(String name, String type, Map<String, String> values, String origin) {
        this.name = name;
        this.type = type.toLowerCase(Locale.ROOT);
        Map<String, String> v = new LinkedHashMap<>();
        values.forEach((k, val) -> v.put(normalise(k), val));
        this.values = Collections.unmodifiableMap(v);
        this.origin = origin;
    }

    private static String normalise(String key) {
        int dot = key.indexOf('.');
        String head = dot < 0 ? key : key.substring(0, dot);
        String lower = head.toLowerCase(Locale.ROOT);
        // map keys keep their case after the first dot (headers.X-Api-Key); other dotted keys are all lower case
        if (dot >= 0 && !MAP_KEYS.contains(lower)) {
            return key.toLowerCase(Locale.ROOT);
        }
        return dot < 0 ? lower : lower + key.substring(dot);
    }

    private static final Set<String> MAP_KEYS = Set.of("headers", "customheaders", "labels", "extralabels",
            "customfields", "annotations", "extraannotations", "fields", "properties");

    /** The output's name (unique among outputs), e.g. {@code slack-secops}. */
    public String name() {
        return name;
    }

    /** The output type, lower case, e.g. {@code slack}. */
    public String type() {
        return type;
    }

    /** Where these settings came from. */
    public String origin() {
        return origin;
    }

    /** All values, keys normalised. */
    public Map<String, String> values() {
        return values;
    }

    private String where(String key) {
        return "output '" + name + "' (" + type + ", " + origin + "): " + key;
    }

    /** A problem with {@code key}, worded with the output's name and origin. */
    public ConfigException error(String key, String problem) {
        return new ConfigException(where(key) + ": " + problem);
    }

    public boolean has(String key) {
        read.add(normalise(key));
        return values.containsKey(normalise(key));
    }

    public String string(String key, String defaultValue) {
        String k = normalise(key);
        read.add(k);
        String v = values.get(k);
        return v == null ? defaultValue : v;
    }

    public String require(String key) throws ConfigException {
        String v = string(key, null);
        if (v == null || v.isBlank()) {
            throw new ConfigException(where(key) + ": required");
        }
        return v;
    }

    public boolean bool(String key, boolean defaultValue) throws ConfigException {
        String v = string(key, null);
        if (v == null) {
            return defaultValue;
        }
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new ConfigException(where(key) + ": '" + v + "' is not a boolean (true or false)");
        };
    }

    public int integer(String key, int defaultValue, int min, int max) throws ConfigException {
        String v = string(key, null);
        if (v == null) {
            return defaultValue;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n < min || n > max) {
                throw new ConfigException(where(key) + ": " + n + " is out of range [" + min + ", " + max + "]");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigException(where(key) + ": '" + v + "' is not a whole number");
        }
    }

    /** A duration such as {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}; a bare number is seconds. */
    public Duration duration(String key, Duration defaultValue) throws ConfigException {
        String v = string(key, null);
        if (v == null) {
            return defaultValue;
        }
        Matcher m = DURATION.matcher(v.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new ConfigException(where(key) + ": '" + v + "' is not a duration (e.g. 500ms, 30s, 5m, 1h)");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    /** A byte size such as {@code 512k}, {@code 64MiB}, {@code 1g}; a bare number is bytes. */
    public long bytes(String key, long defaultValue) throws ConfigException {
        String v = string(key, null);
        if (v == null) {
            return defaultValue;
        }
        Matcher m = SIZE.matcher(v.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new ConfigException(where(key) + ": '" + v + "' is not a size (e.g. 512k, 64MiB, 1g)");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2);
        long mult = switch (unit.charAt(0)) {
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            default -> 1;
        };
        return Math.multiplyExact(n, mult);
    }

    /** An http(s) URL. */
    public URI url(String key, boolean required) throws ConfigException {
        String v = required ? require(key) : string(key, null);
        if (v == null) {
            return null;
        }
        try {
            URI u = new URI(v.trim());
            if (u.getScheme() == null || !(u.getScheme().equalsIgnoreCase("http") || u.getScheme().equalsIgnoreCase("https"))
                    || u.getHost() == null) {
                throw new ConfigException(where(key) + ": '" + v + "' is not an http:// or https:// URL");
            }
            return u;
        } catch (URISyntaxException e) {
            throw new ConfigException(where(key) + ": '" + v + "' is not a URL: " + e.getReason());
        }
    }

    public Path path(String key, boolean required) throws ConfigException {
        String v = required ? require(key) : string(key, null);
        return v == null ? null : Path.of(v);
    }

    /** A value from a fixed set (case-insensitive); returns the lower-case form. */
    public String oneOf(String key, String defaultValue, Set<String> allowed) throws ConfigException {
        String v = string(key, null);
        if (v == null) {
            return defaultValue;
        }
        String l = v.trim().toLowerCase(Locale.ROOT);
        if (!allowed.contains(l)) {
            throw new ConfigException(where(key) + ": '" + v + "' is not one of " + new TreeSet<>(allowed));
        }
        return l;
    }

    /** A list written as {@code a;b;c} or {@code a|b|c} (commas separate settings on the command line). */
    public List<String> list(String key) {
        String v = string(key, null);
        List<String> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        for (String s : v.split("[;|]")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }

    /**
     * A map: the keys {@code prefix.K} (config file) and the form {@code prefix=K:V;K2:V2}
     * (Falcosidekick's {@code customheaders} string), merged in that order.
     */
    public Map<String, String> map(String prefix) throws ConfigException {
        String p = normalise(prefix);
        Map<String, String> out = new LinkedHashMap<>();
        String inline = string(p, null);
        if (inline != null) {
            for (String pair : inline.split("[;|]")) {
                if (pair.isBlank()) {
                    continue;
                }
                int c = pair.indexOf(':');
                if (c <= 0) {
                    throw new ConfigException(where(p) + ": '" + pair + "' is not KEY:VALUE");
                }
                out.put(pair.substring(0, c).trim(), pair.substring(c + 1).trim());
            }
        }
        for (Map.Entry<String, String> e : values.entrySet()) {
            if (e.getKey().startsWith(p + ".")) {
                read.add(e.getKey());
                out.put(e.getKey().substring(p.length() + 1), e.getValue());
            }
        }
        return out;
    }

    /**
     * Throws when a key was given but never read (a typo), naming the unknown keys and the known
     * ones (every key read so far). Call after the pipeline and the sink read theirs.
     */
    public void requireKnownKeys() throws ConfigException {
        Set<String> unknown = unknownKeys();
        if (!unknown.isEmpty()) {
            throw new ConfigException("output '" + name + "' (" + type + ", " + origin + "): unknown key(s) "
                    + String.join(", ", unknown) + " (known: " + String.join(", ", new TreeSet<>(read)) + ")");
        }
    }

    /** The keys given but never read: typos. Call after the pipeline and the sink read theirs. */
    public Set<String> unknownKeys() {
        Set<String> out = new TreeSet<>();
        for (String k : values.keySet()) {
            if (!read.contains(k)) {
                out.add(k);
            }
        }
        return out;
    }
}
