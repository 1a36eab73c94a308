package dev.vigil.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.pipeline.OutputSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VigilConfigTest {
    @TempDir
    Path tmp;

    private Path write(String yaml) throws Exception {
        return Files.writeString(tmp.resolve("vigil.yaml"), yaml);
    }

    @Test
    void readsEverySection() throws Exception {
        VigilConfig c = VigilConfig.load(write("""
                spool: /var/tmp/spool
                customfields: {cluster: prod-eu}
                customtags: [prod, eu]
                forward:
                  listen: 127.0.0.1:2801
                  tls: {cert: s.pem, key: s.key, clientca: ca.pem}
                  tokenfile: /etc/vigil/token
                outputs:
                  - type: slack
                    name: secops
                    webhookurl: https://hooks.example/x
                    minimumpriority: warning
                    filter: output_fields[k8s.ns.name] in (payments)
                  - type: webhook
                    url: http://127.0.0.1:9000/
                    headers: {X-Api-Key: abc}
                    batch: {size: 10}
                    dedup: {window: 60s, keys: [container.id, proc.cmdline]}
                """));
        assertThat(c.spool()).isEqualTo(Path.of("/var/tmp/spool"));
        assertThat(c.customFields()).containsEntry("cluster", "prod-eu");
        assertThat(c.customTags()).containsExactly("prod", "eu");
        assertThat(c.forward().listen()).isEqualTo("127.0.0.1:2801");
        assertThat(c.forward().clientCa()).isEqualTo(Path.of("ca.pem"));
        assertThat(c.outputs()).hasSize(2);
        OutputSettings slack = c.outputs().get(0);
        assertThat(slack.name()).isEqualTo("secops");
        assertThat(slack.type()).isEqualTo("slack");
        assertThat(slack.origin()).endsWith("vigil.yaml:9:5");
        OutputSettings hook = c.outputs().get(1);
        assertThat(hook.name()).isEqualTo("webhook");
        assertThat(hook.values()).containsEntry("headers.X-Api-Key", "abc").containsEntry("batch.size", "10")
                .containsEntry("dedup.keys", "container.id;proc.cmdline");
        assertThat(hook.map("headers")).containsEntry("X-Api-Key", "abc");
    }

    @Test
    void mistakesNameFileLineAndColumn() throws Exception {
        assertThatThrownBy(() -> VigilConfig.load(write("outputs:\n  - url: http://x/\n")))
                .hasMessageContaining("vigil.yaml:2:5").hasMessageContaining("no 'type'");
        assertThatThrownBy(() -> VigilConfig.load(write("spool: /x\noutput:\n  - type: stdout\n")))
                .hasMessageContaining("vigil.yaml:2:1").hasMessageContaining("unknown key 'output'");
        assertThatThrownBy(() -> VigilConfig.load(write("forward:\n  listen: [a, b]\n")))
                .hasMessageContaining("vigil.yaml:2:11").hasMessageContaining("single value");
        assertThatThrownBy(() -> VigilConfig.load(write("outputs: [\n")))
                .hasMessageContaining("not valid YAML");
        assertThatThrownBy(() -> VigilConfig.load(tmp.resolve("missing.yaml"))).hasMessageContaining("cannot read");
    }

    @Test
    void theDocumentedExampleLoadsAndItsOutputsStart() throws Exception {
        String doc = Files.readString(CliTest.repo().resolve("docs/configuration.md"));
        int start = doc.indexOf("```yaml\n") + 8;
        String yaml = doc.substring(start, doc.indexOf("```", start)).replace("/var/lib/vigil/spool", tmp.resolve("spool").toString());
        VigilConfig c = VigilConfig.load(write(yaml));
        assertThat(c.outputs()).extracting(OutputSettings::name).containsExactly("secops", "opensearch", "soar");
        try (Forwarder f = Forwarder.start(c.outputs(), c.spool(), c.customFields(), c.customTags(), java.time.Duration.ofSeconds(1))) {
            assertThat(f.outputs()).hasSize(3);
        }
    }

    @Test
    void theAuditSection() throws Exception {
        VigilConfig c = VigilConfig.load(write("""
                audit:
                  store: /var/lib/vigil/audit
                  rules: /etc/vigil/k8s_audit_rules.yaml
                  sensitive: [/configmaps]
                  maxsize: 50
                  serve: {listen: "0.0.0.0:8443", tls: {cert: c.pem, key: k.pem, clientca: ca.pem}}
                  follow: {log: /var/log/kubernetes/audit.log, pollinterval: 500ms}
                """));
        VigilConfig.Audit a = c.audit();
        assertThat(a.store()).isEqualTo(Path.of("/var/lib/vigil/audit"));
        assertThat(a.rules()).containsExactly(Path.of("/etc/vigil/k8s_audit_rules.yaml"));
        assertThat(a.sensitive()).containsExactly("/configmaps");
        assertThat(a.maxSizeMb()).isEqualTo(50);
        assertThat(a.serve().path()).isEqualTo("/k8s-audit");
        assertThat(a.serve().clientCa()).isEqualTo(Path.of("ca.pem"));
        assertThat(a.follow().pollMillis()).isEqualTo(500);
        assertThatThrownBy(() -> VigilConfig.load(write("audit:\n  serve: {listen: ':1'}\n")))
                .hasMessageContaining("vigil.yaml:2:3").hasMessageContaining("needs a 'store'");
        assertThatThrownBy(() -> VigilConfig.load(write("audit:\n  store: /x\n")))
                .hasMessageContaining("'serve'").hasMessageContaining("'follow'");
        assertThatThrownBy(() -> VigilConfig.load(write("audit:\n  store: /x\n  folow: {log: /y}\n")))
                .hasMessageContaining("vigil.yaml:3:3").hasMessageContaining("unknown key 'folow'");
        assertThatThrownBy(() -> VigilConfig.load(write("audit:\n  store: /x\n  maxsize: big\n  follow: {log: /y}\n")))
                .hasMessageContaining("audit.maxsize: 'big'");
    }

    @Test
    void theLogsSection() throws Exception {
        VigilConfig c = VigilConfig.load(write("""
                logs:
                  podsdir: /var/log/pods
                  nodelogs: ['/var/log/*.log', /var/log/syslog]
                  checkpoints: /var/lib/vigil/logs
                  nodename: node-1
                  multilinestart: '^\\d{4}-'
                  scaninterval: 2s
                """));
        VigilConfig.Logs l = c.logs();
        assertThat(l.podsDir()).isEqualTo(Path.of("/var/log/pods"));
        assertThat(l.nodeLogs()).containsExactly("/var/log/*.log", "/var/log/syslog");
        assertThat(l.checkpoints()).isEqualTo(Path.of("/var/lib/vigil/logs"));
        assertThat(l.nodeName()).isEqualTo("node-1");
        assertThat(l.multilineStart().matcher("2026-11-26 boom").find()).isTrue();
        assertThat(l.scanInterval()).isEqualTo(java.time.Duration.ofSeconds(2));
        String doc = Files.readString(CliTest.repo().resolve("docs/configuration.md"));
        int start = doc.indexOf("```yaml\n", doc.indexOf("## The `logs:` section")) + 8;
        VigilConfig.Logs documented = VigilConfig.load(write(doc.substring(start, doc.indexOf("```", start)))).logs();
        assertThat(documented.multilineStart().matcher("2026-11-26 10:00:00 ERROR").find()).isTrue();
        assertThat(documented.nodeLogs()).containsExactly("/var/log/*.log");
        assertThat(VigilConfig.load(write("logs: {nodelogs: /var/log/x.log, checkpoints: /cp}\n")).logs().scanInterval())
                .isEqualTo(java.time.Duration.ofSeconds(1));
        for (String[] bad : new String[][] {
                {"logs:\n  podsdir: /p\n", "vigil.yaml:2:3", "needs a 'checkpoints'"},
                {"logs:\n  checkpoints: /cp\n", "'podsdir'", "'nodelogs'"},
                {"logs:\n  checkpoints: /cp\n  podsdir: /p\n  multilinestart: '('\n", "vigil.yaml:4:19", "logs.multilinestart"},
                {"logs:\n  checkpoints: /cp\n  pods-dir: /p\n", "vigil.yaml:3:3", "unknown key 'pods-dir'"}}) {
            assertThatThrownBy(() -> VigilConfig.load(write(bad[0]))).hasMessageContaining(bad[1]).hasMessageContaining(bad[2]);
        }
    }
}
