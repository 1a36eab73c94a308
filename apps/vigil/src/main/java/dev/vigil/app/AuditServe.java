package dev.vigil.app;

import dev.vigil.k8saudit.protect.AuditProtector;
import dev.vigil.k8saudit.protect.SensitiveKinds;
import dev.vigil.k8saudit.store.AuditStore;
import dev.vigil.k8saudit.store.StoreOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import javax.net.ssl.SSLContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vigil audit serve}: the receiving end of kube-apiserver's audit webhook backend. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Receive kube-apiserver's audit webhook (--audit-webhook-config-file) over HTTPS: each POSTed EventList "
                + "(audit.k8s.io/v1 or v1beta1) is protected (sensitive kinds lose their bodies), appended to the tamper-evident "
                + "store and fsynced before the 200 answer; re-sent batches are stored once. Clients authenticate with a client "
                + "certificate (--client-ca) or a bearer token (--token-file). GET /healthz answers 200. Stops on SIGTERM/SIGINT "
                + "and prints its counters. See docs/audit-webhook.md.")
final class AuditServe implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;
    @Option(names = "--listen", paramLabel = "HOST:PORT", required = true, description = "Address to listen on, e.g. 0.0.0.0:8443 or [::1]:8443.")
    String listen;
    @Option(names = "--store", paramLabel = "DIR", required = true, description = "The store directory (created on first use).")
    Path store;
    @Option(names = "--path", paramLabel = "/PATH", defaultValue = "/k8s-audit", description = "The URL path events are POSTed to (default /k8s-audit).")
    String path;
    @Option(names = "--tls-cert", paramLabel = "CERT.pem", description = "The server certificate chain (PEM, leaf first).")
    Path tlsCert;
    @Option(names = "--tls-key", paramLabel = "KEY.pem", description = "The server private key (PEM, unencrypted PKCS#8: -----BEGIN PRIVATE KEY-----).")
    Path tlsKey;
    @Option(names = "--client-ca", paramLabel = "CA.pem", description = "Require client certificates signed by these CA certificates (mutual TLS); "
            + "with --token-file too, either credential is enough.")
    Path clientCa;
    @Option(names = "--token-file", paramLabel = "FILE", description = "A file holding the bearer token clients must send (Authorization: Bearer ...).")
    Path tokenFile;
    @Option(names = "--plain-http", description = "Serve plain HTTP instead of HTTPS; only on a loopback address (for a local relay or tests).")
    boolean plainHttp;
    @Option(names = "--max-body", paramLabel = "MB", defaultValue = "64", description = "Refuse request bodies above this size with 413 (at least 64, the default).")
    long maxBodyMb;
    @Option(names = "--signing-key", paramLabel = "PRIV.pem", description = "Ed25519 PKCS#8 PEM key that signs checkpoints (default DIR/store.key).")
    Path signingKey;
    @Option(names = "--sensitive", paramLabel = "GROUP/RESOURCE[/SUB]", description = "A further sensitive kind, as for vigil audit ingest. Repeatable.")
    List<String> sensitive = new ArrayList<>();
    @Option(names = "--metrics-listen", paramLabel = "HOST:PORT",
            description = "Serve Prometheus metrics (receiver, detection) over plain HTTP at http://HOST:PORT/metrics (and /healthz).")
    String metricsListen;

    @picocli.CommandLine.Mixin
    AuditDetection detection;

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    /** Checks the options and builds the server configuration (no socket yet). */
    AuditWebhook.Config config() throws IOException {
        InetSocketAddress address;
        try {
            address = ListenAddress.parse(listen, "--listen");
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        String host = ListenAddress.host(listen);
        if (!path.startsWith("/") || path.equals("/healthz")) {
            throw usage("--path must start with / and not be /healthz, got '" + path + "'");
        }
        if (maxBodyMb > 2047) {
            throw usage("--max-body must be at most 2047 (MB): a request body is held in one array");
        }
        if (maxBodyMb < 64) {
            throw usage("--max-body must be at least 64 (MB): kube-apiserver sends batches of up to 400 events, which must not be refused");
        }
        SSLContext tls = null;
        if (plainHttp) {
            if (tlsCert != null || tlsKey != null || clientCa != null) {
                throw usage("--plain-http serves without TLS: leave out --tls-cert, --tls-key and --client-ca");
            }
            if (!AuditWebhook.loopback(host)) {
                throw usage("--plain-http is only allowed on a loopback address (127.0.0.1, ::1, localhost), not " + host
                        + ": audit events carry credentials and object contents; serve HTTPS with --tls-cert and --tls-key");
            }
        } else {
            if (tlsCert == null || tlsKey == null) {
                throw usage("--tls-cert and --tls-key are required to serve HTTPS (or --plain-http on a loopback address)");
            }
            tls = AuditWebhook.tls(tlsCert, tlsKey, clientCa);
        }
        if (clientCa == null && tokenFile == null) {
            throw usage("give --client-ca (client certificates) and/or --token-file (bearer token): the endpoint is not served unauthenticated");
        }
        byte[] tokenHash = null;
        if (tokenFile != null) {
            tokenHash = AuditWebhook.tokenHash(tokenFile, "--token-file");
        }
        return new AuditWebhook.Config(address, path, tls, clientCa != null && tokenFile == null,
                clientCa != null && tokenFile != null, tokenHash, maxBodyMb * 1024 * 1024);
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        SensitiveKinds kinds;
        try {
            kinds = SensitiveKinds.defaultsPlus(sensitive);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        AuditWebhook.Config config = config();
        if (metricsListen != null) {
            try {
                ListenAddress.parse(metricsListen, "--metrics-listen");
            } catch (IllegalArgumentException e) {
                throw usage(e.getMessage());
            }
        }
        CountDownLatch stop = new CountDownLatch(1);
        Signals.onTermination(err, stop::countDown);
        return detection.runWith(out, err, detector -> serve(out, err, kinds, config, stop, detector));
    }

    private int serve(PrintWriter out, PrintWriter err, SensitiveKinds kinds, AuditWebhook.Config config, CountDownLatch stop,
            AuditDetection.Detector detector) throws IOException, InterruptedException {
        try (AuditStore s = AuditStore.open(store, StoreOptions.defaults().withPrivateKey(signingKey), new AuditProtector(kinds))) {
            for (String r : s.recoveries()) {
                err.println("vigil: " + store + ": " + r);
            }
            AuditWebhook server = new AuditWebhook(config, s);
            if (detector != null) {
                server.afterStore(detector::detect);
            }
            MetricsEndpoint endpoint = null;
            try {
                if (metricsListen != null) {
                    // before the webhook: a taken metrics port ends the command before any batch is accepted
                    try {
                        endpoint = MetricsEndpoint.start(metricsListen, () -> AuditInRun.metrics(server, null, detector), err,
                                "audit metrics");
                    } catch (IOException e) {
                        err.println("vigil: audit serve: cannot listen on " + metricsListen + " for metrics: " + e.getMessage());
                        return 2;
                    }
                }
                server.start();
                InetSocketAddress a = server.address();
                out.println("vigil: serving the audit webhook on " + (config.tls() == null ? "http" : "https") + "://"
                        + listen.substring(0, listen.lastIndexOf(':')) + ":" + a.getPort() + config.path() + " (store " + store + ")");
                out.flush();
                stop.await();
            } finally {
                if (endpoint != null) {
                    endpoint.close();
                }
                server.close(); // waits for the requests in flight, which finish their appends
                out.println("vigil: stopped: " + server.counters() + " (last seq " + s.lastSeq() + ")");
                out.flush();
            }
        }
        return 0;
    }
}
