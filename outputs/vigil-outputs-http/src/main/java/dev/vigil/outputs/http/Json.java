package dev.vigil.outputs.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.vigil.pipeline.FalcoAlert;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.Map;
import java.util.TreeMap;

/** Body building with jackson-core's streaming generator. */
final class Json {
    static final JsonFactory FACTORY = new JsonFactory();

    private Json() {}

    /** What writes one body. */
    interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    /** The bytes {@code body} writes. */
    static byte[] bytes(Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        write(out, body);
        return out.toByteArray();
    }

    /** Appends what {@code body} writes to {@code out} (for NDJSON and concatenated objects). */
    static void write(ByteArrayOutputStream out, Body body) {
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to memory", e);
        }
    }

    /** An output field value with its JSON type. */
    static void value(JsonGenerator g, Object v) throws IOException {
        switch (v) {
            case null -> g.writeNull();
            case String s -> g.writeString(s);
            case Long l -> g.writeNumber(l);
            case Integer i -> g.writeNumber(i);
            case BigDecimal d -> g.writeNumber(d);
            case Number n -> g.writeNumber(n.toString());
            case Boolean b -> g.writeBoolean(b);
            default -> g.writeString(v.toString());
        }
    }

    /** A field value as label or fact text; empty for null. */
    static String text(Object v) {
        return switch (v) {
            case null -> "";
            case BigDecimal d -> d.toPlainString();
            default -> v.toString();
        };
    }

    /**
     * The members of Falco's alert object (without the braces), output fields sorted by name as
     * Falco does; with {@code flatten}, dots in field names become underscores.
     */
    static void alertMembers(JsonGenerator g, FalcoAlert a, boolean flatten) throws IOException {
        g.writeStringField("hostname", a.hostname() == null ? "" : a.hostname());
        g.writeStringField("output", a.output());
        g.writeObjectFieldStart("output_fields");
        for (Map.Entry<String, Object> e : new TreeMap<>(a.outputFields()).entrySet()) {
            g.writeFieldName(flatten ? e.getKey().replace('.', '_') : e.getKey());
            value(g, e.getValue());
        }
        g.writeEndObject();
        g.writeStringField("priority", a.priority().displayName());
        g.writeStringField("rule", a.rule());
        g.writeStringField("source", a.source());
        g.writeArrayFieldStart("tags");
        for (String t : a.tags()) {
            g.writeString(t);
        }
        g.writeEndArray();
        g.writeStringField("time", a.time());
        if (a.uuid() != null) {
            g.writeStringField("uuid", a.uuid());
        }
    }
}
