package dev.vigil.app;

import dev.vigil.pipeline.ConfigException;
import dev.vigil.pipeline.OutputFactory;
import dev.vigil.pipeline.OutputSettings;
import dev.vigil.rules.output.AlertFormatter;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vigil forward}: the Falcosidekick-compatible alert forwarder as a service. */
@Command(name = "forward", mixinStandardHelpOptions = true,
        description = "Receive Falco JSON alerts over HTTP(S) (Falcosidekick's input contract, default port 2801: POST /, "
                + "/ping, /healthz, /test, /metrics) and deliver them to the configured outputs, each with its own queue, "
                + "retries with backoff, durable spool, dead letters, routing filter and deduplication. Falco's http_output "
                + "can point at it unchanged. Stops on SIGTERM/SIGINT, delivering what it can within --shutdown-timeout; "
                + "the rest stays spooled for the next start.")
final class ForwardCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;
    @Mixin
    OutputFlags outputOptions;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Address to serve (default: the config file's forward.listen, else 0.0.0.0:2801).")
    String listen;
    @Option(names = "--tls-cert", paramLabel = "CERT.pem", description = "Serve HTTPS with this certificate chain (PEM, leaf first).")
    Path tlsCert;
    @Option(names = "--tls-key", paramLabel = "KEY.pem", description = "The server private key (PEM, unencrypted PKCS#8).")
    Path tlsKey;
    @Option(names = "--client-ca", paramLabel = "CA.pem", description = "Require client certificates signed by these CAs (mutual TLS).")
    Path clientCa;
    @Option(names = "--token-file", paramLabel = "FILE", description = "Require Authorization: Bearer <the token in FILE> on /, /test and /metrics.")
    Path tokenFile;
    @Option(names = "--list-outputs", description = "List the output types and their keys, then exit.")
    boolean listOutputs;
    @Option(names = "--duration", paramLabel = "DURATION", hidden = true, description = "Stop after this long (tests).")
    String duration;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (listOutputs) {
            listOutputs(out);
            return 0;
        }
        VigilConfig cfg;
        Forwarder forwarder;
        ForwardServer.Config serverConfig;
        try {
            cfg = outputOptions.loadConfig();
            serverConfig = serverConfig(cfg);
            List<OutputSettings> settings = outputOptions.settings(cfg);
            if (settings.isEmpty()) {
                err.println("vigil: no outputs: give --output TYPE:KEY=VALUE,... or outputs in --config (e.g. --output stdout)");
                return 2;
            }
            forwarder = outputOptions.start(cfg);
        } catch (ConfigException e) {
            err.println("vigil: " + e.getMessage());
            return 2;
        }
        String hostname = AlertFormatter.defaultHostname();
        ForwardServer server;
        ForwardServer[] self = new ForwardServer[1];
        try {
            server = new ForwardServer(serverConfig, forwarder, () -> ForwardMetrics.render(forwarder, self[0]), hostname);
            self[0] = server;
        } catch (IOException e) {
            forwarder.close();
            err.println("vigil: cannot listen on " + serverConfig.listen() + ": " + e.getMessage());
            return 1;
        }
        ForwardServer srv = server;
        CountDownLatch stop = new CountDownLatch(1);
        // SIGTERM/SIGINT end the wait below; the outputs then get their shutdown deadline and the exit code is 0
        Signals.onTermination(err, stop::countDown);
        try {
            server.start();
            InetSocketAddress a = server.address();
            err.println("vigil: forwarding alerts from " + (serverConfig.tls() == null ? "http" : "https") + "://"
                    + a.getHostString() + ":" + a.getPort() + "/ to " + forwarder.outputs().size() + " output(s): "
                    + OutputFlags.describe(forwarder));
            err.flush();
            if (duration != null) {
                stop.await(Durations.parse(duration).toMillis(), TimeUnit.MILLISECONDS);
            } else {
                stop.await();
            }
        } finally {
            srv.close();
            forwarder.close();
            err.println("vigil: stopped: " + ForwardMetrics.summary(srv, forwarder));
            err.flush();
        }
        return 0;
    }

    private ForwardServer.Config serverConfig(VigilConfig cfg) throws ConfigException {
        VigilConfig.Forward f = cfg.forward();
        String where = listen != null ? "--listen" : "forward.listen";
        String text = listen != null ? listen : f.listen() != null ? f.listen() : "0.0.0.0:" + ForwardServer.DEFAULT_PORT;
        InetSocketAddress address;
        try {
            address = ListenAddress.parse(text, where);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        Path cert = tlsCert != null ? tlsCert : f.tlsCert();
        Path key = tlsKey != null ? tlsKey : f.tlsKey();
        Path ca = clientCa != null ? clientCa : f.clientCa();
        Path token = tokenFile != null ? tokenFile : f.tokenFile();
        SSLContext tls = null;
        if (cert != null || key != null) {
            if (cert == null || key == null) {
                throw new ConfigException("TLS needs both a certificate and a key (--tls-cert and --tls-key, or forward.tls.cert and .key)");
            }
            try {
                tls = AuditWebhook.tls(cert, key, ca);
            } catch (IOException e) {
                throw new ConfigException(e.getMessage());
            }
        } else if (ca != null) {
            throw new ConfigException("--client-ca (mutual TLS) needs --tls-cert and --tls-key");
        }
        byte[] tokenHash = null;
        if (token != null) {
            try {
                tokenHash = AuditWebhook.tokenHash(token, tokenFile != null ? "--token-file" : "forward.tokenfile");
            } catch (IOException e) {
                throw new ConfigException(e.getMessage());
            }
        }
        return new ForwardServer.Config(address, tls, ca != null, tokenHash);
    }

    private static void listOutputs(PrintWriter out) {
        for (Map.Entry<String, OutputFactory> e : Forwarder.factories().entrySet()) {
            out.printf("%-14s %s%n", e.getKey(), e.getValue().description());
            out.printf("%-14s keys: %s%n", "", String.join(", ", new java.util.TreeSet<>(e.getValue().keys())));
        }
        out.printf("%nevery output also takes: %s%n", String.join(", ", OutputSettings.COMMON_KEYS));
    }

}
