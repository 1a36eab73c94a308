package dev.vigil.k8saudit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Reading audit logs: layouts, versions, and every kind of bad input. */
class AuditEventParserTest {
    record Read(List<AuditEvent> events, List<AuditEventParser.Problem> problems, AuditEventParser.Summary summary) {
        List<String> problemTexts() {
            return problems.stream().map(Object::toString).toList();
        }
    }

    static Read read(String text) throws IOException {
        List<AuditEvent> events = new ArrayList<>();
        List<AuditEventParser.Problem> problems = new ArrayList<>();
        AuditEventParser.Summary s = new AuditEventParser().read(new StringReader(text), new AuditEventParser.Listener() {
            @Override
            public void event(AuditEvent event) {
                events.add(event);
            }

            @Override
            public void problem(AuditEventParser.Problem problem) {
                problems.add(problem);
            }
        });
        return new Read(events, problems, s);
    }

    static String ev(String id) {
        return "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"auditID\":\"" + id
                + "\",\"stage\":\"ResponseComplete\",\"verb\":\"get\",\"stageTimestamp\":\"2026-01-02T03:04:05.000001Z\"}";
    }

    @Test
    void everyFalcoTraceFileReads() throws IOException {
        Path dir = FalcoK8sAuditDetectionsTest.k8s("events/falco-trace-files");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertThat(files).hasSize(47);
        int events = 0;
        for (Path f : files) {
            Read r = read(Files.readString(f));
            if (f.getFileName().toString().equals("fal_01_003.json")) {
                assertThat(r.events()).isEmpty();
                assertThat(r.problemTexts()).containsExactly(
                        "line 1: not a Kubernetes audit event (expected \"kind\": \"Event\" or \"EventList\" with \"items\", or an array of them): {\"kind\":0}");
                continue;
            }
            assertThat(r.problems()).as(f.toString()).isEmpty();
            assertThat(r.events()).as(f.toString()).isNotEmpty();
            events += r.events().size();
        }
        assertThat(events).as("46 files, one of which holds 6 events").isEqualTo(51);
    }

    @Test
    void v1beta1WithLegacyTimestampAndNoApiVersionAndUnknownMembers() throws IOException {
        Read r = read("""
                {"kind":"Event","apiVersion":"audit.k8s.io/v1beta1","metadata":{"creationTimestamp":"2018-10-25T13:58:49Z"},"timestamp":"2018-10-25T13:58:49Z","auditID":"a","stageTimestamp":"2018-10-25T13:58:49.500Z"}
                {"kind":"Event","auditID":"b","stageTimestamp":"2018-10-25T13:58:50+02:00","somethingNew":{"x":[1,2]}}
                {"kind":"Event","apiVersion":"audit.k8s.io/v1beta1","auditID":"c","timestamp":"2018-10-25T13:58:51Z"}
                """);
        assertThat(r.problems()).isEmpty();
        assertThat(r.events()).extracting(AuditEvent::auditId).containsExactly("a", "b", "c");
        assertThat(r.events().get(0).timestampNanos()).isEqualTo(1540475929500000000L);
        assertThat(r.events().get(1).timestampNanos()).isEqualTo(1540468730000000000L);
        assertThat(r.events().get(2).timestampNanos()).as("legacy timestamp when stageTimestamp is missing").isEqualTo(1540475931000000000L);
        assertThat(r.events().get(1).get("somethingNew", "x", "1")).isEqualTo(new Json.Num("2"));
        assertThat(r.events()).extracting(AuditEvent::line).containsExactly(1L, 2L, 3L);
    }

    @Test
    void eventListsArraysAndPrettyPrintedDocuments() throws Exception {
        String list = "{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"metadata\":{},\"items\":[" + ev("1") + "," + ev("2") + "]}";
        Read r = read(list + "\n[" + ev("3") + "," + ev("4") + "]\n");
        assertThat(r.events()).extracting(AuditEvent::auditId).containsExactly("1", "2", "3", "4");
        assertThat(r.events()).extracting(AuditEvent::line).containsExactly(1L, 1L, 2L, 2L);

        String pretty = Json.indented(AuditEventParser.parse(list).getFirst().root());
        String prettyList = "{\n  \"kind\": \"EventList\",\n  \"items\": [\n    " + pretty.replace("\n", "\n    ") + ",\n    " + ev("x") + "\n  ]\n}\n";
        r = read("\n" + prettyList + ev("5") + "\n" + pretty + "\n");
        assertThat(r.problems()).isEmpty();
        assertThat(r.events()).extracting(AuditEvent::auditId).containsExactly("1", "x", "5", "1");
        assertThat(r.events()).extracting(AuditEvent::line).containsExactly(2L, 2L, prettyList.lines().count() + 2, prettyList.lines().count() + 3);
        assertThat(r.summary().events()).isEqualTo(4);
    }

    @Test
    void severalValuesOnALineAndABom() throws IOException {
        Read r = read("\uFEFF" + ev("1") + " " + ev("2") + "\n");
        assertThat(r.problems()).isEmpty();
        assertThat(r.events()).extracting(AuditEvent::auditId).containsExactly("1", "2");
    }

