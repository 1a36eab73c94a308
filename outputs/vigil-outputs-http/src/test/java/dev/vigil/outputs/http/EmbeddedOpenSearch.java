package dev.vigil.outputs.http;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.opensearch.Version;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.http.HttpServerTransport;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.PluginInfo;
import org.opensearch.transport.Netty4ModulePlugin;

/**
 * A real single-node OpenSearch in the test JVM, with the Netty HTTP layer, on a kernel-chosen
 * loopback port in a temporary home; plus the few REST calls the tests make.
 */
final class EmbeddedOpenSearch implements AutoCloseable {
    private final Path home;
    private final Node node;
    private final URI base;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    /** The node's constructor that takes classpath plugins is protected. */
    private static final class ClasspathNode extends Node {
        ClasspathNode(Environment env, List<PluginInfo> plugins) {
            super(env, plugins, true);
        }
    }

    private EmbeddedOpenSearch(Path home, Node node, URI base) {
        this.home = home;
        this.node = node;
        this.base = base;
    }

    static EmbeddedOpenSearch start() throws Exception {
        Path home = Files.createTempDirectory("vigil-opensearch");
        Settings settings = Settings.builder()
                .put("cluster.name", "vigil-test")
                .put("node.name", "vigil-test-node")
                .put("path.home", home.toString())
                .put("path.data", home.resolve("data").toString())
                .put("path.logs", home.resolve("logs").toString())
                .put("network.host", "127.0.0.1")
                .put("http.port", "0")
                .put("transport.port", "0")
                .put("discovery.type", "single-node")
                .put("http.type", "netty4")
                .put("transport.type", "netty4")
                .put("cluster.routing.allocation.disk.threshold_enabled", false)
                .build();
        Environment env = InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> "vigil-test-node");
        String netty = Netty4ModulePlugin.class.getName();
        PluginInfo plugin = new PluginInfo(netty, "Netty HTTP and transport", "NA", Version.CURRENT, "21", netty, List.of(), false);
        Node node = new ClasspathNode(env, List.of(plugin));
        try {
            node.start();
        } catch (Exception | Error e) {
            node.close();
            delete(home);
            throw e;
        }
        int port = node.injector().getInstance(HttpServerTransport.class).boundAddress().publishAddress().getPort();
        return new EmbeddedOpenSearch(home, node, URI.create("http://127.0.0.1:" + port));
    }

    String url() {
        return base.toString();
    }

    /** A request whose reply must be 2xx; returns the reply body. */
    String call(String method, String path, String json) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60));
        b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (r.statusCode() / 100 != 2) {
            throw new AssertionError(method + " " + path + " -> " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    @Override
    public void close() throws Exception {
        try {
            node.close();
            if (!node.awaitClose(30, TimeUnit.SECONDS)) {
                throw new AssertionError("OpenSearch did not stop within 30s");
            }
        } finally {
            client.close();
            delete(home);
        }
    }

    private static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
