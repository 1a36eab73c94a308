package dev.vigil.app;

import dev.vigil.event.Event;
import dev.vigil.event.FieldCatalog;
import dev.vigil.event.FieldRef;
import dev.vigil.event.FieldSlots;
import dev.vigil.pipeline.FalcoAlert;
import dev.vigil.rules.condition.Ast;
import dev.vigil.rules.condition.ConditionParser;
import dev.vigil.rules.condition.ConditionSyntaxException;
import dev.vigil.rules.filter.Filter;
import dev.vigil.rules.filter.FilterCompileException;
import dev.vigil.rules.filter.FilterCompiler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The routing filter of an output: a condition in Vigil's (Falco's) condition language over the
 * alert, compiled and evaluated by the rules engine. Fields are {@code rule}, {@code priority},
 * {@code source}, {@code hostname}, {@code output}, {@code uuid}, {@code tags} (a list) and
 * {@code output_fields[NAME]}; each may also be written with an {@code alert.} prefix, which is how
 * the engine knows them (its field names have a dot). Example:
 * {@code output_fields[k8s.ns.name] in (payments, billing) and not tags intersects (test)}.
 *
 * <p>Thread-safe: each test reads the alert through its own small view.
 */
final class AlertFilter implements Predicate<FalcoAlert> {
    static final String SOURCE = "alert";
    private static final FieldCatalog CATALOG = loadCatalog();
    private static final Set<String> BARE = Set.of("rule", "priority", "source", "hostname", "output", "uuid", "tags");
    private static final Pattern OPERATOR = Pattern.compile(
            "\\s*(=|==|!=|<=|>=|<|>|contains\\b|icontains\\b|bcontains\\b|startswith\\b|bstartswith\\b|endswith\\b"
                    + "|glob\\b|iglob\\b|in\\b|intersects\\b|pmatch\\b|exists\\b|regex\\b)");
    private static final Pattern WORD = Pattern.compile("[A-Za-z_][A-Za-z0-9_.]*");

    private final String text;
    private final Filter filter;
    private final FieldSlots slots;
    private final Kind[] kinds;
    private final String[] args;

    private enum Kind { RULE, PRIORITY, SOURCE, HOSTNAME, OUTPUT, UUID, TAGS, FIELD, NONE }

    private AlertFilter(String text, Filter filter, FieldSlots slots) {
        this.text = text;
        this.filter = filter;
        this.slots = slots;
        List<FieldRef> refs = slots.all();
        kinds = new Kind[refs.size()];
        args = new String[refs.size()];
        for (int i = 0; i < refs.size(); i++) {
            FieldRef r = refs.get(i);
            args[i] = r.arg();
            kinds[i] = switch (r.name()) {
                case "alert.rule" -> Kind.RULE;
                case "alert.priority" -> Kind.PRIORITY;
                case "alert.source" -> Kind.SOURCE;
                case "alert.hostname" -> Kind.HOSTNAME;
                case "alert.output" -> Kind.OUTPUT;
                case "alert.uuid" -> Kind.UUID;
                case "alert.tags" -> Kind.TAGS;
                case "alert.output_fields" -> Kind.FIELD;
                default -> Kind.NONE;
            };
        }
    }

    /** A compile problem, with the offset in the text as the user wrote it. */
    static final class FilterException extends Exception {
        FilterException(String message) {
            super(message);
        }
    }

    /** Compiles {@code text}; the error message quotes the filter and the column at fault. */
    static AlertFilter compile(String text) throws FilterException {
        if (text == null || text.isBlank()) {
            throw new FilterException("the filter is empty");
        }
        Rewrite rw = rewrite(text);
        try {
            Ast.Expr expr = ConditionParser.parse(rw.text());
            FieldSlots slots = new FieldSlots();
            FilterCompiler.Compiled c = FilterCompiler.compile(expr, CATALOG, slots);
            return new AlertFilter(text, c.filter(), slots);
        } catch (ConditionSyntaxException e) {
            throw new FilterException(problem(text, rw.original(e.offset()), e.getMessage()));
        } catch (FilterCompileException e) {
            throw new FilterException(problem(text, rw.original(e.offset()), e.getMessage()));
        } catch (IllegalArgumentException e) {
            throw new FilterException("filter '" + text + "': " + e.getMessage());
        }
    }

