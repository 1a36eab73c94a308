package dev.vigil.admission;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import java.io.IOException;
import java.io.Writer;
import java.util.List;

/** Scan results as text lines for people, or as a SARIF 2.1.0 log for code-scanning tools. */
public final class Reports {
    private Reports() {}

    /** FILE:LINE:COLUMN: LEVEL [check] OBJECT: message, one line per finding and per problem. */
    public static void text(List<ManifestScanner.Result> results, Mode mode, Writer out) throws IOException {
        String level = level(mode);
        int findings = 0;
        int problems = 0;
        for (ManifestScanner.Result r : results) {
            for (ManifestScanner.Problem p : r.problems()) {
                out.write(p.source() + ":" + p.line() + ":" + p.column() + ": problem (document " + p.document() + "): " + p.message() + "\n");
                problems++;
            }
            for (ManifestScanner.Located l : r.findings()) {
                out.write(l.source() + ":" + l.line() + ":" + l.column() + ": " + level + " [" + l.finding().check().id() + "] "
                        + l.object().describe() + ": " + l.finding().message() + "\n");
                findings++;
            }
            for (Evaluation e : r.exempted()) {
                out.write(r.source() + ": exempt: " + e.describe() + " (" + e.exemption() + ")\n");
            }
        }
        int objects = results.stream().mapToInt(ManifestScanner.Result::objects).sum();
        out.write(findings + " violations, " + problems + " problems in " + objects + " objects of " + results.size() + " inputs\n");
    }

    private static String level(Mode mode) {
        return mode == Mode.ENFORCE ? "error" : "warning";
    }

    /** A SARIF 2.1.0 log with one run: the checks as rules, each finding as a result with its region. */
    public static void sarif(List<ManifestScanner.Result> results, AdmissionPolicy policy, String toolVersion, Writer out) throws IOException {
        String level = level(policy.mode());
        List<Check> rules = List.of(Check.values());
        try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
            g.setPrettyPrinter(new DefaultPrettyPrinter());
            g.writeStartObject();
            g.writeStringField("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
            g.writeStringField("version", "2.1.0");
            g.writeArrayFieldStart("runs");
            g.writeStartObject();
            g.writeObjectFieldStart("tool");
            g.writeObjectFieldStart("driver");
            g.writeStringField("name", "vigil");
            g.writeStringField("semanticVersion", toolVersion);
            g.writeArrayFieldStart("rules");
            for (Check c : rules) {
                g.writeStartObject();
                g.writeStringField("id", c.ruleId());
                g.writeStringField("name", c.id());
                text(g, "shortDescription", c.title());
                text(g, "fullDescription", c.help());
                text(g, "help", c.help());
                g.writeObjectFieldStart("defaultConfiguration");
                g.writeStringField("level", level);
                g.writeBooleanField("enabled", policy.checks().contains(c));
                g.writeEndObject();
                g.writeObjectFieldStart("properties");
                g.writeArrayFieldStart("tags");
                g.writeString("security");
                g.writeString("kubernetes");
                g.writeEndArray();
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeEndObject();
            g.writeArrayFieldStart("results");
            for (ManifestScanner.Result r : results) {
                for (ManifestScanner.Located l : r.findings()) {
                    Finding f = l.finding();
                    g.writeStartObject();
                    g.writeStringField("ruleId", f.check().ruleId());
                    g.writeNumberField("ruleIndex", rules.indexOf(f.check()));
                    g.writeStringField("level", level);
                    text(g, "message", l.object().describe() + ": " + f.message());
                    g.writeArrayFieldStart("locations");
                    g.writeStartObject();
                    g.writeObjectFieldStart("physicalLocation");
                    g.writeObjectFieldStart("artifactLocation");
                    g.writeStringField("uri", uri(l.source()));
                    g.writeEndObject();
                    g.writeObjectFieldStart("region");
                    g.writeNumberField("startLine", l.line());
                    g.writeNumberField("startColumn", l.column());
                    g.writeEndObject();
                    g.writeEndObject();
                    g.writeArrayFieldStart("logicalLocations");
                    g.writeStartObject();
                    g.writeStringField("fullyQualifiedName", l.object().describe().replace(' ', '/') + "/" + f.pathText());
                    g.writeStringField("kind", "object");
                    g.writeEndObject();
                    g.writeEndArray();
                    g.writeEndObject();
                    g.writeEndArray();
                    g.writeObjectFieldStart("partialFingerprints");
                    g.writeStringField("vigilObject/v1", l.object().describe() + "|" + f.check().id() + "|" + f.pathText());
                    g.writeEndObject();
                    g.writeObjectFieldStart("properties");
                    g.writeNumberField("document", l.document());
                    g.writeEndObject();
                    g.writeEndObject();
                }
            }
            g.writeEndArray();
            g.writeArrayFieldStart("invocations");
            g.writeStartObject();
            boolean clean = results.stream().allMatch(r -> r.problems().isEmpty());
            g.writeBooleanField("executionSuccessful", clean);
            if (!clean) {
                g.writeArrayFieldStart("toolExecutionNotifications");
                for (ManifestScanner.Result r : results) {
                    for (ManifestScanner.Problem p : r.problems()) {
                        g.writeStartObject();
                        g.writeStringField("level", "warning");
                        text(g, "message", p.message());
                        g.writeArrayFieldStart("locations");
                        g.writeStartObject();
                        g.writeObjectFieldStart("physicalLocation");
                        g.writeObjectFieldStart("artifactLocation");
                        g.writeStringField("uri", uri(p.source()));
                        g.writeEndObject();
                        if (p.line() > 0) {
                            g.writeObjectFieldStart("region");
                            g.writeNumberField("startLine", p.line());
                            g.writeNumberField("startColumn", p.column());
                            g.writeEndObject();
                        }
                        g.writeEndObject();
                        g.writeEndObject();
                        g.writeEndArray();
                        g.writeEndObject();
                    }
                }
                g.writeEndArray();
            }
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
        }
        out.write("\n");
    }

    private static void text(JsonGenerator g, String field, String text) throws IOException {
        g.writeObjectFieldStart(field);
        g.writeStringField("text", text);
        g.writeEndObject();
    }

    /** A relative URI reference for a path as given (slashes, spaces and the like escaped). */
    static String uri(String source) {
        String s = source.replace('\\', '/');
        StringBuilder b = new StringBuilder(s.startsWith("/") ? "file://" : "");
        for (byte x : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (Character.isLetterOrDigit(c) && c < 128 || "/-._~".indexOf(c) >= 0) {
                b.append((char) c);
            } else {
                b.append('%').append(String.format("%02X", c));
            }
        }
        return b.toString();
    }
}
