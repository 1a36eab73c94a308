package dev.vigil.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.pipeline.FalcoAlert;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The received JSON passed on with the uuid spliced in reads as the alert with that uuid. */
class ForwarderUuidTest {
    @Test
    void theSplicedJsonIsTheAlertWithItsUuid() throws Exception {
        String json = "\ufeff  " + ForwardCommandTest.alert("Terminal shell in container", "Warning", "payments") + " \n";
        FalcoAlert.Received r = FalcoAlert.parseReceived(json.getBytes(StandardCharsets.UTF_8));
        assertThat(r.canonical()).isTrue();
        String uuid = UUID.randomUUID().toString();
        byte[] spliced = Forwarder.withUuid(r.json(), uuid);
        String text = new String(spliced, StandardCharsets.UTF_8);
        assertThat(text).startsWith("{\"uuid\":\"" + uuid + "\",\"hostname\":\"node-1\"").endsWith("}}").doesNotContain("\n");
        assertThat(FalcoAlert.parse(spliced)).isEqualTo(r.alert().withUuid(uuid));
        assertThat(Forwarder.withUuid("[1]".getBytes(StandardCharsets.UTF_8), uuid)).isNull();
    }

    /** The head kept from the check on receipt is the one a scan of the stored bytes finds. */
    @Test
    void theHeadFoundOnReceiptIsTheOneTheStoredBytesHold() throws Exception {
        String alert = ForwardCommandTest.alert("Terminal shell in container", "Warning", "payments");
        for (String json : java.util.List.of(alert, "  \t" + alert + "\n", alert.replace("\"priority\"", "\"\\u0070riority\""),
                "{\"time\":\"2026-11-26T10:00:00.123456789Z\"," + alert.substring(1).replaceFirst(",?\"time\":\"[^\"]*\"", ""))) {
            FalcoAlert.Received r = FalcoAlert.parseReceived(json.getBytes(StandardCharsets.UTF_8));
            assertThat(r.canonical()).as(json).isTrue();
            String uuid = dev.vigil.pipeline.AlertIds.next();
            dev.vigil.pipeline.Envelope e = Forwarder.envelope(r, uuid);
            assertThat(e.head()).as(json).isNotNull();
            String body = new String(e.body(), StandardCharsets.UTF_8);
            assertThat(body.substring(e.head().timeStart(), e.head().timeStart() + 30)).isEqualTo(r.alert().toJson()
                    .replaceAll(".*\"time\":\"([^\"]*)\".*", "$1"));
            assertThat(body.substring(e.head().uuidStart(), e.head().uuidEnd())).isEqualTo(uuid);
            assertThat(e.head().timeNanos()).isEqualTo(r.alert().timeNanos());
            dev.vigil.pipeline.AlertHead scanned = dev.vigil.pipeline.AlertHead.scan(e.body());
            if (scanned != null) { // (escaped member names are Falco's form for the check, not for the scan)
                assertThat(e.head()).isEqualTo(scanned);
            }
            assertThat(e.alert()).isEqualTo(r.alert().withUuid(uuid));
        }
        // a time in Falco's form once decoded but not as written (escapes, a lower-case t) is not copied: the output scans
        for (String time : java.util.List.of("2026-11-26T10:00:00.12345678\\u0039Z", "\\u0032026-11-26T10:00:00.123456789Z",
                "2026-11-26t10:00:00.123456789Z")) {
            String json = alert.replace("2026-11-26T10:00:00.123456789Z", time);
            FalcoAlert.Received r = FalcoAlert.parseReceived(json.getBytes(StandardCharsets.UTF_8));
            String uuid = dev.vigil.pipeline.AlertIds.next();
            dev.vigil.pipeline.Envelope e = Forwarder.envelope(r, uuid);
            assertThat(e.head()).as(time).isNull();
            assertThat(e.alert()).as(time).isEqualTo(r.alert().withUuid(uuid));
        }
        // a member given twice is not passed on as received
        String twice = alert.replace("\"rule\":", "\"rule\":\"x\",\"rule\":");
        assertThat(FalcoAlert.parseReceived(twice.getBytes(StandardCharsets.UTF_8)).canonical()).isFalse();
    }
}
