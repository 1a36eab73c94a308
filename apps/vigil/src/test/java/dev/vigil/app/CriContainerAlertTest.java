package dev.vigil.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.capture.cri.ContainerdFixture;
import dev.vigil.capture.cri.CriMetadataSource;
import dev.vigil.capture.state.PodmanMetadataSource;
import dev.vigil.rules.RuleEngine;
import dev.vigil.rules.RuleMatching;
import dev.vigil.rules.RuleSelection;
import dev.vigil.rules.RuleSet;
import dev.vigil.rules.RuleText;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * End to end: the live agent, with a real containerd's CRI socket as metadata source, alerts on a
 * process in a pod container that containerd started for a kubelet-style pod, and the alert carries
 * the container name, image, pod name, namespace and uid that only CRI knows.
 *
 * <p>Needs root, containerd, ctr, podman, runc and busybox-static; fails when one is missing and
 * {@code CI} is set (see {@link ContainerdFixture#requirePrerequisites()}).
 */
class CriContainerAlertTest {
    private static final String RULES = """
            - rule: cat in a container
              desc: test
              condition: evt.type = execve and proc.name = cat and container.id != host
              output: cat in a container (name=%container.name image=%container.image.repository tag=%container.image.tag pod=%k8s.pod.name ns=%k8s.ns.name uid=%k8s.pod.uid id=%container.id start=%container.start_ts)
              priority: WARNING
            """;

    @Test
    void alertInAPodContainerCarriesCriMetadata() throws Exception {
        ContainerdFixture.requirePrerequisites();
        RuleEngine.LoadResult loaded = RuleEngine.load(List.of(new RuleText("cri.yaml", RULES)),
                RuleEngine.Options.defaults().withSuggestedOutput(false));
        assertThat(loaded.errors()).isEmpty();
        RuleSet rs = loaded.ruleSet(RuleSelection.all());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        EvtgenScenariosTest.Alerts alerts = new EvtgenScenariosTest.Alerts(out);
        try (ContainerdFixture containerd = ContainerdFixture.start()) {
            LiveAgent agent = new LiveAgent(rs, RuleMatching.ALL, true, new PrintWriter(out, true), new PrintWriter(err, true),
                    Duration.ofSeconds(30));
            agent.metadataSources(List.of(new PodmanMetadataSource(),
                    new CriMetadataSource(containerd.socket(), Duration.ofSeconds(5))));
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<Integer> exit = pool.submit(() -> agent.run(Duration.ofSeconds(120)));
                LiveAgentTest.waitFor(() -> err.toString().contains("capturing") || exit.isDone(), Duration.ofSeconds(30),
                        () -> "agent start: " + err);
                assertThat(exit.isDone()).as("agent stopped early: %s", err).isFalse();

                // the container runs cat again and again: the first alerts may come before the
                // metadata lookup ends, later ones carry it
                ContainerdFixture.Pod pod = containerd.runPod("checkout-5f7c", "payments", "worker",
                        List.of("/bin/sh", "-c", "while true; do /bin/cat /proc/self/stat >/dev/null; /bin/sleep 0.2; done"));
                String shortId = pod.containerId().substring(0, 12);
                LiveAgentTest.waitFor(() -> !alerts.matching("cat in a container",
                                a -> "worker".equals(a.field("container.name"))).isEmpty(),
                        Duration.ofSeconds(30), () -> "no alert with CRI metadata: " + alerts.all() + "\n" + err);
                EvtgenScenariosTest.Alert a = alerts.matching("cat in a container",
                        x -> "worker".equals(x.field("container.name"))).getFirst();
                assertThat(a.field("container.id")).isEqualTo(shortId);
                assertThat(a.field("container.image.repository")).isEqualTo("localhost/vigil-cri-test");
                assertThat(a.field("container.image.tag")).isEqualTo("1");
                assertThat(a.field("k8s.pod.name")).isEqualTo("checkout-5f7c");
                assertThat(a.field("k8s.ns.name")).isEqualTo("payments");
                assertThat(a.field("k8s.pod.uid")).isEqualTo(pod.uid());
                assertThat(a.field("container.start_ts")).isNotNull();

                agent.stop();
                assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
            } finally {
                agent.stop();
                pool.shutdownNow();
            }
        }
    }
}
