package dev.vigil.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.pipeline.OutputSettings;
import org.junit.jupiter.api.Test;

class OutputSpecsTest {
    @Test
    void typeKeysAndName() throws Exception {
        OutputSettings s = OutputSpecs.parse("slack:webhookurl=https://hooks.example/T1/B2,minimumpriority=warning,name=secops");
        assertThat(s.type()).isEqualTo("slack");
        assertThat(s.name()).isEqualTo("secops");
        assertThat(s.values()).containsEntry("webhookurl", "https://hooks.example/T1/B2").containsEntry("minimumpriority", "warning")
                .doesNotContainKey("name");
        assertThat(OutputSpecs.parse("stdout").name()).isEqualTo("stdout");
        assertThat(OutputSpecs.parse("stdout").values()).isEmpty();
    }

    @Test
    void backslashEscapesCommasAndEquals() throws Exception {
        OutputSettings s = OutputSpecs.parse("webhook:url=http://h/?a\\=1,template={\"r\":\"{{rule}}\"\\,\"p\":1},filter=rule = x");
        assertThat(s.values()).containsEntry("url", "http://h/?a=1").containsEntry("template", "{\"r\":\"{{rule}}\",\"p\":1}")
                .containsEntry("filter", "rule = x");
    }

    @Test
    void mistakes() {
        assertThatThrownBy(() -> OutputSpecs.parse(":url=x")).hasMessageContaining("TYPE[:key=value");
        assertThatThrownBy(() -> OutputSpecs.parse("webhook:url")).hasMessageContaining("'url' is not key=value");
        assertThatThrownBy(() -> OutputSpecs.parse("webhook:url=a,url=b")).hasMessageContaining("given twice");
    }
}
