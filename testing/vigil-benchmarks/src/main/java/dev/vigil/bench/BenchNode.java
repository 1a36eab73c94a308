package dev.vigil.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.opensearch.Version;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.http.HttpServerTransport;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.PluginInfo;
import org.opensearch.transport.Netty4ModulePlugin;

/**
 * A real single-node OpenSearch 3.x in the harness JVM (Netty HTTP on a kernel-chosen loopback
 * port, home in a directory the caller owns), and the few REST calls the harness makes over the
 * JDK HttpClient.
 */
final class BenchNode implements AutoCloseable {
    /**
     * Loopback only, kernel-chosen ports, one node; a nearly full disk must not turn the index
     * read-only in the middle of a run.
     */
    private static final String NODE_SETTINGS = """
            cluster.name = vigil-bench
            node.name = vigil-bench-node
            network.host = 127.0.0.1
            http.port = 0
            transport.port = 0
            discovery.type = single-node
            http.type = netty4
            transport.type = netty4
            cluster.routing.allocation.disk.threshold_enabled = false
            """;
    private static final Pattern COUNT = Pattern.compile("\"count\"\\s*:\\s*(\\d+)");

    /** {@link Node}'s constructor that takes plugins from the classpath is protected. */
    private static final class PluginsFromClasspath extends Node {
        PluginsFromClasspath(Environment env, List<PluginInfo> plugins) {
            super(env, plugins, true);
        }
    }

    /** A reply: status and body. */
    record Reply(int status, String body) {
        boolean ok() {
            return status / 100 == 2;
        }
    }

    private final Node node;
    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private BenchNode(Node node, URI base) {
        this.node = node;
        this.base = base;
    }

    static BenchNode start(Path home) throws Exception {
        Map<String, String> conf = new LinkedHashMap<>();
        NODE_SETTINGS.lines().map(l -> l.split("=", 2)).forEach(kv -> conf.put(kv[0].strip(), kv[1].strip()));
        conf.put("path.home", home.toString());
        conf.put("path.data", home.resolve("data").toString());
        conf.put("path.logs", home.resolve("logs").toString());
        Environment env = InternalSettingsPreparer.prepareEnvironment(Settings.builder().loadFromMap(conf).build(), Map.of(),
                null, () -> "vigil-bench-node");
        String netty = Netty4ModulePlugin.class.getName();
        Node node = new PluginsFromClasspath(env,
                List.of(new PluginInfo(netty, "Netty HTTP and transport", "NA", Version.CURRENT, "21", netty, List.of(), false)));
        try {
            node.start();
        } catch (Exception | Error e) {
            node.close();
            throw e;
        }
        int port = node.injector().getInstance(HttpServerTransport.class).boundAddress().publishAddress().getPort();
        return new BenchNode(node, URI.create("http://127.0.0.1:" + port));
    }

    String url() {
        return base.toString();
    }

    Reply call(String method, String path, String json) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        return new Reply(r.statusCode(), r.body());
    }

    /** As {@link #call} for a request that must succeed. */
    String must(String method, String path, String json) throws IOException, InterruptedException {
        Reply r = call(method, path, json);
        if (!r.ok()) {
            throw new IOException(method + " " + path + " -> " + r.status() + ": " + r.body());
        }
        return r.body();
    }

    /**
     * Every index matching {@code vigil*} gets one shard, no replica (single node, so health is
     * green) and the given refresh interval ({@code -1}: only explicit refreshes).
     */
    void vigilTemplate(String refreshInterval) throws IOException, InterruptedException {
        must("PUT", "/_index_template/vigil-bench", """
                {"index_patterns": ["vigil*"], "priority": 100,
                 "template": {"settings": {"number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "%s"}}}"""
                .formatted(refreshInterval));
    }

    void deleteIndex(String index) throws IOException, InterruptedException {
        Reply r = call("DELETE", "/" + index, null);
        if (!r.ok() && r.status() != 404) {
            throw new IOException("DELETE /" + index + " -> " + r.status() + ": " + r.body());
        }
    }

    /** Refreshes the index and counts its documents; 0 while it does not exist. */
    long refreshedCount(String index) throws IOException, InterruptedException {
        Reply refresh = call("POST", "/" + index + "/_refresh", null);
        if (refresh.status() == 404) {
            return 0;
        }
        if (!refresh.ok()) {
            throw new IOException("_refresh -> " + refresh.status() + ": " + refresh.body());
        }
        Matcher m = COUNT.matcher(must("GET", "/" + index + "/_count", null));
        if (!m.find()) {
            throw new IOException("no count in the _count reply");
        }
        return Long.parseLong(m.group(1));
    }

    @Override
    public void close() throws IOException, InterruptedException {
        http.close();
        node.close();
        boolean stopped = node.awaitClose(30, TimeUnit.SECONDS);
        if (!stopped) {
            throw new IOException("OpenSearch did not stop within 30 s");
        }
    }
}