    private static String problem(String text, int offset, String message) {
        return "filter '" + text + "' at column " + (Math.max(0, Math.min(offset, text.length())) + 1) + ": " + message;
    }

    /** The filter text as written. */
    String text() {
        return text;
    }

    @Override
    public boolean test(FalcoAlert alert) {
        return filter.test(new View(alert));
    }

    /** The alert as an event of the {@code alert} source. */
    private final class View implements Event {
        private final FalcoAlert a;

        View(FalcoAlert a) {
            this.a = a;
        }

        @Override
        public String source() {
            return SOURCE;
        }

        @Override
        public long timestampNanos() {
            return a.timeNanos();
        }

        @Override
        public int typeCode() {
            return -1;
        }

        @Override
        public Object value(int slot) {
            if (slot >= kinds.length) {
                return null;
            }
            return switch (kinds[slot]) {
                case RULE -> a.rule();
                case PRIORITY -> a.priority().displayName();
                case SOURCE -> a.source();
                case HOSTNAME -> a.hostname();
                case OUTPUT -> a.output();
                case UUID -> a.uuid();
                case TAGS -> a.tags();
                case FIELD -> text(a.field(args[slot]));
                case NONE -> null;
            };
        }
    }

    private static String text(Object v) {
        return switch (v) {
            case null -> null;
            case String s -> s;
            case BigDecimal b -> b.toPlainString();
            default -> v.toString();
        };
    }

    /** The text given to the engine and where each insertion of "alert." went, to map offsets back. */
    private record Rewrite(String text, int[] insertedAt) {
        int original(int offset) {
            int shift = 0;
            for (int at : insertedAt) {
                if (at < offset) {
                    shift += 6;
                }
            }
            return offset - shift;
        }
    }

    /**
     * Prefixes the bare field names with {@code alert.}: a bare name is a field where an operator
     * follows it (or, for output_fields, a bracket); quoted strings are left alone.
     */
    private static Rewrite rewrite(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        List<Integer> inserted = new ArrayList<>();
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < n && text.charAt(j) != c) {
                    if (text.charAt(j) == '\\') {
                        j++;
                    }
                    j++;
                }
                j = Math.min(n, j + 1);
                out.append(text, i, j);
                i = j;
                continue;
            }
            Matcher w = WORD.matcher(text).region(i, n);
            boolean startOfWord = i == 0 || !(Character.isLetterOrDigit(text.charAt(i - 1)) || text.charAt(i - 1) == '_' || text.charAt(i - 1) == '.');
            if (startOfWord && w.lookingAt()) {
                String word = w.group();
                int end = w.end();
                boolean field = (word.equals("output_fields") && end < n && text.charAt(end) == '[')
                        || (BARE.contains(word) && OPERATOR.matcher(text).region(end, n).lookingAt());
                if (field) {
                    inserted.add(i);
                    out.append("alert.");
                }
                out.append(word);
                i = end;
                continue;
            }
            out.append(c);
            i++;
        }
        return new Rewrite(out.toString(), inserted.stream().mapToInt(Integer::intValue).toArray());
    }

    private static FieldCatalog loadCatalog() {
        try (InputStream in = AlertFilter.class.getResourceAsStream("/dev/vigil/app/fields-alert.tsv")) {
            if (in == null) {
                throw new IllegalStateException("missing resource fields-alert.tsv");
            }
            return FieldCatalog.parse(SOURCE, new String(in.readAllBytes(), StandardCharsets.UTF_8), "fields-alert.tsv");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The fields a filter can use, for help text. */
    static FieldCatalog catalog() {
        return CATALOG;
    }
}
