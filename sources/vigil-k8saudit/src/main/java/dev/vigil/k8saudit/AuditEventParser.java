package dev.vigil.k8saudit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Reads Kubernetes audit events from JSON, as the k8saudit plugin accepts them: a JSON object with
 * {@code "kind": "Event"}, one with {@code "kind": "EventList"} (its {@code items} are the events),
 * or a JSON array of those. apiVersion is not looked at (v1, v1beta1 and none are all fine) and
 * unknown members are kept.
 *
 * <p>{@link #read} takes a whole input: JSON lines (an audit log file), but also a document that
 * spans several lines (a pretty-printed Event or EventList). It never throws for bad data: a value
 * that is not JSON, or JSON that is not an audit event, is reported as a {@link Problem} with the
 * line it started on, and reading goes on (after a syntax error, from the next line that starts with
 * '{' or '[' in its first column). The JSON is parsed by jackson-core's non-blocking parser fed one
 * line at a time, so a document is read in one pass however it is laid out.
 *
 * <p>Every event also keeps its <em>source text</em>: the bytes of its JSON object as they were read, from
 * its '{' to its '}' ({@link AuditEvent#sourceText()}), located by the parser's byte offsets. The
 * store keeps those bytes when protection changes nothing, instead of serialising the tree again.
 * {@link #read(byte[], Listener)} takes them from the input array itself (no copy); {@link #read(Reader,
 * Listener)} from the lines it fed, which are the input except for line endings (CRLF read as LF) and
 * malformed UTF-8 (read as U+FFFD).
 *
 * <p>Each event needs a time: its {@code stageTimestamp} (RFC 3339), or for old logs without it the
 * legacy v1beta1 {@code timestamp}. An event without either is reported and skipped.
 *
 * <p>Instances are not thread-safe; use one per input.
 */
public final class AuditEventParser {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(500).build())
            .build();
    private static final int PREVIEW = 80;

    /** Something wrong in the input: the (1-based) line the offending value started on, and what. */
    public record Problem(long line, String message) {
        @Override
        public String toString() {
            return "line " + line + ": " + message;
        }
    }

    /** Receives what {@link #read} finds, in input order. */
    public interface Listener {
        void event(AuditEvent event);

        void problem(Problem problem);

        /** Each complete top-level JSON value, before the events in it (to check the shape of a document). */
        default void value(Object root) {}
    }

    /** A listener that keeps everything it is handed, in order. */
    public static final class Collector implements Listener {
        private final List<AuditEvent> events = new ArrayList<>();
        private final List<Problem> problems = new ArrayList<>();
        private final List<Object> values = new ArrayList<>();

        @Override
        public void event(AuditEvent event) {
            events.add(event);
        }

        @Override
        public void value(Object root) {
            values.add(root);
        }

        /** The top-level JSON values read. */
        public List<Object> values() {
            return values;
        }

        @Override
        public void problem(Problem problem) {
            problems.add(problem);
        }

        public List<AuditEvent> events() {
            return events;
        }

        public List<Problem> problems() {
            return problems;
        }
    }

    /** What a read found. */
    public record Summary(long lines, long events, long problems) {}

    /** Thrown by {@link #parse} for input that is not one or more audit events. */
    public static final class AuditFormatException extends Exception {
        private static final long serialVersionUID = 1L;

        public AuditFormatException(String message) {
            super(message);
        }
    }

    private JsonParser parser;
    private ByteArrayFeeder feeder;
    private final TreeBuilder tree = new TreeBuilder();
    private long line;
    private long valueLine;
    private long events;
    private long problems;
    private Listener listener;
    /** The bytes fed to the current parser since {@link #windowBase} (the line reader), or the input itself (byte mode). */
    private byte[] window = new byte[0];
    private int windowLen;
    /** The parser's byte offset of {@code window[windowStart]}. */
    private long windowBase;
    private int windowStart;
    /** Whether events may refer to {@link #window} (byte mode, where it is the caller's input) instead of copying. */
    private boolean shareWindow;

    /**
     * Parses one JSON text holding an Event, an EventList or an array of those; any problem fails
     * the whole text.
     */
    public static List<AuditEvent> parse(String json) throws AuditFormatException {
        Collector c = new Collector();
        try {
            new AuditEventParser().read(new java.io.StringReader(json), c);
        } catch (IOException e) {
            throw new AuditFormatException(e.getMessage());
        }
        if (!c.problems().isEmpty()) {
            throw new AuditFormatException(c.problems().getFirst().toString());
        }
        if (c.events().isEmpty()) {
            throw new AuditFormatException("no audit event in the input");
        }
        return c.events();
    }

    /**
     * Reads every event of an input and hands each event and each problem to {@code listener}.
     *
     * @throws IOException only when reading {@code in} fails
     */
    public Summary read(Reader in, Listener listener) throws IOException {
        this.listener = listener;
        line = 0;
        events = 0;
        problems = 0;
        reset();
        BufferedReader r = in instanceof BufferedReader b ? b : new BufferedReader(in);
        boolean resync = false;
        String text;
        while ((text = r.readLine()) != null) {
            line++;
            if (line == 1 && !text.isEmpty() && text.charAt(0) == '\uFEFF') {
                text = text.substring(1);
            }
            if (resync) {
                if (!startsValue(text)) {
                    continue;
                }
                resync = false;
            }
            try {
                feed(text);
            } catch (JsonProcessingException e) {
                boolean startedEarlier = tree.depth() > 0 && valueLine < line;
                report(startedEarlier ? valueLine : line,
                        "malformed JSON" + (startedEarlier ? " on line " + line : "") + ": " + message(e));
                reset();
                if (startedEarlier && startsValue(text)) {
                    try {
                        feed(text);
                    } catch (JsonProcessingException again) {
                        report(line, "malformed JSON: " + message(again));
                        reset();
                        resync = true;
                    }
                } else {
                    resync = true;
                }
            }
        }
        feeder.endOfInput();
        try {
            drain();
        } catch (JsonProcessingException e) {
            if (tree.depth() == 0) {
                report(line, "malformed JSON: " + message(e));
            }
        }
        if (tree.depth() > 0) {
            report(valueLine, "malformed JSON: the input ends inside this value");
        }
        parser.close();
        return new Summary(line, events, problems);
    }

    /**
     * Reads a whole input held in memory (e.g. a webhook request body) without decoding it to text first: the
     * bytes go to the JSON parser as they are, and each event's {@linkplain AuditEvent#sourceText() source text}
     * is a view of {@code data} (which must not be changed afterwards). Events are handed on only when the
     * whole input is well formed; otherwise (malformed JSON or UTF-8, or a value that is not an audit event)
     * the input is read again by {@link #read(Reader, Listener)}, so problems are reported exactly as there.
     *
     * @throws IOException never for bad data
     */
    public Summary read(byte[] data, Listener listener) throws IOException {
        Collector found = new Collector();
        this.listener = found;
        events = 0;
        problems = 0;
        reset();
        int start = data.length >= 3 && (data[0] & 0xff) == 0xEF && (data[1] & 0xff) == 0xBB && (data[2] & 0xff) == 0xBF ? 3 : 0;
        window = data;
        windowStart = 0;
        windowLen = data.length;
        shareWindow = true;
        long lines = 0;
        try (JsonParser p = FACTORY.createParser(data, start, data.length - start)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (tree.depth() == 0) {
                    valueLine = p.currentTokenLocation().getLineNr();
                }
                Object done;
                if ((t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) && tree.lazyHere()) {
                    // a member of an event: its text is checked now and parsed into a tree only when read
                    int from = (int) p.currentTokenLocation().getByteOffset() + start;
                    p.skipChildren();
                    int to = (int) p.currentLocation().getByteOffset() + start;
                    done = tree.add(new Json.Lazy(data, from, to - from));
                } else {
                    done = tree.push(t, p, start);
                }
                if (done != null) {
                    found.value(done);
                    accept(done, valueLine);
                    tree.spans.clear();
                }
            }
            lines = p.currentLocation().getLineNr() - (data.length > 0 && data[data.length - 1] == '\n' ? 1 : 0);
        } catch (JsonProcessingException e) {
            found.problem(new Problem(line, "malformed JSON"));
        } finally {
            shareWindow = false;
            window = new byte[0];
            reset();
        }
        if (!found.problems().isEmpty()) {
            return read(new java.io.InputStreamReader(new java.io.ByteArrayInputStream(data), StandardCharsets.UTF_8), listener);
        }
        this.listener = listener;
        for (Object v : found.values()) {
            listener.value(v);
        }
        for (AuditEvent e : found.events()) {
            listener.event(e);
        }
        return new Summary(lines, found.events().size(), 0);
    }

    /**
     * The tree of one JSON value held as UTF-8 in {@code data[offset, offset + length)} ({@link Json.Lazy}); malformed
     * UTF-8 is read as U+FFFD, as {@link #read(Reader, Listener)} does.
     *
     * @throws IllegalStateException when the text is not one JSON value
     */
    static Object parseValue(byte[] data, int offset, int length) {
        try (JsonParser p = FACTORY.createParser(data, offset, length)) {
            return parseValue(p);
        } catch (IOException e) {
            try (JsonParser p = FACTORY.createParser(new String(data, offset, length, StandardCharsets.UTF_8))) {
                return parseValue(p);
            } catch (IOException again) {
                throw new IllegalStateException("malformed JSON inside an audit event: " + again.getMessage(), again);
            }
        }
    }

    private static Object parseValue(JsonParser p) throws IOException {
        TreeBuilder b = new TreeBuilder();
        b.locate = false;
        JsonToken t;
        while ((t = p.nextToken()) != null) {
            Object done = b.push(t, p, 0);
            if (done != null) {
                return done;
            }
        }
        throw new com.fasterxml.jackson.core.JsonParseException(p, "the value ends early");
    }

    private static boolean startsValue(String text) {
        return !text.isEmpty() && (text.charAt(0) == '{' || text.charAt(0) == '[');
    }

    private void reset() throws IOException {
        if (parser != null) {
            parser.close();
        }
        parser = FACTORY.createNonBlockingByteArrayParser();
        feeder = (ByteArrayFeeder) parser.getNonBlockingInputFeeder();
        tree.clear();
        if (window.length > 1 << 20) {
            window = new byte[0]; // do not keep a large document's buffer
        }
        windowLen = 0;
        windowStart = 0;
        windowBase = 0;
    }

    private void feed(String text) throws IOException {
        byte[] bytes = (text + "\n").getBytes(StandardCharsets.UTF_8);
        if (tree.depth() == 0) {
            // no value is open: what was fed so far is no longer needed for source texts
            windowBase += windowLen;
            windowLen = 0;
        }
        if (windowLen + bytes.length > window.length) {
            window = java.util.Arrays.copyOf(window, Math.max(windowLen + bytes.length, window.length * 2));
        }
        System.arraycopy(bytes, 0, window, windowLen, bytes.length);
        windowLen += bytes.length;
        feeder.feedInput(bytes, 0, bytes.length);
        drain();
    }

    private void drain() throws IOException {
        JsonToken t;
        while ((t = parser.nextToken()) != null && t != JsonToken.NOT_AVAILABLE) {
            if (tree.depth() == 0) {
                valueLine = shareWindow ? parser.currentTokenLocation().getLineNr() : line;
            }
            Object done = tree.push(t, parser, 0);
            if (done != null) {
                listener.value(done);
                accept(done, valueLine);
                tree.spans.clear();
            }
        }
    }

    private static String message(JsonProcessingException e) {
        String m = e.getOriginalMessage();
        if (m == null) {
            return e.getClass().getSimpleName();
        }
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    private void report(long at, String message) {
        problems++;
        listener.problem(new Problem(at, message));
    }

    /** Turns one complete JSON value into events, as the plugin does. */
    private void accept(Object value, long at) {
        if (value instanceof List<?> l) {
            for (Object v : l) {
                accept(v, at);
            }
            return;
        }
        String kind = value instanceof Json.Obj o && o.get("kind") instanceof String k ? k : null;
        if ("Event".equals(kind)) {
            single((Json.Obj) value, at, "");
            return;
        }
        if ("EventList".equals(kind) && ((Json.Obj) value).get("items") instanceof List<?> items) {
            for (int i = 0; i < items.size(); i++) {
                String where = "EventList item " + i + ": ";
                if (items.get(i) instanceof Json.Obj item) {
                    single(item, at, where);
                } else {
                    report(at, where + "an event must be a JSON object, got " + preview(items.get(i)));
                }
            }
            return;
        }
        report(at, "not a Kubernetes audit event (expected \"kind\": \"Event\" or \"EventList\" with \"items\", "
                + "or an array of them): " + preview(value));
    }

    private void single(Json.Obj event, long at, String where) {
        Object ts = event.get("stageTimestamp");
        String name = "stageTimestamp";
        if (ts == null) {
            ts = event.get("timestamp");
            name = "timestamp";
        }
        if (ts == null) {
            report(at, where + "the event has no stageTimestamp (nor legacy timestamp) to take its time from"
                    + idSuffix(event));
            return;
        }
        long nanos;
        try {
            nanos = parseTime(ts instanceof String s ? s : Json.compact(ts));
        } catch (DateTimeParseException bad) {
            report(at, where + name + " " + Json.compact(ts) + " is not an RFC 3339 time" + idSuffix(event));
            return;
        } catch (ArithmeticException outOfRange) {
            report(at, where + name + " " + Json.compact(ts) + " is out of range (years 1678 to 2262)" + idSuffix(event));
            return;
        }
        events++;
        listener.event(sourced(event, nanos, at));
    }

    /** The event with its source text when the parser located it in what is still held. */
    private AuditEvent sourced(Json.Obj event, long nanos, long at) {
        long[] span = tree.spans.get(event);
        if (span != null) {
            long from = span[0] - windowBase + windowStart;
            long to = span[1] - windowBase + windowStart;
            if (from >= windowStart && to <= windowStart + (long) windowLen && from < to && window[(int) from] == '{' && window[(int) to - 1] == '}') {
                int f = (int) from;
                int n = (int) (to - from);
                return shareWindow ? new AuditEvent(event, nanos, at, window, f, n)
                        : new AuditEvent(event, nanos, at, java.util.Arrays.copyOfRange(window, f, f + n), 0, n);
            }
        }
        return new AuditEvent(event, nanos, at);
    }

    private static String idSuffix(Json.Obj event) {
        return event.get("auditID") instanceof String id ? " (auditID " + id + ")" : "";
    }

    /** An RFC 3339 time ({@code 2018-10-25T14:09:12.581541Z}, any offset) as nanoseconds since the epoch. */
    static long parseTime(String text) {
        long fast = parseTimeFast(text);
        if (fast != Long.MIN_VALUE) {
            return fast;
        }
        Instant i = OffsetDateTime.parse(text).toInstant();
        return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000_000L), i.getNano());
    }

    /**
     * The form kube-apiserver writes, {@code YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)}, read without
     * the general parser; {@link Long#MIN_VALUE} for anything else (the general parser then decides, so the
     * result and the errors are the same).
     */
    static long parseTimeFast(String t) {
        int n = t.length();
        if (n < 20 || t.charAt(4) != '-' || t.charAt(7) != '-' || t.charAt(10) != 'T' || t.charAt(13) != ':'
                || t.charAt(16) != ':') {
            return Long.MIN_VALUE;
        }
        int year = digits(t, 0, 4);
        int month = digits(t, 5, 2);
        int day = digits(t, 8, 2);
        int hour = digits(t, 11, 2);
        int minute = digits(t, 14, 2);
        int second = digits(t, 17, 2);
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > java.time.YearMonth.of(year, month).lengthOfMonth()
                || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
            return Long.MIN_VALUE;
        }
        int i = 19;
        long nanos = 0;
        if (i < n && t.charAt(i) == '.') {
            int scale = 100_000_000;
            i++;
            int first = i;
            while (i < n && t.charAt(i) >= '0' && t.charAt(i) <= '9') {
                if (i - first >= 9) {
                    return Long.MIN_VALUE;
                }
                nanos += (long) (t.charAt(i) - '0') * scale;
                scale /= 10;
                i++;
            }
            if (i == first) {
                return Long.MIN_VALUE;
            }
        }
        int offsetSeconds;
        if (i == n - 1 && t.charAt(i) == 'Z') {
            offsetSeconds = 0;
        } else if (i == n - 6 && (t.charAt(i) == '+' || t.charAt(i) == '-') && t.charAt(i + 3) == ':') {
            int oh = digits(t, i + 1, 2);
            int om = digits(t, i + 4, 2);
            if (oh < 0 || oh > 18 || om < 0 || om > 59 || (oh == 18 && om > 0)) {
                return Long.MIN_VALUE;
            }
            offsetSeconds = (oh * 3600 + om * 60) * (t.charAt(i) == '-' ? -1 : 1);
        } else {
            return Long.MIN_VALUE;
        }
        long epochSecond = java.time.LocalDate.of(year, month, day).toEpochDay() * 86_400L + hour * 3600L + minute * 60L
                + second - offsetSeconds;
        return Math.addExact(Math.multiplyExact(epochSecond, 1_000_000_000L), nanos);
    }

    /** The decimal number in {@code t[from, from + count)}, or -1 when a character there is not a digit. */
    private static int digits(String t, int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            char c = t.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static String preview(Object v) {
        String s = Json.compact(v);
        return s.length() <= PREVIEW ? s : s.substring(0, PREVIEW) + "...";
    }

    /** Builds trees from a token stream that may stop anywhere (the non-blocking parser). */
    private static final class TreeBuilder {
        private static final class Frame {
            final boolean object;
            final ArrayList<String> keys;
            final ArrayList<Object> values = new ArrayList<>();
            String pendingKey;
            /** Parser byte offset of the object's '{', or -1 when not tracked. */
            long start = -1;

            Frame(boolean object) {
                this.object = object;
                this.keys = object ? new ArrayList<>() : null;
            }
        }

        /** How deep objects are located: an Event at the top, in an array, in an EventList's items, or in an array of EventLists. */
        private static final int SPAN_DEPTH = 3;
        /** Containers that are members of an object this deep (an EventList's events) may be left unparsed. */
        private static final int LAZY_DEPTH = 3;
        /** Whether objects' byte spans are recorded (not needed when a lazy member is parsed). */
        boolean locate = true;
        private final ArrayDeque<Frame> stack = new ArrayDeque<>();
        /** Byte offsets [from '{', past '}') of the objects that may be events, for the value being built. */
        final java.util.IdentityHashMap<Json.Obj, long[]> spans = new java.util.IdentityHashMap<>();

        int depth() {
            return stack.size();
        }

        void clear() {
            stack.clear();
            spans.clear();
        }

        /** Whether a container starting now is a member of an object at {@link #LAZY_DEPTH} (may stay unparsed). */
        boolean lazyHere() {
            return stack.size() >= LAZY_DEPTH && stack.peek().object;
        }

        /**
         * Takes one token; returns the root value when it completes, else null. Byte offsets are the
         * parser's plus {@code base}.
         */
        Object push(JsonToken t, JsonParser p, int base) throws IOException {
            Object v;
            switch (t) {
                case START_OBJECT -> {
                    Frame f = new Frame(true);
                    if (locate && stack.size() <= SPAN_DEPTH) {
                        // the current location is just past the '{'
                        f.start = p.currentLocation().getByteOffset() - 1 + base;
                    }
                    stack.push(f);
                    return null;
                }
                case START_ARRAY -> {
                    stack.push(new Frame(false));
                    return null;
                }
                case FIELD_NAME -> {
                    stack.peek().pendingKey = p.currentName();
                    return null;
                }
                case END_OBJECT -> {
                    Frame f = stack.pop();
                    Json.Obj o = new Json.Obj(f.keys.toArray(String[]::new), f.values.toArray());
                    if (f.start >= 0) {
                        spans.put(o, new long[] {f.start, p.currentLocation().getByteOffset() + base});
                    }
                    v = o;
                }
                case END_ARRAY -> {
                    Frame f = stack.pop();
                    f.values.trimToSize();
                    v = Collections.unmodifiableList(f.values);
                }
                case VALUE_STRING -> v = p.getText();
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> v = new Json.Num(p.getText());
                case VALUE_TRUE -> v = Boolean.TRUE;
                case VALUE_FALSE -> v = Boolean.FALSE;
                case VALUE_NULL -> v = Json.NULL;
                default -> throw new com.fasterxml.jackson.core.JsonParseException(p, "unexpected JSON token " + t);
            }
            return add(v);
        }

        /** Adds a complete value to the open container; returns it when it is the root, else null. */
        Object add(Object v) {
            Frame top = stack.peek();
            if (top == null) {
                return v;
            }
            if (top.object) {
                top.keys.add(top.pendingKey);
            }
            top.values.add(v);
            return null;
        }
    }
}
