package dev.vigil.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The scan for time and uuid: what it accepts, what it leaves to the full parse, and that it never disagrees with it. */
class AlertHeadTest {
    static final String ALERT = """
            {"hostname":"node-1","output":"10:00:00: shell \\"sh\\" in caf\\u00e9 – naïve","output_fields":\
            {"proc.name":"sh","evt.num":42,"ok":true,"n":null,"f":-1.5e3,"big":123456789012345678901234567890,"z":0},\
            "priority":"Warning","rule":"Shell","source":"syscall","tags":["container","t\\\\2"],\
            "time":"2026-11-26T10:00:00.123456789Z","uuid":"3f1d2b4c-5a6e-4f70-8192-a3b4c5d6e7f8"}""";

    private static AlertHead scan(String json) {
        return AlertHead.scan(json.getBytes(StandardCharsets.UTF_8));
    }

    /** The scan agrees with the full parse on time and uuid, and the time's bytes are the alert's time. */
    private static void agrees(byte[] body, AlertHead h) throws AlertFormatException {
        FalcoAlert a = FalcoAlert.parse(body);
        assertThat(h.timeNanos()).isEqualTo(a.timeNanos());
        assertThat(new String(body, h.timeStart(), AlertHead.TIME_LENGTH, StandardCharsets.US_ASCII)).isEqualTo(a.time());
        assertThat(h.hasUuid() ? new String(body, h.uuidStart(), h.uuidEnd() - h.uuidStart(), StandardCharsets.UTF_8) : null)
                .isEqualTo(a.uuid());
    }

    @Test
    void findsTimeAndUuidInFalcosFormWithEscapesAndAnyKeyOrder() throws Exception {
        Map<String, String> accepted = Map.of(
                "as received", ALERT,
                "written by toJson", FalcoAlert.parse(ALERT.getBytes(StandardCharsets.UTF_8)).toJson(),
                "uuid first, time last", """
                        {"uuid":"u-1","tags":[],"source":"k8s_audit","rule":"R","priority":"Informational",\
                        "output_fields":{"a":"\\u0000\\n\\t\\/"},"output":"","hostname":"","time":"2026-11-26T23:59:59.999999999Z"}""",
                "no uuid", ALERT.replace(",\"uuid\":\"3f1d2b4c-5a6e-4f70-8192-a3b4c5d6e7f8\"", ""),
                "spaces and tabs between tokens", ALERT.replace("\"rule\":\"Shell\",", "\"rule\" :\t\"Shell\" , ")
                        .replace("{\"hostname\"", "{ \"hostname\"").replace("\"}", "\" }"),
                "four-byte UTF-8", ALERT.replace("\"sh\",\"evt.num\"", "\"sh 😀\",\"evt.num\""));
        for (Map.Entry<String, String> e : accepted.entrySet()) {
            byte[] body = e.getValue().getBytes(StandardCharsets.UTF_8);
            AlertHead h = AlertHead.scan(body);
            assertThat(h).as(e.getKey()).isNotNull();
            agrees(body, h);
        }
        assertThat(scan(accepted.get("no uuid")).hasUuid()).isFalse();
    }

