package dev.vigil.outputs.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Test-side JSON reading into plain values (Map, List, String, Long, BigDecimal, Boolean, null), so
 * bodies can be compared by structure and value; also reads concatenated values and golden files.
 */
final class JsonTree {
    private static final JsonFactory JSON = new JsonFactory();

    private JsonTree() {}

    static Object parse(String text) {
        List<Object> all = parseAll(text);
        if (all.size() != 1) {
            throw new AssertionError("expected one JSON value, got " + all.size() + ": " + text);
        }
        return all.getFirst();
    }

    /** Every top-level value of concatenated or newline-separated JSON. */
    static List<Object> parseAll(String text) {
        try (JsonParser p = JSON.createParser(text)) {
            List<Object> out = new ArrayList<>();
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                out.add(value(p, t));
            }
            return out;
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + e.getMessage() + "\n" + text, e);
        }
    }

    /** A parsed JSON object, typed for assertions. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> obj(Object parsed) {
        return (Map<String, Object>) parsed;
    }

    /** The first element of a parsed JSON array that holds objects. */
    static Map<String, Object> first(Object parsedArray) {
        return obj(((List<?>) parsedArray).getFirst());
    }

    /** A golden file under src/test/resources/golden. */
    static Object golden(String name) {
        try {
            return parse(Files.readString(Path.of("src/test/resources/golden", name), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Object value(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case START_OBJECT -> {
                Map<String, Object> m = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String k = p.currentName();
                    if (m.containsKey(k)) {
                        throw new AssertionError("duplicate key " + k);
                    }
                    m.put(k, value(p, p.nextToken()));
                }
                return m;
            }
            case START_ARRAY -> {
                List<Object> l = new ArrayList<>();
                JsonToken e;
                while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
                    l.add(value(p, e));
                }
                return l;
            }
            case VALUE_STRING -> {
                return p.getText();
            }
            case VALUE_NUMBER_INT -> {
                return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? new java.math.BigDecimal(p.getBigIntegerValue())
                        : (Object) p.getLongValue();
            }
            case VALUE_NUMBER_FLOAT -> {
                return p.getDecimalValue();
            }
            case VALUE_TRUE -> {
                return true;
            }
            case VALUE_FALSE -> {
                return false;
            }
            case VALUE_NULL -> {
                return null;
            }
            default -> throw new AssertionError("unexpected " + t);
        }
    }
}
