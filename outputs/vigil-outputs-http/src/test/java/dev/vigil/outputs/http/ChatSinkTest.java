package dev.vigil.outputs.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.event.Priority;
import dev.vigil.pipeline.FalcoAlert;
import dev.vigil.pipeline.OutputFactory;
import dev.vigil.pipeline.SendResult;
import dev.vigil.pipeline.SendResult.Status;
import dev.vigil.pipeline.Sink;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Slack and Teams: exact message bodies, format switches and colours. */
class ChatSinkTest extends ReceiverTestBase {
    private Map<String, Object> send(OutputFactory f, FalcoAlert a, String... kv) throws Exception {
        try (Sink sink = f.create(Samples.settings(f.type(), kv))) {
            SendResult r = sink.send(List.of(Samples.envelope(a)));
            assertThat(r.allDelivered()).as("%s", r).isTrue();
        }
        List<Receiver.Request> all = receiver.requests();
        Receiver.Request last = all.getLast();
        assertThat(last.method()).isEqualTo("POST");
        assertThat(last.header("Content-Type")).isEqualTo("application/json");
        return JsonTree.obj(last.json());
    }

    private String hook() {
        return receiver.url("/services/T0/B0/x").toString();
    }

    @Test
    void slackMessageWithAllParts() throws Exception {
        Map<String, Object> body = send(new SlackFactory(), Samples.alert(), "webhookurl", hook(), "channel", "#alerts",
                "iconurl", "https://example.invalid/vigil.png", "messageformat", "{{priority}}: {{rule}} on {{hostname}}");
        assertThat(body).isEqualTo(JsonTree.golden("slack.json"));
        assertThat(receiver.only().path()).isEqualTo("/services/T0/B0/x");
    }

    @Test
    void slackTextAndFieldsFormats() throws Exception {
        Map<String, Object> text = send(new SlackFactory(), Samples.alert(), "webhookurl", hook(), "outputformat", "text");
        Map<String, Object> attachment = JsonTree.first(text.get("attachments"));
        assertThat(text).doesNotContainKeys("text", "channel", "icon_url").containsEntry("username", "Vigil");
        assertThat(attachment).doesNotContainKey("fields").containsEntry("text", Samples.alert().output());

        Map<String, Object> fields = send(new SlackFactory(), Samples.alert(), "webhookurl", hook(), "outputformat", "fields", "username", "bot");
        attachment = JsonTree.first(fields.get("attachments"));
        assertThat(fields).containsEntry("username", "bot");
        assertThat(attachment).doesNotContainKey("text").containsKey("fields")
                .containsEntry("fallback", Samples.alert().output());
    }

    @Test
    void coloursFollowThePriority() throws Exception {
        Map<Priority, String> expected = Map.of(Priority.EMERGENCY, "#e20b0b", Priority.ERROR, "#e20b0b", Priority.ALERT, "#ff5400",
                Priority.CRITICAL, "#ff5400", Priority.WARNING, "#ffc700", Priority.NOTICE, "#5bffb5", Priority.INFORMATIONAL, "#68c2ff",
                Priority.DEBUG, "#ccfff2");
        for (Map.Entry<Priority, String> e : expected.entrySet()) {
            Map<String, Object> slack = send(new SlackFactory(), Samples.variant(1, e.getKey()), "webhookurl", hook());
            assertThat(JsonTree.first(slack.get("attachments")).get("color")).isEqualTo(e.getValue());
            Map<String, Object> teams = send(new TeamsFactory(), Samples.variant(1, e.getKey()), "webhookurl", hook());
            assertThat(teams.get("themeColor")).isEqualTo(e.getValue().substring(1));
        }
    }

    @Test
    void teamsMessageCard() throws Exception {
        Map<String, Object> body = send(new TeamsFactory(), Samples.alert(), "webhookurl", hook(), "activityimage", "https://example.invalid/vigil.png");
        assertThat(body).isEqualTo(JsonTree.golden("teams.json"));
    }

    @Test
    void teamsTextAndFactsFormats() throws Exception {
        Map<String, Object> text = send(new TeamsFactory(), Samples.alert(), "webhookurl", hook(), "outputformat", "text");
        assertThat(JsonTree.first(text.get("sections"))).doesNotContainKeys("facts", "activityImage").containsKey("text");
        Map<String, Object> facts = send(new TeamsFactory(), Samples.alert(), "webhookurl", hook(), "outputformat", "facts");
        assertThat(JsonTree.first(facts.get("sections"))).doesNotContainKey("text").containsKey("facts");
    }

    @Test
    void failuresAreClassified() throws Exception {
        receiver.reply(429, "rate_limited", "Retry-After", "30").reply(404, "no_service");
        try (Sink sink = new SlackFactory().create(Samples.settings("slack", "webhookurl", hook()))) {
            SendResult limited = sink.send(List.of(Samples.envelope(Samples.alert())));
            assertThat(limited.status(0)).isEqualTo(Status.RETRY);
            assertThat(limited.retryAfter()).hasSeconds(30);
            assertThat(sink.send(List.of(Samples.envelope(Samples.alert()))).status(0)).isEqualTo(Status.REJECT);
        }
    }
}
