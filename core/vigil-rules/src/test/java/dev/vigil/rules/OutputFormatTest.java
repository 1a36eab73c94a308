package dev.vigil.rules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.event.Alert;
import dev.vigil.event.AlertJson;
import dev.vigil.event.SnapshotEvent;
import dev.vigil.rules.output.AlertFormatter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Output format strings, Falco's text line and Falco's JSON alert. */
class OutputFormatTest {
    private static RuleEngine.LoadResult load(String output, boolean suggested) {
        String yaml = """
                - rule: r
                  desc: d
                  condition: evt.type = openat
                  output: '%s'
                  priority: info
                  tags: [b, a, b]
                """.formatted(output.replace("'", "''"));
        return RuleEngine.load(List.of(new RuleText("o.yaml", yaml)), RuleEngine.Options.defaults().withSuggestedOutput(suggested));
    }

    private static String render(String output, Object... fields) {
        RuleEngine.LoadResult r = load(output, false);
        assertThat(r.errors()).as(Fixtures.describe(r)).isEmpty();
        RuleSet rs = r.ruleSet(RuleSelection.all());
        SnapshotEvent ev = Events.syscall(rs.slots(), "openat", fields);
        return rs.rules().get(0).outputFormat().format(ev);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "name=%proc.name|name=cat",
        "name=%(proc.name)!|name=cat!",
        "[%6proc.name]|[cat   ]",
        "[%2proc.name]|[ca]",
        "file=%fd.name)|file=<NA>)",
        "%proc.name,%proc.pid|cat,42",
        "upper=%toupper(proc.name)|upper=CAT",
        "a=%proc.aname b=%proc.aname[2]|a=bash sshd systemd b=sshd",
    })
    void formats(String format, String expected) {
        assertThat(render(format, "proc.name", "cat", "proc.pid", 42L, "proc.aname", List.of("bash", "sshd", "systemd"),
                "proc.aname[2]", "sshd")).isEqualTo(expected);
    }

    /** Addresses print as inet_ntop prints them (IPv6 compressed), in the text line and in JSON. */
    @Test
    void addressesRenderAsInetNtop() {
        Object v6 = dev.vigil.event.IpAddress.parse("::1").orElseThrow();
        Object doc = dev.vigil.event.IpAddress.parse("2001:db8:0:0:1:0:0:1").orElseThrow();
        Object v4 = dev.vigil.event.IpAddress.parse("127.0.0.1").orElseThrow();
        assertThat(render("s=%fd.sip c=%fd.cip", "fd.sip", v6, "fd.cip", doc)).isEqualTo("s=::1 c=2001:db8::1:0:0:1");
        assertThat(render("s=%fd.sip", "fd.sip", v4)).isEqualTo("s=127.0.0.1");
        assertThat(v6.toString()).isEqualTo("::1");
        assertThat(new dev.vigil.event.IpAddress(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 10, 0, 0, 1})
                .toString()).isEqualTo("::ffff:10.0.0.1");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "x=%proc.nobody|invalid formatting token proc.nobody",
        "x=%not_a_real_field|invalid formatting token not_a_real_field",
        "x=%fd.ip|is filter only",
        "ends with %|ends with '%'",
        "100%%proc.name|invalid formatting token",
    })
    void rejects(String format, String message) {
        RuleEngine.LoadResult r = load(format, false);
        assertThat(r.errors()).singleElement().satisfies(p -> {
            assertThat(p.code()).isEqualTo(ProblemCode.LOAD_ERR_COMPILE_OUTPUT);
            assertThat(p.message()).contains(message);
        });
    }

    @Test
    void suggestedContainerFieldsAreAppendedOnce() {
        RuleEngine.LoadResult r = load("cat ran (id=%container.id)", true);
        assertThat(r.rules().get(0).output()).isEqualTo("cat ran (id=%container.id) container_name=%container.name "
                + "container_image_repository=%container.image.repository container_image_tag=%container.image.tag "
                + "k8s_pod_name=%k8s.pod.name k8s_ns_name=%k8s.ns.name");
    }

    @Test
    void containerInfoIsRemovedWithAWarning() {
        RuleEngine.LoadResult r = load("cat ran %container.info", false);
        assertThat(r.rules().get(0).output()).isEqualTo("cat ran");
        assertThat(r.warnings()).anyMatch(p -> p.code() == ProblemCode.LOAD_DEPRECATED_ITEM && p.message().contains("container.info"));
    }

    @Test
    void textLineAndJsonAlertHaveFalcosShape() {
        RuleEngine.LoadResult r = load("opened %fd.name by %proc.name (pid=%proc.pid tty=%proc.tty)", false);
        RuleSet rs = r.ruleSet(RuleSelection.all());
        SnapshotEvent ev = Events.syscall(rs.slots(), "openat", "fd.name", "/tmp/a\nb", "proc.name", "cat", "proc.pid", 42L);
        ev.setTimestampNanos(1470327477881781397L);
        Alert a = new AlertFormatter("test-host").alert(rs.rules().get(0), ev);
        assertThat(a.output()).isEqualTo("2016-08-04T16:17:57.881781397+0000: Informational opened /tmp/a\\nb by cat (pid=42 tty=<NA>)");
        assertThat(a.outputFields().keySet()).containsExactly("evt.time.iso8601", "fd.name", "proc.name", "proc.pid", "proc.tty");
        assertThat(a.outputFields()).containsEntry("evt.time.iso8601", 1470327477881781397L).containsEntry("proc.pid", 42L)
                .containsEntry("proc.tty", null).containsEntry("fd.name", "/tmp/a\nb");
        assertThat(AlertJson.write(a)).isEqualTo("{\"hostname\":\"test-host\","
                + "\"output\":\"2016-08-04T16:17:57.881781397+0000: Informational opened /tmp/a\\\\nb by cat (pid=42 tty=<NA>)\","
                + "\"output_fields\":{\"evt.time.iso8601\":1470327477881781397,\"fd.name\":\"/tmp/a\\nb\",\"proc.name\":\"cat\",\"proc.pid\":42,\"proc.tty\":null},"
                + "\"priority\":\"Informational\",\"rule\":\"r\",\"source\":\"syscall\",\"tags\":[\"a\",\"b\"],"
                + "\"time\":\"2016-08-04T16:17:57.881781397Z\"}");
    }
}