    @Test
    void anythingUnusualIsLeftToTheFullParse() {
        Map<String, String> unusual = Map.ofEntries(
                Map.entry("empty source", ALERT.replace("\"syscall\"", "\"\"")),
                Map.entry("empty rule", ALERT.replace("\"Shell\"", "\"\"")),
                Map.entry("null hostname", ALERT.replace("\"node-1\"", "null")),
                Map.entry("null uuid", ALERT.replace("\"3f1d2b4c-5a6e-4f70-8192-a3b4c5d6e7f8\"", "null")),
                Map.entry("a number in tags", ALERT.replace("[\"container\"", "[1")),
                Map.entry("@timestamp already there", ALERT.replace("{\"hostname\"", "{\"@timestamp\":\"x\",\"hostname\"")),
                Map.entry("a repeated member", ALERT.replace("{\"hostname\":\"node-1\"", "{\"hostname\":\"a\",\"hostname\":\"node-1\"")),
                Map.entry("an escaped member name", ALERT.replace("\"rule\"", "\"r\\u0075le\"")),
                Map.entry("an escaped uuid", ALERT.replace("\"3f1d2b4c", "\"\\u0033f1d2b4c")),
                Map.entry("an escaped time", ALERT.replace("\"2026-", "\"\\u0032026-")),
                Map.entry("time in microseconds", ALERT.replace("10:00:00.123456789Z", "10:00:00.123456Z")),
                Map.entry("lower-case t", ALERT.replace("26T10", "26t10")),
                Map.entry("an impossible date", ALERT.replace("2026-11-26T", "2026-02-30T")),
                Map.entry("an escaped field name", ALERT.replace("\"ok\":true", "\"o\\u006b\":true")),
                Map.entry("no fields", ALERT.replaceAll("\"output_fields\":\\{[^}]*}", "\"output_fields\":{}")),
                Map.entry("a leading zero", ALERT.replace("\"evt.num\":42", "\"evt.num\":042")),
                Map.entry("a bare minus", ALERT.replace("\"evt.num\":42", "\"evt.num\":-")),
                Map.entry("a dot without digits", ALERT.replace("\"evt.num\":42", "\"evt.num\":4.")),
                Map.entry("NaN", ALERT.replace("\"evt.num\":42", "\"evt.num\":NaN")),
                Map.entry("a misspelled literal", ALERT.replace("\"ok\":true", "\"ok\":tru")),
                Map.entry("a raw control character", ALERT.replace("shell", "sh\u0001ell")),
                Map.entry("a bad escape", ALERT.replace("shell", "sh\\xell")),
                Map.entry("a short unicode escape", ALERT.replace("\\u00e9", "\\u0e")),
                Map.entry("whitespace after the object", ALERT + " "),
                Map.entry("whitespace before the object", " " + ALERT),
                Map.entry("a trailing comma", ALERT.replace("\"}", "\",}")),
                Map.entry("a missing comma", ALERT.replace(",\"rule\"", "\"rule\"")),
                Map.entry("two objects", ALERT + ALERT),
                Map.entry("truncated", ALERT.substring(0, ALERT.length() / 2) + "}"),
                Map.entry("an array", "[" + ALERT + "]"),
                Map.entry("empty object", "{}"),
                Map.entry("a log record", "\u001e{\"message\":\"x\"}"));
        for (Map.Entry<String, String> e : unusual.entrySet()) {
            assertThat(scan(e.getValue())).as(e.getKey()).isNull();
        }
        // what makes a received alert not canonical is unusual here too, but a uuid and floats, which are written alike
        for (Map.Entry<String, String> e : FalcoAlertTest.NOT_CANONICAL.entrySet()) {
            boolean alike = e.getKey().equals("a uuid") || e.getKey().equals("a float field");
            assertThat(scan(e.getValue()) == null).as(e.getKey()).isEqualTo(!alike);
        }
        byte[] invalidUtf8 = ALERT.getBytes(StandardCharsets.UTF_8);
        int at = ALERT.indexOf("Shell\"") + 1;
        for (byte bad : new byte[] {(byte) 0x80, (byte) 0xc0, (byte) 0xed, (byte) 0xf5, (byte) 0xff}) {
            byte[] b = invalidUtf8.clone();
            b[at] = bad;
            assertThat(AlertHead.scan(b)).as("byte %x", bad).isNull();
        }
        assertThat(AlertHead.scan(new byte[0])).isNull();
        assertThat(AlertHead.scan(new byte[] {'{'})).isNull();
    }

    @Test
    void eachSpecialByteIsSeenAtEveryPlaceInAWordOfEight() throws Exception {
        String plain = "10:00:00: shell \\\"sh\\\" in caf\\u00e9 – naïve";
        for (int k = 0; k < 20; k++) {
            String pad = "x".repeat(k);
            for (String ok : new String[] {"\\\"", "\\\\", "\\u0041", "é", "😀", "/"}) {
                String json = ALERT.replace(plain, pad + ok + "yyyyyyyyyy");
                byte[] body = json.getBytes(StandardCharsets.UTF_8);
                AlertHead h = AlertHead.scan(body);
                assertThat(h).as("%s after %d bytes", ok, k).isNotNull();
                agrees(body, h);
            }
            for (String bad : new String[] {"\u0001", "\t", "\\x", "\\u00g0"}) {
                assertThat(scan(ALERT.replace(plain, pad + bad + "yyyyyyyyyy"))).as("%s after %d bytes", bad, k).isNull();
            }
            byte[] high = ALERT.replace(plain, pad + "?yyyyyyyyyy").getBytes(StandardCharsets.UTF_8);
            high[ALERT.indexOf(plain) + k] = (byte) 0xff;
            assertThat(AlertHead.scan(high)).as("0xff after %d bytes", k).isNull();
        }
    }

    @Test
    void whateverItAcceptsTheFullParseAcceptsWithTheSameTimeAndUuid() throws Exception {
        byte[] base = ALERT.getBytes(StandardCharsets.UTF_8);
        byte[] alphabet = "{}[]\",:\\u0 \n-.eE1tnf\u00c3\u00a9".getBytes(StandardCharsets.ISO_8859_1);
        SplittableRandom random = new SplittableRandom(5);
        int accepted = 0;
        for (int round = 0; round < 30_000; round++) {
            byte[] b = base.clone();
            int at = random.nextInt(b.length);
            switch (random.nextInt(3)) {
                case 0 -> b[at] = alphabet[random.nextInt(alphabet.length)];
                case 1 -> b = splice(b, at, new byte[0], 1 + random.nextInt(3));
                default -> b = splice(b, at, new byte[] {alphabet[random.nextInt(alphabet.length)]}, 0);
            }
            AlertHead h = AlertHead.scan(b);
            if (h != null) {
                accepted++;
                agrees(b, h);
            }
        }
        assertThat(accepted).as("some mutations keep the alert valid").isPositive();
    }

    private static byte[] splice(byte[] b, int at, byte[] insert, int remove) {
        int cut = Math.min(remove, b.length - at);
        byte[] out = new byte[b.length - cut + insert.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(b, at + cut, out, at + insert.length, b.length - at - cut);
        return out;
    }
}
