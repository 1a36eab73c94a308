package dev.vigil.app;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vigil audit apiserver-config}: what to give kube-apiserver so that Vigil receives its audit events. */
@Command(name = "apiserver-config", mixinStandardHelpOptions = true,
        description = "Print the kube-apiserver flags for the log backend (for vigil audit ingest --follow) and the webhook backend "
                + "(for vigil audit serve), the webhook kubeconfig, and Vigil's recommended audit policy (also in "
                + "deploy/audit/vigil-audit-policy.yaml). See docs/audit-ingestion.md.")
final class AuditApiserverConfig implements Callable<Integer> {
    /** The recommended policy, bundled from deploy/audit/vigil-audit-policy.yaml. */
    static final String POLICY_RESOURCE = "/dev/vigil/app/audit/vigil-audit-policy.yaml";
    static final String DEFAULT_PATH = "/k8s-audit";

    @Spec
    CommandLine.Model.CommandSpec spec;
    @Option(names = "--webhook-url", paramLabel = "URL", defaultValue = "https://vigil.vigil-system.svc:8443" + DEFAULT_PATH,
            description = "Where vigil audit serve listens (default ${DEFAULT-VALUE}); a URL without a path gets " + DEFAULT_PATH + ".")
    String webhookUrl;
    @Option(names = "--policy-out", paramLabel = "FILE", description = "Write the recommended policy to FILE instead of printing it.")
    Path policyOut;
    @Option(names = "--kubeconfig-out", paramLabel = "FILE", description = "Write the webhook kubeconfig to FILE instead of printing it.")
    Path kubeconfigOut;
    @Option(names = "--config-dir", paramLabel = "DIR", defaultValue = "/etc/kubernetes/audit",
            description = "Where the policy, kubeconfig and certificates go on the control-plane node (default ${DEFAULT-VALUE}).")
    String configDir;
    @Option(names = "--log-path", paramLabel = "FILE", defaultValue = "/var/log/kubernetes/audit/audit.log",
            description = "--audit-log-path (default ${DEFAULT-VALUE}).")
    String logPath;

    static String policy() {
        try (InputStream in = AuditApiserverConfig.class.getResourceAsStream(POLICY_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + POLICY_RESOURCE);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String webhookUrl(String url) {
        URI u;
        try {
            u = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: " + e.getMessage());
        }
        if (!"https".equals(u.getScheme()) && !"http".equals(u.getScheme()) || u.getHost() == null) {
            throw new IllegalArgumentException("an http(s) URL with a host is needed, e.g. https://vigil.example:8443" + DEFAULT_PATH);
        }
        if (u.getRawPath() == null || u.getRawPath().isEmpty() || u.getRawPath().equals("/")) {
            return url.replaceAll("/$", "") + DEFAULT_PATH;
        }
        return url;
    }

    static String kubeconfig(String url, String dir) {
        return """
                # kube-apiserver --audit-webhook-config-file: POSTs EventList batches to the current context's server URL.
                apiVersion: v1
                kind: Config
                clusters:
                  - name: vigil
                    cluster:
                      server: "%1$s"
                      certificate-authority: "%2$s/vigil-ca.crt"
                contexts:
                  - name: vigil
                    context:
                      cluster: vigil
                      user: kube-apiserver
                current-context: vigil
                users:
                  - name: kube-apiserver
                    user:
                      # client certificate kube-apiserver presents to Vigil (mutual TLS)
                      client-certificate: "%2$s/apiserver-audit-client.crt"
                      client-key: "%2$s/apiserver-audit-client.key"
                """.formatted(url.replace("\\", "\\\\").replace("\"", "\\\""), dir.replace("\\", "\\\\").replace("\"", "\\\""));
    }

    static List<String> logFlags(String dir, String logPath) {
        return List.of("--audit-policy-file=" + dir + "/vigil-audit-policy.yaml", "--audit-log-path=" + logPath, "--audit-log-format=json",
                "--audit-log-maxage=30", "--audit-log-maxbackup=10", "--audit-log-maxsize=100");
    }

    static List<String> webhookFlags(String dir) {
        return List.of("--audit-webhook-config-file=" + dir + "/vigil-webhook.kubeconfig", "--audit-webhook-version=audit.k8s.io/v1",
                "--audit-webhook-mode=batch", "--audit-webhook-batch-buffer-size=10000", "--audit-webhook-batch-max-size=400",
                "--audit-webhook-batch-max-wait=5s", "--audit-webhook-batch-throttle-enable=true", "--audit-webhook-batch-throttle-qps=10",
                "--audit-webhook-batch-throttle-burst=15", "--audit-webhook-initial-backoff=10s");
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        String url;
        try {
            url = webhookUrl(webhookUrl);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Invalid value for option '--webhook-url': " + e.getMessage());
        }
        String dir = configDir.replaceAll("/+$", "");
        out.println("# kube-apiserver flags: audit policy and log backend (read by: vigil audit ingest --store DIR --follow " + logPath + ")");
        out.println("# rotation by rename every 100 MB, 10 backups, 30 days (CIS 1.2.x); the log directory must be readable by Vigil");
        logFlags(dir, logPath).forEach(out::println);
        out.println();
        out.println("# kube-apiserver flags: webhook backend (to vigil audit serve at " + url + ")");
        out.println("# batch mode never blocks requests; a full buffer drops events, retried batches can arrive twice (the store dedups)");
        webhookFlags(dir).forEach(out::println);
        out.println();
        String kc = kubeconfig(url, dir);
        if (kubeconfigOut != null) {
            Files.writeString(kubeconfigOut, kc, StandardCharsets.UTF_8);
            out.println("# webhook kubeconfig written to " + kubeconfigOut + "; install it as " + dir + "/vigil-webhook.kubeconfig");
        } else {
            out.println("# " + dir + "/vigil-webhook.kubeconfig");
            out.println("---");
            out.print(kc);
        }
        out.println();
        String p = policy();
        if (policyOut != null) {
            Files.writeString(policyOut, p, StandardCharsets.UTF_8);
            out.println("# recommended audit policy written to " + policyOut + "; install it as " + dir + "/vigil-audit-policy.yaml");
        } else {
            out.println("# " + dir + "/vigil-audit-policy.yaml");
            out.println("---");
            out.print(p);
        }
        return 0;
    }
}
