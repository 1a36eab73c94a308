package dev.vigil.app;

import dev.vigil.pipeline.ConfigException;
import dev.vigil.pipeline.OutputSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Vigil's config file (docs/configuration.md): the outputs that `vigil run` and `vigil forward`
 * deliver alerts to, the forwarder's listener, the spool directory and the fields added to every
 * alert. Every problem names the file, line and column; unknown keys are errors, not silently
 * ignored.
 *
 * <pre>
 * spool: /var/lib/vigil/spool
 * customfields: {cluster: prod-eu}
 * customtags: [prod]
 * forward:
 *   listen: 0.0.0.0:2801
 *   tls: {cert: server.pem, key: server.key, clientca: ca.pem}
 *   tokenfile: /etc/vigil/forward.token
 * outputs:
 *   - type: slack
 *     name: secops
 *     webhookurl: https://hooks.slack.com/services/...
 *     minimumpriority: warning
 *     filter: output_fields[k8s.ns.name] in (payments)
 * </pre>
 */
record VigilConfig(Path file, Path spool, Map<String, String> customFields, List<String> customTags, Forward forward,
        List<OutputSettings> outputs, Audit audit, Logs logs) {

    /**
     * The {@code logs:} section: node log shipping (docs/log-shipping.md), read by `vigil logs --config`
     * (its flags take precedence) and run inside `vigil run` into the agent's outputs. Null when absent.
     *
     * @param multilineStart null: no multiline joining
     */
    record Logs(Path podsDir, List<String> nodeLogs, Path checkpoints, String nodeName, Pattern multilineStart,
            Duration scanInterval, String where) {}

    /**
     * The {@code audit:} section: the Kubernetes audit pipeline run inside `vigil run` — a store,
     * the webhook receiver and/or a followed log file, and the k8s_audit rules run over what is
     * stored. Null when the section is absent.
     */
    record Audit(Path store, List<Path> rules, List<String> sensitive, long maxSizeMb, int maxBackup, int maxAgeDays,
            Path signingKey, Serve serve, Follow follow, String where) {}

    /** {@code audit.serve}: as `vigil audit serve`. */
    record Serve(String listen, String path, Path tlsCert, Path tlsKey, Path clientCa, Path tokenFile, boolean plainHttp) {}

    /** A {@code tls:} mapping: certificate chain, private key, and the CA client certificates must be signed by. */
    record Tls(Path cert, Path key, Path clientCa) {
        static final Tls NONE = new Tls(null, null, null);
    }

    /** {@code audit.follow}: as `vigil audit ingest --follow`. */
    record Follow(Path log, Path checkpoint, long pollMillis) {}

    /** The {@code forward:} section; every value may be null (the command-line option or the default applies). */
    record Forward(String listen, Path tlsCert, Path tlsKey, Path clientCa, Path tokenFile) {
        static final Forward NONE = new Forward(null, null, null, null, null);
    }

    static final VigilConfig EMPTY = new VigilConfig(null, null, Map.of(), List.of(), Forward.NONE, List.of(), null, null);

    private static final Set<String> TOP = Set.of("spool", "customfields", "customtags", "forward", "outputs", "audit", "logs");
    private static final Set<String> LOGS = Set.of("podsdir", "nodelogs", "checkpoints", "nodename", "multilinestart",
            "scaninterval");
    private static final Set<String> AUDIT = Set.of("store", "rules", "sensitive", "maxsize", "maxbackup", "maxage", "signingkey",
            "serve", "follow");
    private static final Set<String> SERVE = Set.of("listen", "path", "tls", "tokenfile", "plainhttp");
    private static final Set<String> FOLLOW = Set.of("log", "checkpoint", "pollinterval");
    private static final Set<String> FORWARD = Set.of("listen", "tls", "tokenfile");
    private static final Set<String> TLS = Set.of("cert", "key", "clientca");

    static VigilConfig load(Path file) throws ConfigException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage());
        }
        Optional<Node> root;
        try {
            LoadSettings settings = LoadSettings.builder().setLabel(file.toString()).setAllowDuplicateKeys(false).build();
            root = new Compose(settings).composeString(text);
        } catch (MarkedYamlEngineException e) {
            Mark m = e.getProblemMark().orElse(null);
            throw new ConfigException(file + (m == null ? "" : ":" + (m.getLine() + 1) + ":" + (m.getColumn() + 1))
                    + ": not valid YAML: " + e.getProblem());
        } catch (YamlEngineException e) {
            throw new ConfigException(file + ": not valid YAML: " + e.getMessage());
        }
        if (root.isEmpty()) {
            return new VigilConfig(file, null, Map.of(), List.of(), Forward.NONE, List.of(), null, null);
        }
        try {
            return read(file, root.get());
        } catch (Bad b) {
            throw (ConfigException) b.getCause();
        }
    }

    private static VigilConfig read(Path file, Node rootNode) {
        Reader r = new Reader(file);
        MappingNode top = r.mapping(rootNode, "the top level");
        Path spool = null;
        Map<String, String> customFields = new LinkedHashMap<>();
        List<String> customTags = new ArrayList<>();
        Forward forward = Forward.NONE;
        List<OutputSettings> outputs = new ArrayList<>();
        Audit audit = null;
        Logs logs = null;
        for (NodeTuple t : top.getValue()) {
            String key = r.key(t, TOP, "the top level");
            Node v = t.getValueNode();
            switch (key) {
                case "spool" -> spool = Path.of(r.scalar(v, key));
                case "customfields" -> r.mapping(v, key).getValue().forEach(f -> customFields.put(r.scalar(f.getKeyNode(), key),
                        r.scalar(f.getValueNode(), key + "." + r.scalar(f.getKeyNode(), key))));
                case "customtags" -> r.sequence(v, key).getValue().forEach(n -> customTags.add(r.scalar(n, key)));
                case "forward" -> forward = r.forward(v);
                case "outputs" -> {
                    int i = 0;
                    for (Node o : r.sequence(v, key).getValue()) {
                        outputs.add(r.output(o, i++));
                    }
                }
                case "audit" -> audit = r.audit(v);
                case "logs" -> logs = r.logs(v);
                default -> throw new IllegalStateException(key);
            }
        }
        return new VigilConfig(file, spool, customFields, customTags, forward, outputs, audit, logs);
    }

    /** Walks the node tree; errors carry file:line:column. Unchecked inside lambdas, rethrown as ConfigException. */
    private static final class Reader {
        private final Path file;

        Reader(Path file) {
            this.file = file;
        }

        String at(Node n) {
            return n.getStartMark().map(m -> file + ":" + (m.getLine() + 1) + ":" + (m.getColumn() + 1)).orElse(file.toString());
        }

        ConfigException error(Node n, String message) {
            return new ConfigException(at(n) + ": " + message);
        }

        MappingNode mapping(Node n, String what) throws Bad {
            if (n instanceof MappingNode m) {
                return m;
            }
            throw new Bad(error(n, what + " must be a mapping (key: value)"));
        }

        SequenceNode sequence(Node n, String what) throws Bad {
            if (n instanceof SequenceNode s) {
                return s;
            }
            throw new Bad(error(n, what + " must be a list"));
        }

        String scalar(Node n, String what) throws Bad {
            if (n instanceof ScalarNode s) {
                return s.getValue();
            }
            throw new Bad(error(n, what + " must be a single value, not a " + (n instanceof MappingNode ? "mapping" : "list")));
        }

        String key(NodeTuple t, Set<String> allowed, String where) throws Bad {
            String k = scalar(t.getKeyNode(), "a key");
            if (!allowed.contains(k)) {
                throw new Bad(error(t.getKeyNode(), "unknown key '" + k + "' in " + where + " (known: " + String.join(", ", new TreeSet<>(allowed)) + ")"));
            }
            return k;
        }

        Forward forward(Node n) throws Bad {
            String listen = null;
            Tls tls = Tls.NONE;
            Path token = null;
            for (NodeTuple t : mapping(n, "forward").getValue()) {
                switch (key(t, FORWARD, "forward")) {
                    case "listen" -> listen = scalar(t.getValueNode(), "forward.listen");
                    case "tokenfile" -> token = Path.of(scalar(t.getValueNode(), "forward.tokenfile"));
                    case "tls" -> tls = tls(t.getValueNode(), "forward.tls");
                    default -> throw new IllegalStateException();
                }
            }
            return new Forward(listen, tls.cert(), tls.key(), tls.clientCa(), token);
        }

        private Tls tls(Node n, String where) throws Bad {
            Path cert = null;
            Path key = null;
            Path ca = null;
            for (NodeTuple u : mapping(n, where).getValue()) {
                String k = key(u, TLS, where);
                Path p = Path.of(scalar(u.getValueNode(), where + "." + k));
                switch (k) {
                    case "cert" -> cert = p;
                    case "key" -> key = p;
                    default -> ca = p;
                }
            }
            return new Tls(cert, key, ca);
        }

        Audit audit(Node n) throws Bad {
            Path store = null;
            List<Path> rules = new ArrayList<>();
            List<String> sensitive = new ArrayList<>();
            long maxSize = 100;
            int maxBackup = 0;
            int maxAge = 0;
            Path signingKey = null;
            Serve serve = null;
            Follow follow = null;
            for (NodeTuple t : mapping(n, "audit").getValue()) {
                String k = key(t, AUDIT, "audit");
                Node v = t.getValueNode();
                switch (k) {
                    case "store" -> store = Path.of(scalar(v, "audit.store"));
                    case "rules" -> {
                        for (String p : strings(v, "audit.rules")) {
                            rules.add(Path.of(p));
                        }
                    }
                    case "sensitive" -> sensitive.addAll(strings(v, "audit.sensitive"));
                    case "maxsize" -> maxSize = number(v, "audit.maxsize");
                    case "maxbackup" -> maxBackup = (int) number(v, "audit.maxbackup");
                    case "maxage" -> maxAge = (int) number(v, "audit.maxage");
                    case "signingkey" -> signingKey = Path.of(scalar(v, "audit.signingkey"));
                    case "serve" -> serve = serve(v);
                    case "follow" -> follow = follow(v);
                    default -> throw new IllegalStateException(k);
                }
            }
            if (store == null) {
                throw new Bad(error(n, "audit needs a 'store' directory"));
            }
            if (serve == null && follow == null) {
                throw new Bad(error(n, "audit needs 'serve' (the webhook receiver) and/or 'follow' (a log file)"));
            }
            return new Audit(store, rules, sensitive, maxSize, maxBackup, maxAge, signingKey, serve, follow, at(n));
        }

        private Serve serve(Node n) throws Bad {
            String listen = null;
            String path = "/k8s-audit";
            Tls tls = Tls.NONE;
            Path token = null;
            boolean plain = false;
            for (NodeTuple t : mapping(n, "audit.serve").getValue()) {
                String k = key(t, SERVE, "audit.serve");
                Node v = t.getValueNode();
                switch (k) {
                    case "listen" -> listen = scalar(v, "audit.serve.listen");
                    case "path" -> path = scalar(v, "audit.serve.path");
                    case "tokenfile" -> token = Path.of(scalar(v, "audit.serve.tokenfile"));
                    case "plainhttp" -> plain = Boolean.parseBoolean(scalar(v, "audit.serve.plainhttp"));
                    case "tls" -> tls = tls(v, "audit.serve.tls");
                    default -> throw new IllegalStateException(k);
                }
            }
            if (listen == null) {
                throw new Bad(error(n, "audit.serve needs 'listen' (HOST:PORT)"));
            }
            return new Serve(listen, path, tls.cert(), tls.key(), tls.clientCa(), token, plain);
        }

        private Follow follow(Node n) throws Bad {
            Path log = null;
            Path checkpoint = null;
            long poll = 250;
            for (NodeTuple t : mapping(n, "audit.follow").getValue()) {
                String k = key(t, FOLLOW, "audit.follow");
                Node v = t.getValueNode();
                switch (k) {
                    case "log" -> log = Path.of(scalar(v, "audit.follow.log"));
                    case "checkpoint" -> checkpoint = Path.of(scalar(v, "audit.follow.checkpoint"));
                    case "pollinterval" -> {
                        try {
                            poll = Durations.parse(scalar(v, "audit.follow.pollinterval")).toMillis();
                        } catch (IllegalArgumentException e) {
                            throw new Bad(error(v, "audit.follow.pollinterval: " + e.getMessage()));
                        }
                    }
                    default -> throw new IllegalStateException(k);
                }
            }
            if (log == null) {
                throw new Bad(error(n, "audit.follow needs 'log' (kube-apiserver's --audit-log-path)"));
            }
            return new Follow(log, checkpoint, poll);
        }

        Logs logs(Node n) throws Bad {
            Path podsDir = null;
            List<String> nodeLogs = new ArrayList<>();
            Path checkpoints = null;
            String nodeName = null;
            Pattern multiline = null;
            Duration scan = Duration.ofSeconds(1);
            for (NodeTuple t : mapping(n, "logs").getValue()) {
                String k = key(t, LOGS, "logs");
                Node v = t.getValueNode();
                switch (k) {
                    case "podsdir" -> podsDir = Path.of(scalar(v, "logs.podsdir"));
                    case "nodelogs" -> nodeLogs.addAll(strings(v, "logs.nodelogs"));
                    case "checkpoints" -> checkpoints = Path.of(scalar(v, "logs.checkpoints"));
                    case "nodename" -> nodeName = scalar(v, "logs.nodename");
                    case "multilinestart" -> {
                        try {
                            multiline = Pattern.compile(scalar(v, "logs.multilinestart"));
                        } catch (PatternSyntaxException e) {
                            throw new Bad(error(v, "logs.multilinestart: " + e.getDescription()));
                        }
                    }
                    case "scaninterval" -> {
                        try {
                            scan = Durations.parse(scalar(v, "logs.scaninterval"));
                        } catch (IllegalArgumentException e) {
                            throw new Bad(error(v, "logs.scaninterval: " + e.getMessage()));
                        }
                    }
                    default -> throw new IllegalStateException(k);
                }
            }
            if (checkpoints == null) {
                throw new Bad(error(n, "logs needs a 'checkpoints' directory"));
            }
            if (podsDir == null && nodeLogs.isEmpty()) {
                throw new Bad(error(n, "logs needs 'podsdir' (e.g. /var/log/pods) and/or 'nodelogs' (globs)"));
            }
            return new Logs(podsDir, List.copyOf(nodeLogs), checkpoints, nodeName, multiline, scan, at(n));
        }

        private List<String> strings(Node v, String what) throws Bad {
            List<String> out = new ArrayList<>();
            if (v instanceof ScalarNode s) {
                out.add(s.getValue());
            } else {
                for (Node i : sequence(v, what).getValue()) {
                    out.add(scalar(i, what));
                }
            }
            return out;
        }

        private long number(Node v, String what) throws Bad {
            String s = scalar(v, what);
            try {
                long n = Long.parseLong(s.trim());
                if (n < 0) {
                    throw new NumberFormatException();
                }
                return n;
            } catch (NumberFormatException e) {
                throw new Bad(error(v, what + ": '" + s + "' is not a whole number of 0 or more"));
            }
        }

        OutputSettings output(Node n, int index) throws Bad {
            MappingNode m = mapping(n, "outputs[" + index + "]");
            Map<String, String> values = new LinkedHashMap<>();
            for (NodeTuple t : m.getValue()) {
                flatten(scalar(t.getKeyNode(), "a key"), t.getValueNode(), values);
            }
            String type = values.remove("type");
            if (type == null || type.isBlank()) {
                throw new Bad(error(n, "outputs[" + index + "] has no 'type' (e.g. type: slack)"));
            }
            String name = values.getOrDefault("name", type);
            values.remove("name");
            return new OutputSettings(name, type, values, at(n));
        }

        private void flatten(String prefix, Node v, Map<String, String> out) throws Bad {
            switch (v) {
                case ScalarNode s -> out.put(prefix, s.getValue());
                case MappingNode mm -> {
                    for (NodeTuple t : mm.getValue()) {
                        flatten(prefix + "." + scalar(t.getKeyNode(), "a key"), t.getValueNode(), out);
                    }
                }
                case SequenceNode sq -> {
                    List<String> items = new ArrayList<>();
                    for (Node i : sq.getValue()) {
                        items.add(scalar(i, prefix + " items"));
                    }
                    out.put(prefix, String.join(";", items));
                }
                default -> throw new Bad(error(v, prefix + ": unsupported value"));
            }
        }
    }

    /** Carries a ConfigException through the walking code; unwrapped by {@link #load}. */
    private static final class Bad extends RuntimeException {
        Bad(ConfigException cause) {
            super(cause);
        }
    }
}
