package dev.vigil.app;

import dev.vigil.admission.AdmissionPolicy;
import dev.vigil.admission.AdmissionReviews;
import dev.vigil.admission.Evaluation;
import dev.vigil.admission.Finding;
import dev.vigil.admission.Mode;
import dev.vigil.event.Priority;
import dev.vigil.pipeline.FalcoAlert;
import dev.vigil.rules.output.AlertFormatter;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vigil admission ...}: the validating admission webhook that keeps containers immutable. */
final class AdmissionCommands {
    private AdmissionCommands() {}

    static final String SOURCE = "k8s_admission";

    @Command(name = "admission", mixinStandardHelpOptions = true,
            description = "A validating admission webhook requiring read-only root filesystems (and no privileged containers, no privilege "
                    + "escalation, no writable hostPath mounts). See docs/immutable-containers.md.",
            subcommands = {Serve.class, AdmissionManifests.class})
    static final class Admission implements Runnable {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(spec.commandLine().getOut());
        }
    }

    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = "Serve the ValidatingAdmissionWebhook over HTTPS: POST /validate takes an admission.k8s.io/v1 AdmissionReview for "
                    + "Pods (and pods/ephemeralcontainers), Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs and CronJobs; "
                    + "GET /healthz answers ok. Stops on SIGTERM/SIGINT and prints its counters.")
    static final class Serve implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;
        @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "0.0.0.0:8443", description = "Address to listen on. Default: ${DEFAULT-VALUE}.")
        String listen;
        @Option(names = "--tls-cert", paramLabel = "CERT.pem", description = "The serving certificate chain (PEM, leaf first).")
        Path tlsCert;
        @Option(names = "--tls-key", paramLabel = "KEY.pem", description = "The serving key (PEM, unencrypted PKCS#8).")
        Path tlsKey;
        @Option(names = "--plain-http", description = "Serve plain HTTP; only on a loopback address, for local testing.")
        boolean plainHttp;
        @Mixin
        AdmissionPolicyOptions policyOptions;
        @Mixin
        OutputFlags outputFlags;

        /** Counted down by SIGTERM/SIGINT (and by tests) to stop serving. */
        final CountDownLatch stop = new CountDownLatch(1);
        /** The running server, once started (for tests). */
        volatile AdmissionServer running;

        private CommandLine.ParameterException usage(String message) {
            return new CommandLine.ParameterException(spec.commandLine(), message);
        }

        /** The address to bind and the TLS context (null for --plain-http), checked. */
        record Binding(InetSocketAddress address, SSLContext tls) {}

        Binding binding() throws IOException {
            InetSocketAddress address;
            try {
                address = ListenAddress.parse(listen, "--listen");
            } catch (IllegalArgumentException e) {
                throw usage(e.getMessage());
            }
            if (plainHttp) {
                if (tlsCert != null || tlsKey != null) {
                    throw usage("--plain-http serves without TLS: leave out --tls-cert and --tls-key");
                }
                String host = ListenAddress.host(listen);
                if (!AuditWebhook.loopback(host)) {
                    throw usage("--plain-http is only allowed on a loopback address (127.0.0.1, ::1, localhost), not " + host
                            + ": kube-apiserver only calls webhooks over HTTPS; give --tls-cert and --tls-key");
                }
                return new Binding(address, null);
            }
            if (tlsCert == null || tlsKey == null) {
                throw usage("--tls-cert and --tls-key are required to serve HTTPS (or --plain-http on a loopback address)");
            }
            return new Binding(address, AuditWebhook.tls(tlsCert, tlsKey, null));
        }

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            AdmissionPolicy policy = policyOptions.policy();
            Binding b = binding();
            Signals.onTermination(err, stop::countDown);
            return outputFlags.runWith(err, (forwarder, cfg) -> {
                Consumer<AdmissionReviews.Verdict> alerts = v -> {
                    for (FalcoAlert a : alerts(v)) {
                        out.println(a.output());
                        if (forwarder != null) {
                            forwarder.accept(a);
                        }
                    }
                    out.flush();
                };
                try (AdmissionServer server = new AdmissionServer(b.address(), b.tls(), new AdmissionReviews(policy), alerts)) {
                    server.start();
                    running = server;
                    out.println("vigil: admission webhook on " + (b.tls() == null ? "http" : "https") + "://"
                            + listen.substring(0, listen.lastIndexOf(':')) + ":" + server.address().getPort() + "/validate (mode "
                            + policy.mode().id() + ", checks " + String.join(",", policy.orderedChecks().stream().map(c -> c.id()).toList())
                            + ", exempt namespaces " + policy.exemptNamespaces() + ")");
                    out.flush();
                    stop.await();
                    server.close();
                    out.println("vigil: stopped: " + server.counters());
                    out.flush();
                }
                return 0;
            });
        }
    }

    /** Rule names of audit-mode alerts, one per check. */
    static String ruleName(dev.vigil.admission.Check c) {
        return switch (c) {
            case READONLY_ROOT -> "Vigil admission: mutable root filesystem";
            case PRIVILEGED -> "Vigil admission: privileged container";
            case PRIVILEGE_ESCALATION -> "Vigil admission: privilege escalation allowed";
            case HOSTPATH_WRITABLE -> "Vigil admission: writable hostPath mount";
        };
    }

    /** One Warning alert per finding of an admitted (audit mode) request. */
    static List<FalcoAlert> alerts(AdmissionReviews.Verdict v) {
        Evaluation e = v.evaluation();
        Instant now = Instant.now();
        long nanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        String host = AlertFormatter.defaultHostname();
        return e.findings().stream().map((Finding f) -> {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("k8s.ns.name", e.namespace());
            fields.put("ka.target.kind", e.kind());
            fields.put("ka.target.name", e.name());
            fields.put("container.name", f.container());
            fields.put("container.image", f.image());
            fields.put("ka.user.name", v.user());
            fields.put("ka.req.uid", v.uid());
            fields.put("vigil.check", f.check().id());
            String output = now + ": Warning admitted in audit mode: " + e.describe() + ": " + f.message() + " (user=" + v.user()
                    + " operation=" + v.operation() + ")";
            return new FalcoAlert(null, nanos, Priority.WARNING, ruleName(f.check()), SOURCE, List.of("k8s", "container", "immutability"),
                    host, output, fields);
        }).toList();
    }

    static boolean sideEffects(Mode mode) {
        return mode == Mode.AUDIT;
    }
}
