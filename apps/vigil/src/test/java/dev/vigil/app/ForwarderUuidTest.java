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
}
