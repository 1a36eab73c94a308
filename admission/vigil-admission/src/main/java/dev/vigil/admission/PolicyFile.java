package dev.vigil.admission;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
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
 * Reads an admission policy file (YAML): {@code mode}, {@code checks}, {@code exemptNamespaces},
 * {@code exemptImages}, {@code exemptionKey}. Every mistake is reported as FILE:LINE:COLUMN.
 */
public final class PolicyFile {
    private PolicyFile() {}

    /** A policy file mistake, its message starting with FILE:LINE:COLUMN. */
    public static final class PolicyFileException extends Exception {
        public PolicyFileException(String message) {
            super(message);
        }
    }

    public static AdmissionPolicy load(Path file) throws PolicyFileException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PolicyFileException(file + ": cannot read: " + e.getMessage());
        }
        return parse(file.toString(), text);
    }

    public static AdmissionPolicy parse(String label, String text) throws PolicyFileException {
        Node root;
        try {
            root = new Compose(LoadSettings.builder().setLabel(label).build()).composeString(text).orElse(null);
        } catch (MarkedYamlEngineException e) {
            Mark m = e.getProblemMark().orElse(null);
            throw new PolicyFileException(m == null ? label + ": " + e.getMessage()
                    : label + ":" + (m.getLine() + 1) + ":" + (m.getColumn() + 1) + ": not valid YAML: " + e.getProblem());
        } catch (YamlEngineException e) {
            throw new PolicyFileException(label + ": not valid YAML: " + e.getMessage());
        }
        AdmissionPolicy base = AdmissionPolicy.defaults();
        if (root == null) {
            return base;
        }
        if (!(root instanceof MappingNode map)) {
            throw error(label, root, "expected a mapping of policy settings (mode, checks, exemptNamespaces, exemptImages, exemptionKey)");
        }
        Mode mode = base.mode();
        Set<Check> checks = EnumSet.copyOf(base.checks());
        List<String> namespaces = base.exemptNamespaces();
        List<String> images = base.exemptImages();
        String key = base.exemptionKey();
        for (NodeTuple t : map.getValue()) {
            String name = scalar(label, t.getKeyNode(), "a setting name");
            Node v = t.getValueNode();
            switch (name) {
                case "mode" -> {
                    String s = scalar(label, v, "enforce, warn or audit");
                    mode = Mode.parse(s).orElseThrow(() -> error(label, v, "unknown mode '" + s + "' (enforce, warn, audit)"));
                }
                case "checks" -> {
                    checks = EnumSet.noneOf(Check.class);
                    for (Node n : sequence(label, v, "checks")) {
                        String s = scalar(label, n, "a check name");
                        checks.add(Check.parse(s).orElseThrow(() -> error(label, n, "unknown check '" + s + "' (" + Check.names() + ")")));
                    }
                }
                case "exemptNamespaces" -> namespaces = strings(label, v, "exemptNamespaces");
                case "exemptImages" -> images = strings(label, v, "exemptImages");
                case "exemptionKey" -> {
                    key = scalar(label, v, "a label or annotation key");
                    if (key.isBlank()) {
                        throw error(label, v, "exemptionKey must not be empty");
                    }
                }
                default -> throw error(label, t.getKeyNode(), "unknown setting '" + name
                        + "' (mode, checks, exemptNamespaces, exemptImages, exemptionKey)");
            }
        }
        return new AdmissionPolicy(mode, checks, namespaces, images, key);
    }

    private static List<Node> sequence(String label, Node n, String what) throws PolicyFileException {
        if (n instanceof SequenceNode s) {
            return s.getValue();
        }
        throw error(label, n, what + " must be a list");
    }

    private static List<String> strings(String label, Node n, String what) throws PolicyFileException {
        List<String> out = new ArrayList<>();
        for (Node e : sequence(label, n, what)) {
            String s = scalar(label, e, "a string");
            if (s.isBlank()) {
                throw error(label, e, what + " entries must not be empty");
            }
            out.add(s);
        }
        return out;
    }

    private static String scalar(String label, Node n, String what) throws PolicyFileException {
        if (n instanceof ScalarNode s) {
            return s.getValue();
        }
        throw error(label, n, "expected " + what);
    }

    private static PolicyFileException error(String label, Node n, String message) {
        Mark m = n.getStartMark().orElse(null);
        return new PolicyFileException(label + (m == null ? "" : ":" + (m.getLine() + 1) + ":" + (m.getColumn() + 1)) + ": " + message);
    }
}
