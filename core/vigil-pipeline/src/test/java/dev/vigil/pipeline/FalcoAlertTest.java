package dev.vigil.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Parsing received alerts: the canonical flag, the time fast path and the fields map. */
class FalcoAlertTest {
    static final String FALCO = """
            {"hostname":"node-1","output":"10:00:00: shell","priority":"Warning","rule":"Shell","source":"syscall",\
            "tags":["container"],"time":"2026-11-26T10:00:00.123456789Z","output_fields":{"proc.name":"sh","evt.num":42,"ok":true,"n":null}}""";

    private static FalcoAlert.Received received(String json) throws AlertFormatException {
        return FalcoAlert.parseReceived(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void falcosOwnJsonIsCanonicalAndParsesAsBefore() throws Exception {
        FalcoAlert.Received r = received(FALCO);
        assertThat(r.canonical()).isTrue();
        assertThat(r.alert()).isEqualTo(FalcoAlert.parse(FALCO.getBytes(StandardCharsets.UTF_8)));
        assertThat(r.alert().outputFields()).containsEntry("evt.num", 42L).containsEntry("n", null).hasSize(4);
        assertThat(received(" " + FALCO + " ").canonical()).as("spaces around the object").isTrue();
    }

    /** Received alerts that are not canonical, by what makes them so. */
    static final Map<String, String> NOT_CANONICAL = Map.ofEntries(
                Map.entry("a uuid", FALCO.replace("{\"hostname\"", "{\"uuid\":\"x\",\"hostname\"")),
                Map.entry("lower-case priority", FALCO.replace("\"Warning\"", "\"warning\"")),
                Map.entry("no source", FALCO.replace("\"source\":\"syscall\",", "")),
                Map.entry("no hostname", FALCO.replace("\"hostname\":\"node-1\",", "")),
                Map.entry("no tags", FALCO.replace("\"tags\":[\"container\"],", "")),
                Map.entry("null tags", FALCO.replace("[\"container\"]", "null")),
                Map.entry("another member", FALCO.replace("{\"hostname\"", "{\"extra\":{\"a\":1},\"hostname\"")),
                Map.entry("time with an offset", FALCO.replace("10:00:00.123456789Z", "11:00:00.123456789+01:00")),
                Map.entry("time without nanoseconds", FALCO.replace("10:00:00.123456789Z", "10:00:00Z")),
                Map.entry("a float field", FALCO.replace("\"evt.num\":42", "\"evt.num\":4.2e1")),
                Map.entry("a structured field", FALCO.replace("\"evt.num\":42", "\"evt.num\":[1]")),
                Map.entry("a repeated field", FALCO.replace("\"ok\":true", "\"ok\":true,\"ok\":false")),
                Map.entry("several lines", FALCO.replace(",\"rule\"", ",\n\"rule\"")));

    @Test
    void anythingTheAlertWouldWriteDifferentlyIsNotCanonical() throws Exception {
        for (Map.Entry<String, String> v : NOT_CANONICAL.entrySet()) {
            assertThat(received(v.getValue()).canonical()).as(v.getKey()).isFalse();
        }
    }

    /**
     * Canonical bytes are only checked on the way in; every input, good or bad, canonical or not, is
     * accepted or refused with the same message as a full parse, and reads as the same alert.
     */
    @Test
    void checkingReceivedBytesAgreesWithParsingThem() throws Exception {
        java.util.List<String> inputs = new java.util.ArrayList<>(NOT_CANONICAL.values());
        inputs.addAll(java.util.List.of(FALCO, " " + FALCO + "\n",
                FALCO.replace("\"output\":\"10:00:00: shell\"", "\"output\":7"),
                FALCO.replace("\"output\":\"10:00:00: shell\"", "\"output\":null"),
                FALCO.replace("{\"proc.name\":\"sh\",\"evt.num\":42,\"ok\":true,\"n\":null}", "{}"),
                FALCO.replace("{\"proc.name\":\"sh\",\"evt.num\":42,\"ok\":true,\"n\":null}", "null"),
                FALCO.replace("{\"proc.name\":\"sh\",\"evt.num\":42,\"ok\":true,\"n\":null}", "[1]"),
                FALCO.replace("\"evt.num\":42", "\"evt.num\":123456789012345678901234567890"),
                FALCO.replace("\"evt.num\":42", "\"evt.num\":1e99999999999"),
                FALCO.replace("\"evt.num\":42", "\"evt.num\":"),
                FALCO.replace("\"rule\":\"Shell\"", "\"rule\":\"\""),
                FALCO.replace("\"Warning\"", "\"Loud\""),
                FALCO.substring(0, FALCO.length() - 1),
                FALCO + "{}",
                FALCO.replace("\"tags\":[\"container\"]", "\"tags\":[1]"),
                FALCO.replace("\"ok\":true", "\"ok\":true,\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,\"h\":8,"
                        + "\"i\":9,\"j\":10,\"k\":11,\"l\":12,\"m\":13,\"o\":14,\"p\":15,\"q\":16,\"r\":17,\"a\":18")));
        List<byte[]> all = new java.util.ArrayList<>(inputs.stream().map(in -> in.getBytes(StandardCharsets.UTF_8)).toList());
        for (String at : List.of("10:00:00: shell", "\"sh\"", "proc.name")) { // malformed UTF-8 in output, a value, a name
            byte[] good = FALCO.getBytes(StandardCharsets.UTF_8);
            int i = FALCO.indexOf(at) + 2;
            for (byte[] bad : List.of(new byte[] {(byte) 0xC3, 'x'}, new byte[] {(byte) 0xFF}, new byte[] {(byte) 0xE2, (byte) 0x82})) {
                byte[] b = new byte[good.length + bad.length];
                System.arraycopy(good, 0, b, 0, i);
                System.arraycopy(bad, 0, b, i, bad.length);
                System.arraycopy(good, i, b, i + bad.length, good.length - i);
                all.add(b);
            }
        }
        for (byte[] bytes : all) {
            String in = new String(bytes, StandardCharsets.ISO_8859_1);
            FalcoAlert full;
            try {
                full = FalcoAlert.parse(bytes);
            } catch (AlertFormatException e) {
                assertThatThrownBy(() -> FalcoAlert.parseReceived(bytes)).as(in).isInstanceOf(AlertFormatException.class)
                        .hasMessage(e.getMessage());
                continue;
            }
            FalcoAlert.Received r = FalcoAlert.parseReceived(bytes);
            assertThat(r.alert()).as(in).isEqualTo(full);
        }
        assertThat(received(FALCO.replace("\"ok\":true", "\"ok\":true,\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,"
                + "\"g\":7,\"h\":8,\"i\":9,\"j\":10,\"k\":11,\"l\":12,\"m\":13,\"o\":14,\"p\":15,\"q\":16,\"r\":17,\"a\":18"))
                .canonical()).as("a name repeated after sixteen others").isFalse();
    }

    @Test
    void theTimeFastPathAgreesWithOffsetDateTime() throws Exception {
        for (String t : new String[] {"2026-11-26T10:00:00.123456789Z", "2026-11-26T10:00:00Z", "2026-11-26t10:00:00.5z",
                "2024-02-29T23:59:59.999999999-05:30", "1970-01-01T00:00:00.000000001Z", "2026-11-26T10:00:00.1+14:00",
                "1999-12-31T23:59:59.000001Z"}) {
            FalcoAlert a = FalcoAlert.parse(FALCO.replace("2026-11-26T10:00:00.123456789Z", t).getBytes(StandardCharsets.UTF_8));
            OffsetDateTime o = OffsetDateTime.parse(t.replace('t', 'T').replace('z', 'Z'));
            assertThat(a.timeNanos()).as(t).isEqualTo(o.toEpochSecond() * 1_000_000_000L + o.getNano());
        }
        for (String bad : new String[] {"2026-02-30T10:00:00Z", "2026-11-26T24:00:00Z", "2026-11-26T10:00:00", "2026-11-26 10:00:00Z",
                "2026-11-26T10:00:00.1234567890Z", "1970-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "2026-11-26T10:00:0fZ", "2026-11-26Tx0:00:00Z", "2026-11-26T10:-1:00Z", "0026-11-26T10:00:00.123456789Z", "2300-01-01T00:00:00Z"}) {
            assertThatThrownBy(() -> FalcoAlert.parse(FALCO.replace("2026-11-26T10:00:00.123456789Z", bad).getBytes(StandardCharsets.UTF_8)))
                    .as(bad).isInstanceOf(AlertFormatException.class).hasMessageContaining("\"time\"");
        }
    }

    @Test
    void fieldsAreUnmodifiableAndSharedBetweenCopiesOfAnAlert() throws Exception {
        FalcoAlert a = received(FALCO).alert();
        FalcoAlert b = a.withUuid("u");
        assertThat(b.outputFields()).isSameAs(a.outputFields()).isEqualTo(Map.of("proc.name", "sh", "evt.num", 42L, "ok", true)
                .entrySet().stream().collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue,
                        (x, y) -> x, () -> { var m = new java.util.HashMap<String, Object>(); m.put("n", null); return m; })));
        assertThatThrownBy(() -> a.outputFields().put("x", 1)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> a.outputFields().entrySet().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> a.outputFields().keySet().remove("ok")).isInstanceOf(UnsupportedOperationException.class);
        assertThat(a.toJson()).contains("\"output_fields\":{\"evt.num\":42,\"n\":null,\"ok\":true,\"proc.name\":\"sh\"}");
    }

    @Test
    void aNumberJacksonCannotConvertIsAnInvalidAlertNotACrash() {
        assertThatThrownBy(() -> FalcoAlert.parse(FALCO.replace("\"evt.num\":42", "\"evt.num\":1E5678901234567890")
                .getBytes(StandardCharsets.UTF_8))).isInstanceOf(AlertFormatException.class).hasMessageContaining("number");
    }
}