    @Test
    void malformedLinesAreReportedWithTheirNumberAndSkipped() throws IOException {
        Read r = read(String.join("\n",
                ev("1"),
                "{\"kind\": 0}",
                "this is not json",
                ev("2"),
                "{\"kind\":\"Event\",\"auditID\":\"truncated\"",
                ev("3"),
                "42",
                "{\"kind\":\"Event\",\"auditID\":\"t\",\"stageTimestamp\":\"yesterday\"}",
                "{\"kind\":\"Event\",\"auditID\":\"nt\"}",
                "{\"kind\":\"EventList\",\"items\":[" + ev("4") + ",17,{\"kind\":\"Event\"}]}",
                "{\"kind\":\"EventList\"}",
                "[" + ev("5") + ",{\"kind\":\"Nope\"}]",
                "{\"a\":[1,2,}",
                ev("6"),
                "{\"kind\":\"Event\",\"auditID\":\"eof\""));
        assertThat(r.events()).extracting(AuditEvent::auditId).containsExactly("1", "2", "3", "4", "5", "6");
        assertThat(r.problemTexts()).satisfiesExactly(
                p -> assertThat(p).startsWith("line 2: not a Kubernetes audit event").endsWith(": {\"kind\":0}"),
                p -> assertThat(p).startsWith("line 3: malformed JSON: Unrecognized token 'this'"),
                p -> assertThat(p).startsWith("line 5: malformed JSON on line 6: Unexpected character ('{'"),
                p -> assertThat(p).startsWith("line 7: not a Kubernetes audit event").endsWith(": 42"),
                p -> assertThat(p).isEqualTo("line 8: stageTimestamp \"yesterday\" is not an RFC 3339 time (auditID t)"),
                p -> assertThat(p).isEqualTo("line 9: the event has no stageTimestamp (nor legacy timestamp) to take its time from (auditID nt)"),
                p -> assertThat(p).isEqualTo("line 10: EventList item 1: an event must be a JSON object, got 17"),
                p -> assertThat(p).isEqualTo("line 10: EventList item 2: the event has no stageTimestamp (nor legacy timestamp) to take its time from"),
                p -> assertThat(p).startsWith("line 11: not a Kubernetes audit event"),
                p -> assertThat(p).startsWith("line 12: not a Kubernetes audit event").endsWith(": {\"kind\":\"Nope\"}"),
                p -> assertThat(p).startsWith("line 13: malformed JSON: Unexpected character ('}'"),
                p -> assertThat(p).startsWith("line 15: malformed JSON: the input ends inside this value"));
        assertThat(r.summary().problems()).isEqualTo(12);
        assertThat(r.summary().lines()).isEqualTo(15);
    }

    @Test
    void aBrokenPrettyPrintedDocumentIsReportedOnceAndReadingResumesAtTheNextTopLevelValue() throws IOException {
        Read r = read("""
                {
                  "kind": "Event",
                  "auditID": "broken",
                  "user": {"username": "x",,}
                  "stage": "ResponseComplete"
                }
                """ + ev("ok") + "\n");
        assertThat(r.events()).extracting(AuditEvent::auditId).containsExactly("ok");
        assertThat(r.problemTexts()).singleElement().asString().startsWith("line 1: malformed JSON on line 4: Unexpected character (','");
    }

    @Test
    void strictParseOfOneText() throws Exception {
        assertThat(AuditEventParser.parse(ev("1"))).singleElement().extracting(AuditEvent::verb).isEqualTo("get");
        assertThatThrownBy(() -> AuditEventParser.parse("{\"kind\": 0}"))
                .isInstanceOf(AuditEventParser.AuditFormatException.class)
                .hasMessageStartingWith("line 1: not a Kubernetes audit event");
        assertThatThrownBy(() -> AuditEventParser.parse("  "))
                .isInstanceOf(AuditEventParser.AuditFormatException.class).hasMessage("no audit event in the input");
        assertThatThrownBy(() -> AuditEventParser.parse("{\"kind\":\"Event\""))
                .isInstanceOf(AuditEventParser.AuditFormatException.class).hasMessageContaining("ends inside this value");
    }

    @Test
    void jsonTextsKeepOrderNumbersAndEscapes() throws Exception {
        AuditEvent e = AuditEventParser.parse("{\"kind\":\"Event\",\"stageTimestamp\":\"2026-01-02T03:04:05Z\","
                + "\"n\":[1.50,-2e3,0],\"s\":\"a\\\"b\\\\c\\nd\\u0001\",\"t\":true,\"z\":null,\"o\":{},\"l\":[]}").getFirst();
        assertThat(e.json()).isEqualTo("{\"kind\":\"Event\",\"stageTimestamp\":\"2026-01-02T03:04:05Z\","
                + "\"n\":[1.50,-2e3,0],\"s\":\"a\\\"b\\\\c\\nd\\u0001\",\"t\":true,\"z\":null,\"o\":{},\"l\":[]}");
        assertThat(Json.indented(e.get("n"))).isEqualTo("[\n  1.50,\n  -2e3,\n  0\n]");
        assertThat(Json.pointer(e.root(), "n/1")).isEqualTo(new Json.Num("-2e3"));
        assertThat(Json.pointer(e.root(), "/z")).isSameAs(Json.NULL);
        assertThat(Json.pointer(e.root(), "")).isNull();
        assertThat(Json.pointer(e.root(), "/n/3")).isNull();
        assertThat(Json.pointer(e.root(), "/n/x")).isNull();
    }
}
