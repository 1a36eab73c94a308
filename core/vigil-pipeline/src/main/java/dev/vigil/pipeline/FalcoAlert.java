package dev.vigil.pipeline;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.vigil.event.Alert;
import dev.vigil.event.AlertJson;
import dev.vigil.event.Priority;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A Falco alert as it travels through Vigil's outputs: the JSON that Falco's {@code http_output}
 * sends (and Falcosidekick accepts), plus the {@code uuid} the forwarder assigns.
 *
 * <p>{@link #parse} validates as Falcosidekick's {@code Check()} does: {@code rule} non-empty,
 * {@code priority} a known name (case-insensitive, {@code info} accepted), {@code time} an RFC 3339
 * timestamp, {@code output_fields} a non-empty object. {@code source} defaults to {@code syscalls}.
 *
 * @param uuid          the identifier the forwarder assigned, or {@code null} before that
 * @param timeNanos     the alert time, nanoseconds since the epoch
 * @param outputFields  field name to value: {@code String}, {@code Long}, {@code BigDecimal}
 *                      (other numbers), {@code Boolean} or {@code null}, in received order
 */
public record FalcoAlert(
        String uuid,
        long timeNanos,
        Priority priority,
        String rule,
        String source,
        List<String> tags,
        String hostname,
        String output,
        Map<String, Object> outputFields) {

    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
            .build();

    public FalcoAlert {
        Objects.requireNonNull(priority, "priority");
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(source, "source");
        tags = List.copyOf(tags);
        output = output == null ? "" : output;
        // a map this class froze already (parse, withUuid, another alert's fields) is not copied again
        outputFields = outputFields instanceof Fields f ? f : new Fields(new LinkedHashMap<>(outputFields));
    }

    /**
     * An alert as received, with its JSON: {@code canonical} when that JSON says nothing the alert
     * does not (no {@code uuid}, {@code priority} spelled as Falco does, {@code source},
     * {@code hostname}, {@code output} and {@code tags} present, {@code time} in Falco's UTC form
     * with nanoseconds, no other members, scalar and distinct {@code output_fields}, on one line), so
     * a forwarder may pass the received bytes on with a uuid added instead of writing them again.
     */
    public static final class Received {
        private final byte[] json;
        private final boolean canonical;
        private final long timeNanos;
        private final int timeStart;
        private FalcoAlert alert;

        Received(FalcoAlert alert, byte[] json, boolean canonical) {
            this(alert, json, canonical, 0, -1);
        }

        Received(FalcoAlert alert, byte[] json, boolean canonical, long timeNanos, int timeStart) {
            this.alert = alert;
            this.json = json;
            this.canonical = canonical;
            this.timeNanos = timeNanos;
            this.timeStart = timeStart;
        }

        /**
         * For canonical bytes: the alert time, and where its 30 characters ({@code 2026-11-26T10:00:00.123456789Z})
         * start in {@link #json()}; -1 when not known.
         */
        public int timeStart() {
            return timeStart;
        }

        public long timeNanos() {
            return timeNanos;
        }

        /** The alert; for canonical bytes parsed from them on first use (they were checked already). */
        public FalcoAlert alert() {
            if (alert == null) {
                try {
                    alert = parse(json);
                } catch (AlertFormatException e) {
                    throw new IllegalStateException("checked alert bytes no longer parse: " + e.getMessage(), e);
                }
            }
            return alert;
        }

        public byte[] json() {
            return json;
        }

        public boolean canonical() {
            return canonical;
        }
    }

    /**
     * {@link #parse(byte[])}, also saying whether the bytes are canonical (see {@link Received}). Canonical
     * bytes are only checked, with every check {@code parse} makes, and not turned into an alert here: a
     * forwarder passes them on and most outputs never need the parsed alert.
     */
    public static Received parseReceived(byte[] json) throws AlertFormatException {
        boolean[] canonical = {true};
        long[] time = {0, -1};
        parse(json, 0, json.length, canonical, time);
        if (canonical[0] && onOneLine(json)) {
            return new Received(null, json, true, time[0], rawFalcoTime(json, (int) time[1]) ? (int) time[1] : -1);
        }
        // not canonical (the check said so, or the object spans lines, which line-oriented outputs need
        // written again): the alert itself, which reports what is wrong where the check only said "not canonical"
        return new Received(parse(json), json, false);
    }

    /** A bit of its own for each member of Falco's alert, 0 for any other name. */
    private static int memberBit(String name) {
        return switch (name) {
            case "uuid" -> 1;
            case "time" -> 2;
            case "priority" -> 4;
            case "rule" -> 8;
            case "source" -> 16;
            case "hostname" -> 32;
            case "output" -> 64;
            case "tags" -> 128;
            case "output_fields" -> 256;
            default -> 0;
        };
    }

    /**
     * Whether the 30 bytes at {@code at} are the time as written, in Falco's form ({@code 2026-11-26T10:00:00.123456789Z}
     * between quotes, no escapes), so they may be copied as they are; the check reads the decoded value.
     */
    private static boolean rawFalcoTime(byte[] json, int at) {
        if (at < 1 || at + AlertHead.TIME_LENGTH >= json.length || json[at - 1] != '"' || json[at + AlertHead.TIME_LENGTH] != '"'
                || json[at + 10] != 'T' || json[at + 19] != '.' || json[at + 29] != 'Z') {
            return false;
        }
        for (int i = at; i < at + AlertHead.TIME_LENGTH; i++) {
            if (json[i] == '\\' || json[i] < 0x20) {
                return false;
            }
        }
        return true;
    }

    /** Whether the JSON object in {@code json} (whitespace after it aside) holds no line break. */
    private static boolean onOneLine(byte[] json) {
        int end = json.length;
        while (end > 0 && json[end - 1] != '}') {
            end--;
        }
        for (int i = 0; i < end; i++) {
            if (json[i] == '\n' || json[i] == '\r') {
                return false;
            }
        }
        return true;
    }

    /** An unmodifiable view of fields no one else holds. */
    private static final class Fields extends java.util.AbstractMap<String, Object> {
        private final Map<String, Object> map;
        private final java.util.Set<Map.Entry<String, Object>> entries;

        Fields(Map<String, Object> owned) {
            this.map = owned;
            this.entries = Collections.unmodifiableMap(owned).entrySet();
        }

        @Override
        public java.util.Set<Map.Entry<String, Object>> entrySet() {
            return entries;
        }

        @Override
        public Object get(Object key) {
            return map.get(key);
        }

        @Override
        public int size() {
            return map.size();
        }
    }

    /** The same alert with another uuid. */
    public FalcoAlert withUuid(String newUuid) {
        return new FalcoAlert(newUuid, timeNanos, priority, rule, source, tags, hostname, output, outputFields);
    }

    /** An alert of Vigil's own rules engine, in the forwarder's shape (no uuid yet). */
    public static FalcoAlert of(Alert a) {
        return new FalcoAlert(null, a.timestampNanos(), a.priority(), a.rule(), a.source(), a.tags(), a.hostname(),
                a.output(), a.outputFields());
    }

    /** The RFC 3339 time with nanoseconds, as Falco writes it: {@code 2026-11-26T10:00:00.123456789Z}. */
    public String time() {
        return AlertJson.utc(timeNanos);
    }

    /** A field of {@code output_fields}, or {@code null}. */
    public Object field(String name) {
        return outputFields.get(name);
    }

    /** Falco's JSON with {@code uuid} when set; {@code output_fields} sorted by name, as Falco does. */
    public String toJson() {
        StringBuilder sb = new StringBuilder(256 + output.length() * 2);
        sb.append("{\"hostname\":");
        AlertJson.string(sb, hostname == null ? "" : hostname);
        sb.append(",\"output\":");
        AlertJson.string(sb, output);
        sb.append(",\"output_fields\":{");
        boolean first = true;
        for (Map.Entry<String, Object> e : new TreeMap<>(outputFields).entrySet()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            AlertJson.string(sb, e.getKey());
            sb.append(':');
            switch (e.getValue()) {
                case null -> sb.append("null");
                case String s -> AlertJson.string(sb, s);
                case Number n -> sb.append(n instanceof BigDecimal b ? b.toString() : n.toString());
                case Boolean b -> sb.append(b);
                default -> AlertJson.string(sb, e.getValue().toString());
            }
        }
        sb.append("},\"priority\":");
        AlertJson.string(sb, priority.displayName());
        sb.append(",\"rule\":");
        AlertJson.string(sb, rule);
        sb.append(",\"source\":");
        AlertJson.string(sb, source);
        sb.append(",\"tags\":[");
        for (int i = 0; i < tags.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            AlertJson.string(sb, tags.get(i));
        }
        sb.append("],\"time\":");
        AlertJson.string(sb, time());
        if (uuid != null) {
            sb.append(",\"uuid\":");
            AlertJson.string(sb, uuid);
        }
        sb.append('}');
        return sb.toString();
    }

    /** {@link #toJson()} as UTF-8. */
    public byte[] toJsonBytes() {
        return toJson().getBytes(StandardCharsets.UTF_8);
    }

    /** Parses and validates one alert; the exception names the field or the byte offset at fault. */
    public static FalcoAlert parse(byte[] json) throws AlertFormatException {
        return parse(json, 0, json.length);
    }

    /** Parses and validates one alert from {@code json[offset, offset+length)}. */
    public static FalcoAlert parse(byte[] json, int offset, int length) throws AlertFormatException {
        return parse(json, offset, length, null, null);
    }

    /**
     * {@code canonical[0]} is cleared when the JSON is not in Falco's form (null when not asked). With {@code checkOnly} (not null), makes every check but builds no alert (returns null) and reads
     * neither {@code output} nor the values of {@code output_fields}, and sets {@code checkOnly} to the
     * time in nanoseconds and the offset of its first character; {@code canonical} must then be given, and
     * once it is cleared the caller parses again without {@code checkOnly}, which reports what is wrong in
     * the non-canonical parts.
     */
    private static FalcoAlert parse(byte[] json, int offset, int length, boolean[] canonical, long[] checkOnly)
            throws AlertFormatException {
        boolean check = checkOnly != null;
        boolean plain = true;
        if (length == 0) {
            throw new AlertFormatException("empty body: expected a Falco JSON alert");
        }
        try (JsonParser p = JSON.createParser(json, offset, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new AlertFormatException("expected a JSON object at offset " + p.currentTokenLocation().getByteOffset());
            }
            String uuid = null;
            String time = null;
            String priority = null;
            String rule = null;
            String source = null;
            String hostname = null;
            String output = null;
            List<String> tags = NO_TAGS;
            Map<String, Object> fields = null;
            int seen = 0;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                int bit = memberBit(name);
                if ((seen & bit) != 0) {
                    plain = false; // a member given twice: the alert keeps the last, the bytes say both
                }
                seen |= bit;
                switch (name) {
                    case "uuid" -> {
                        uuid = string(p, t, name);
                        plain = false;
                    }
                    case "time" -> {
                        time = string(p, t, name);
                        if (check) {
                            checkOnly[1] = p.currentTokenLocation().getByteOffset() + 1; // past the opening quote
                        }
                    }
                    case "priority" -> priority = string(p, t, name);
                    case "rule" -> rule = string(p, t, name);
                    case "source" -> source = string(p, t, name);
                    case "hostname" -> hostname = string(p, t, name);
                    case "output" -> output = check ? checkedString(t, name) : string(p, t, name);
                    case "tags" -> tags = tags(p, t);
                    case "output_fields" -> {
                        if (fields != null) {
                            plain = false;
                        }
                        fields = check ? checkFields(p, t, canonical) : fields(p, t, canonical);
                    }
                    default -> {
                        plain = false;
                        p.skipChildren();
                    }
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT) {
                throw new AlertFormatException("malformed JSON object at offset " + p.currentTokenLocation().getByteOffset());
            }
            if (p.nextToken() != null) {
                throw new AlertFormatException("trailing data after the alert at offset " + p.currentTokenLocation().getByteOffset());
            }
            if (rule == null || rule.isEmpty()) {
                throw new AlertFormatException("missing or empty \"rule\"");
            }
            if (priority == null) {
                throw new AlertFormatException("missing \"priority\"");
            }
            String given = priority;
            Priority prio = Priority.parse(given).orElseThrow(() -> new AlertFormatException(
                    "unknown \"priority\" '" + given + "' (expected emergency, alert, critical, error, warning, notice, informational or debug)"));
            if (time == null) {
                throw new AlertFormatException("missing \"time\"");
            }
            long nanos = timeNanos(time);
            if (canonical != null) {
                plain &= source != null && !source.isEmpty() && hostname != null && output != null
                        && given.equals(prio.displayName()) && isFalcoTime(time) && tags != NO_TAGS;
                canonical[0] &= plain;
            }
            if (fields == null || fields.isEmpty()) {
                throw new AlertFormatException("missing or empty \"output_fields\"");
            }
            if (check) {
                checkOnly[0] = nanos;
                return null;
            }
            String src = source == null || source.isEmpty() ? "syscalls" : source;
            return new FalcoAlert(uuid, nanos, prio, rule, src, tags, hostname, output, fields);
        } catch (JsonParseException e) {
            throw new AlertFormatException("invalid JSON at offset " + e.getLocation().getByteOffset() + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new AlertFormatException("unreadable body: " + e.getMessage());
        } catch (NumberFormatException e) {
            // a number Jackson reads but cannot convert (an exponent of thousands of digits)
            throw new AlertFormatException("unreadable number in \"output_fields\": " + e.getMessage());
        }
    }

    private static final List<String> NO_TAGS = List.of();

    /** Falco's form: {@code 2026-11-26T10:00:00.123456789Z}. */
    private static boolean isFalcoTime(String t) {
        return t.length() == 30 && t.charAt(19) == '.' && t.charAt(29) == 'Z';
    }

    private static long timeNanos(String time) throws AlertFormatException {
        long fast = fastTimeNanos(time);
        if (fast != Long.MIN_VALUE) {
            return fast;
        }
        try {
            Instant i = OffsetDateTime.parse(time).toInstant();
            if (i.equals(Instant.EPOCH) || time.startsWith("0001-01-01")) {
                throw new AlertFormatException("\"time\" is zero");
            }
            return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000_000L), i.getNano());
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new AlertFormatException("\"time\" '" + time + "' is not an RFC 3339 timestamp");
        }
    }

    /**
     * {@code YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)} without {@link OffsetDateTime}; {@code
     * Long.MIN_VALUE} for anything else (a zero time, a leap second, another form), left to the full parser.
     */
    static long fastTimeNanos(String t) {
        int n = t.length();
        if (n < 20 || t.charAt(4) != '-' || t.charAt(7) != '-' || (t.charAt(10) != 'T' && t.charAt(10) != 't')
                || t.charAt(13) != ':' || t.charAt(16) != ':') {
            return Long.MIN_VALUE;
        }
        int year = digits(t, 0, 4);
        int month = digits(t, 5, 7);
        int day = digits(t, 8, 10);
        int hour = digits(t, 11, 13);
        int minute = digits(t, 14, 16);
        int second = digits(t, 17, 19);
        // (outside 1678-2261 the nanoseconds overflow a long: the full parser names it)
        if (year < 1678 || year > 2261 || month < 1 || month > 12 || day < 1 || day > java.time.YearMonth.of(year, month).lengthOfMonth()
                || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
            return Long.MIN_VALUE;
        }
        int i = 19;
        long frac = 0;
        if (i < n && t.charAt(i) == '.') {
            int start = ++i;
            while (i < n && t.charAt(i) >= '0' && t.charAt(i) <= '9') {
                if (i - start < 9) {
                    frac = frac * 10 + (t.charAt(i) - '0');
                }
                i++;
            }
            int count = i - start;
            if (count == 0 || count > 9) {
                return Long.MIN_VALUE;
            }
            for (int k = count; k < 9; k++) {
                frac *= 10;
            }
        }
        int offsetSeconds;
        if (i == n - 1 && (t.charAt(i) == 'Z' || t.charAt(i) == 'z')) {
            offsetSeconds = 0;
        } else if (i == n - 6 && (t.charAt(i) == '+' || t.charAt(i) == '-') && t.charAt(i + 3) == ':') {
            int oh = digits(t, i + 1, i + 3);
            int om = digits(t, i + 4, i + 6);
            if (oh < 0 || oh > 18 || om < 0 || om > 59) {
                return Long.MIN_VALUE;
            }
            offsetSeconds = (oh * 3600 + om * 60) * (t.charAt(i) == '-' ? -1 : 1);
        } else {
            return Long.MIN_VALUE;
        }
        long epochSecond = java.time.LocalDate.of(year, month, day).toEpochDay() * 86_400L + hour * 3600L + minute * 60L + second
                - offsetSeconds;
        if (epochSecond == 0 && frac == 0) {
            return Long.MIN_VALUE; // the zero time: the full parser names it
        }
        return epochSecond * 1_000_000_000L + frac;
    }

    /** The decimal number in {@code t[from, to)}, or -1. */
    private static int digits(String t, int from, int to) {
        int v = 0;
        for (int i = from; i < to; i++) {
            char c = t.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static String string(JsonParser p, JsonToken t, String name) throws IOException, AlertFormatException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.VALUE_STRING) {
            throw new AlertFormatException("\"" + name + "\" must be a string, got " + describe(t));
        }
        return p.getText();
    }

    /** As {@link #string} without reading the text: "" for a string, null for null. */
    private static String checkedString(JsonToken t, String name) throws AlertFormatException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.VALUE_STRING) {
            throw new AlertFormatException("\"" + name + "\" must be a string, got " + describe(t));
        }
        return "";
    }

    /**
     * As {@link #fields} for canonical bytes, without reading the values: a map of as many entries as
     * members (empty or not is all the caller looks at); clears {@code canonical[0]} where {@code fields}
     * does (a fraction, an object or array, a repeated name), after which the caller parses again.
     */
    private static Map<String, Object> checkFields(JsonParser p, JsonToken t, boolean[] canonical)
            throws IOException, AlertFormatException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.START_OBJECT) {
            throw new AlertFormatException("\"output_fields\" must be an object, got " + describe(t));
        }
        String[] names = new String[16];
        int n = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String k = p.currentName(); // the parser's canonical instance: equal names are the same object
            switch (p.nextToken()) {
                case VALUE_NULL, VALUE_STRING, VALUE_TRUE, VALUE_FALSE -> { }
                case VALUE_NUMBER_INT -> p.getNumberType(); // an unreadable number fails here as in fields()
                default -> {
                    canonical[0] = false;
                    p.skipChildren();
                }
            }
            for (int i = 0; i < n && canonical[0]; i++) {
                if (names[i] == k || names[i].equals(k)) {
                    canonical[0] = false;
                }
            }
            if (n == names.length) {
                names = java.util.Arrays.copyOf(names, n * 2);
            }
            names[n++] = k;
        }
        return n == 0 ? Map.of() : CHECKED;
    }

    /** Stands for the non-empty fields of checked bytes. */
    private static final Map<String, Object> CHECKED = Map.of("", "");

    private static List<String> tags(JsonParser p, JsonToken t) throws IOException, AlertFormatException {
        if (t == JsonToken.VALUE_NULL) {
            return List.of();
        }
        if (t != JsonToken.START_ARRAY) {
            throw new AlertFormatException("\"tags\" must be an array of strings, got " + describe(t));
        }
        List<String> out = new ArrayList<>();
        JsonToken e;
        while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
            if (e != JsonToken.VALUE_STRING) {
                throw new AlertFormatException("\"tags\"[" + out.size() + "] must be a string, got " + describe(e));
            }
            out.add(p.getText());
        }
        return out;
    }

    private static Map<String, Object> fields(JsonParser p, JsonToken t, boolean[] canonical) throws IOException, AlertFormatException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.START_OBJECT) {
            throw new AlertFormatException("\"output_fields\" must be an object, got " + describe(t));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String k = p.currentName();
            JsonToken v = p.nextToken();
            Object value = switch (v) {
                case VALUE_NULL -> null;
                case VALUE_STRING -> p.getText();
                case VALUE_TRUE -> Boolean.TRUE;
                case VALUE_FALSE -> Boolean.FALSE;
                case VALUE_NUMBER_INT -> p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                        ? new BigDecimal(p.getBigIntegerValue()) : (Object) p.getLongValue();
                case VALUE_NUMBER_FLOAT -> {
                    if (canonical != null) {
                        canonical[0] = false; // written again as BigDecimal text
                    }
                    yield p.getDecimalValue();
                }
                default -> {
                    if (canonical != null) {
                        canonical[0] = false;
                    }
                    // Falco only sends scalars; keep anything else as its JSON text
                    StringBuilder raw = new StringBuilder();
                    copyStructure(p, raw);
                    yield raw.toString();
                }
            };
            if (canonical != null && out.containsKey(k)) {
                canonical[0] = false; // a repeated name: the last value counts
            }
            out.put(k, value);
        }
        return out;
    }

    private static void copyStructure(JsonParser p, StringBuilder sb) throws IOException {
        int depth = 0;
        JsonToken t = p.currentToken();
        boolean needComma = false;
        do {
            switch (t) {
                case START_OBJECT, START_ARRAY -> {
                    if (needComma) {
                        sb.append(',');
                    }
                    sb.append(t == JsonToken.START_OBJECT ? '{' : '[');
                    depth++;
                    needComma = false;
                }
                case END_OBJECT, END_ARRAY -> {
                    sb.append(t == JsonToken.END_OBJECT ? '}' : ']');
                    depth--;
                    needComma = true;
                }
                case FIELD_NAME -> {
                    if (needComma) {
                        sb.append(',');
                    }
                    AlertJson.string(sb, p.currentName());
                    sb.append(':');
                    needComma = false;
                }
                default -> {
                    if (needComma) {
                        sb.append(',');
                    }
                    if (t == JsonToken.VALUE_STRING) {
                        AlertJson.string(sb, p.getText());
                    } else {
                        sb.append(p.getText());
                    }
                    needComma = true;
                }
            }
            if (depth > 0) {
                t = p.nextToken();
            }
        } while (depth > 0);
    }

    private static String describe(JsonToken t) {
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.toString();
        };
    }
}
