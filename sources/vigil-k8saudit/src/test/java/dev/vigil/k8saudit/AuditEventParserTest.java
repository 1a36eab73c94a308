package dev.vigil.k8saudit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
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
        AuditEventParser.Collector c = new AuditEventParser.Collector();
        AuditEventParser.Summary s = new AuditEventParser().read(new StringReader(text), c);
        return new Read(c.events(), c.problems(), s);
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

    /** The text of every event read from {@code data}, byte mode, and the events themselves. */
    static Read readBytes(byte[] data) throws IOException {
        AuditEventParser.Collector c = new AuditEventParser.Collector();
        AuditEventParser.Summary s = new AuditEventParser().read(data, c);
        return new Read(c.events(), c.problems(), s);
    }

    static String source(AuditEvent e) {
        return e.sourceText() == null ? null : StandardCharsets.UTF_8.decode(e.sourceText()).toString();
    }

    @Test
    void everyEventKeepsItsSourceTextAsWrittenInBothModes() throws Exception {
        String spaced = "{ \"kind\" : \"Event\",\n  \"auditID\": \"sp\", \"user\": {\"username\": \"d\u00e9j\u00e0 \\u003cvu\\u003e\"},"
                + " \"o\": {\"x\": [1, {}, {\"y\": null}]}, \"stageTimestamp\": \"2026-01-02T03:04:05Z\" }";
        String list = "{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"metadata\":{},\"items\":[ " + ev("1") + " ,\n" + spaced + "]}";
        String text = "\uFEFF" + list + "\n[" + ev("2") + "]  " + ev("3") + "\n";
        List<String> want = List.of(ev("1"), spaced, ev("2"), ev("3"));

        Read bytes = readBytes(text.getBytes(StandardCharsets.UTF_8));
        assertThat(bytes.problems()).isEmpty();
        assertThat(bytes.events()).extracting(AuditEventParserTest::source).containsExactlyElementsOf(want);
        assertThat(bytes.events()).extracting(AuditEvent::auditId).containsExactly("1", "sp", "2", "3");
        assertThat(bytes.events().get(1).string("user", "username")).isEqualTo("d\u00e9j\u00e0 <vu>");

        Read lines = read(text);
        assertThat(lines.events()).extracting(AuditEventParserTest::source).containsExactlyElementsOf(want);
        assertThat(bytes.events()).extracting(AuditEvent::line).containsExactlyElementsOf(lines.events().stream().map(AuditEvent::line).toList());
        assertThat(bytes.summary().lines()).isEqualTo(lines.summary().lines());

        // a pretty-printed document spanning many lines (CRLF read as LF by the line reader)
        String pretty = Json.indented(AuditEventParser.parse(ev("p")).getFirst().root());
        assertThat(source(read(pretty.replace("\n", "\r\n") + "\r\n").events().getFirst())).isEqualTo(pretty);
        assertThat(source(readBytes(pretty.getBytes(StandardCharsets.UTF_8)).events().getFirst())).isEqualTo(pretty);
        // an event built in code has none
        assertThat(new AuditEvent(bytes.events().getFirst().root(), 1, 0).sourceText()).isNull();
    }

    /**
     * Byte mode leaves the members of an EventList's events unparsed until read: every recorded event, sent as
     * one EventList, reads back exactly as the line reader's full trees (same compact JSON, same fields).
     */
    @Test
    void lazilyParsedMembersOfRecordedEventsEqualTheFullTrees() throws Exception {
        List<AuditEvent> all = new java.util.ArrayList<>();
        try (var files = java.nio.file.Files.list(java.nio.file.Path.of(System.getProperty("vigil.shared.dir", "../../../shared"))
                .toAbsolutePath().normalize().resolve("fixtures/k8s-audit/events/falco-trace-files"))) {
            for (java.nio.file.Path f : files.sorted().toList()) {
                all.addAll(read(java.nio.file.Files.readString(f)).events()); // (a few files also hold non-events)
            }
        }
        assertThat(all).hasSizeGreaterThan(20);
        String list = "{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"metadata\":{},\"items\":["
                + String.join(",", all.stream().map(AuditEventParserTest::source).toList()) + "]}";
        Read bytes = readBytes(list.getBytes(StandardCharsets.UTF_8));
        assertThat(bytes.problems()).isEmpty();
        assertThat(bytes.events()).hasSameSizeAs(all);
        for (int i = 0; i < all.size(); i++) {
            AuditEvent lazy = bytes.events().get(i);
            assertThat(lazy.string("objectRef", "resource")).isEqualTo(all.get(i).string("objectRef", "resource"));
            assertThat(Json.pointer(lazy.root(), "/user/username")).isEqualTo(Json.pointer(all.get(i).root(), "/user/username"));
            assertThat(lazy.json()).isEqualTo(all.get(i).json());
            assertThat(source(lazy)).isEqualTo(source(all.get(i)));
        }
    }

    @Test
    void theFastTimeParserAgreesWithTheGeneralOneOrLeavesTheTextToIt() throws Exception {
        List<String> texts = new java.util.ArrayList<>(List.of("2018-10-25T14:09:12.581541Z", "2018-10-25T14:09:12Z",
                "2024-02-29T23:59:59.999999999Z", "1969-12-31T23:59:59.5-01:30", "2026-11-26T10:00:00.1+14:00",
                "2026-11-26T10:00:00+18:00", "2026-11-26T10:00:00-18:00", "2018-10-25t14:09:12z",
                "2023-02-29T00:00:00Z", "2018-13-01T00:00:00Z", "2018-10-25T24:00:00Z", "2018-10-25T14:60:00Z",
                "2018-10-25T14:09:60Z", "2018-10-25T14:09:12.Z", "2018-10-25T14:09:12.1234567891Z", "2018-10-25T14:09:12+1:00",
                "2018-10-25T14:09:12+19:00", "2018-10-25 14:09:12Z", "2018-10-25T14:09:12", "x018-10-25T14:09:12Z",
                "2018-10-25T14:09:12.5+05:30:00", "2018-10-25T14:09:12+05:30"));
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        for (int i = 0; i < 2_000; i++) {
            java.time.OffsetDateTime t = java.time.OffsetDateTime.ofInstant(java.time.Instant.ofEpochSecond(r.nextLong(-4_000_000_000L,
                    8_000_000_000L), r.nextInt(1_000_000_000)), java.time.ZoneOffset.ofTotalSeconds(r.nextInt(-18 * 60, 18 * 60 + 1) * 60));
            texts.add(t.toString());
        }
        for (String text : texts) {
            long general;
            try {
                java.time.Instant at = java.time.OffsetDateTime.parse(text).toInstant();
                general = at.getEpochSecond() * 1_000_000_000L + at.getNano();
            } catch (java.time.format.DateTimeParseException e) {
                assertThat(AuditEventParser.parseTimeFast(text)).as(text).isEqualTo(Long.MIN_VALUE);
                continue;
            }
            long fast = AuditEventParser.parseTimeFast(text);
            if (fast != Long.MIN_VALUE) {
                assertThat(fast).as(text).isEqualTo(general);
            }
            assertThat(AuditEventParser.parseTime(text)).as(text).isEqualTo(general);
        }
        assertThat(AuditEventParser.parseTimeFast("2018-10-25T14:09:12.581541Z")).isNotEqualTo(Long.MIN_VALUE);
        assertThat(AuditEventParser.parseTimeFast("2018-10-25T14:09:12.5+05:30")).isNotEqualTo(Long.MIN_VALUE);
        // a time nanoseconds since 1970 cannot hold is reported, not thrown
        Read far = read("{\"kind\":\"Event\",\"auditID\":\"old\",\"stageTimestamp\":\"0001-01-01T00:00:00Z\"}");
        assertThat(far.events()).isEmpty();
        assertThat(far.problems()).singleElement().asString().contains("stageTimestamp \"0001-01-01T00:00:00Z\" is out of range");
    }

    @Test
    void aLazyMemberWithMalformedUtf8ReadsAsReplacementCharacters() throws Exception {
        byte[] head = ("{\"kind\":\"EventList\",\"items\":[{\"kind\":\"Event\",\"auditID\":\"u\","
                + "\"stageTimestamp\":\"2026-01-02T03:04:05Z\",\"user\":{\"username\":\"a").getBytes(StandardCharsets.UTF_8);
        byte[] tail = "b\"}}]}".getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[head.length + 1 + tail.length];
        System.arraycopy(head, 0, body, 0, head.length);
        body[head.length] = (byte) 0xC3; // a lead byte without its continuation
        System.arraycopy(tail, 0, body, head.length + 1, tail.length);
        Read r = readBytes(body);
        assertThat(r.problems()).isEmpty();
        assertThat(r.events()).singleElement().satisfies(e -> assertThat(e.string("user", "username")).isEqualTo("a\uFFFDb"));
    }

    @Test
    void byteModeReportsProblemsExactlyAsTheLineReader() throws IOException {
        String text = String.join("\n", ev("1"), "{\"kind\": 0}", "this is not json", ev("2"), "{\"kind\":\"Event\",\"auditID\":\"t\"", ev("3"));
        Read bytes = readBytes(text.getBytes(StandardCharsets.UTF_8));
        Read lines = read(text);
        assertThat(bytes.problemTexts()).isNotEmpty().isEqualTo(lines.problemTexts());
        assertThat(bytes.events()).extracting(AuditEvent::auditId).containsExactly("1", "2", "3");
        assertThat(bytes.summary()).isEqualTo(lines.summary());

        // malformed UTF-8 inside a string: read as U+FFFD, as the line reader does, not refused
        byte[] bad = ev("\u00ff").getBytes(StandardCharsets.ISO_8859_1);
        Read r = readBytes(bad);
        assertThat(r.problems()).isEmpty();
        assertThat(r.events()).singleElement().extracting(AuditEvent::auditId).isEqualTo("\uFFFD");
    }
}
