package dev.vigil.admission;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.constructor.StandardConstructor;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Checks Kubernetes manifests: multi-document YAML or JSON (JSON is read as YAML), with
 * {@code kind: List} and {@code *List} objects opened up, each finding placed at the line and column
 * of the offending field (or of the nearest enclosing one that exists).
 */
public final class ManifestScanner {
    /** A violation in a file: where (1-based line and column, 1-based document index), which object, what. */
    public record Located(String source, int document, int line, int column, Evaluation object, Finding finding) {}

    /** A document that could not be read, or an object that could not be checked. */
    public record Problem(String source, int document, int line, int column, String message) {}

    /** Everything found in one input. */
    public record Result(String source, int documents, int objects, List<Located> findings, List<Problem> problems, List<Evaluation> exempted) {}

    private final Checker checker;

    public ManifestScanner(AdmissionPolicy policy) {
        this.checker = new Checker(policy);
    }

    public Result scan(String source, String text) {
        List<Located> findings = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        List<Evaluation> exempted = new ArrayList<>();
        LoadSettings settings = LoadSettings.builder().setLabel(source).setAllowDuplicateKeys(true).setCodePointLimit(Integer.MAX_VALUE).build();
        int doc = 0;
        int objects = 0;
        try {
            for (Node root : new Compose(settings).composeAllFromString(text)) {
                doc++;
                Object value;
                try {
                    value = new StandardConstructor(settings).constructSingleDocument(Optional.of(root));
                } catch (YamlEngineException e) {
                    problems.add(problem(source, doc, root, "cannot read the document: " + e.getMessage()));
                    continue;
                }
                if (value == null) {
                    continue; // an empty document, e.g. after a trailing ---
                }
                objects += visit(source, doc, root, value, findings, problems, exempted);
            }
        } catch (MarkedYamlEngineException e) {
            Mark m = e.getProblemMark().orElse(null);
            problems.add(new Problem(source, doc + 1, m == null ? 0 : m.getLine() + 1, m == null ? 0 : m.getColumn() + 1,
                    "not valid YAML or JSON: " + e.getProblem()));
        } catch (YamlEngineException e) {
            problems.add(new Problem(source, doc + 1, 0, 0, "not valid YAML or JSON: " + e.getMessage()));
        }
        return new Result(source, doc, objects, findings, problems, exempted);
    }

    private int visit(String source, int doc, Node node, Object value, List<Located> findings, List<Problem> problems, List<Evaluation> exempted) {
        Map<String, Object> object = Tree.map(value);
        if (object == null) {
            problems.add(problem(source, doc, node, "not a Kubernetes object (a " + (value instanceof List ? "list" : "scalar") + ")"));
            return 0;
        }
        String kind = Tree.string(object, "kind");
        List<?> items = Tree.list(object, "items");
        if (kind != null && kind.endsWith("List") && items != null) {
            Node itemsNode = child(node, "items");
            int n = 0;
            for (int i = 0; i < items.size(); i++) {
                Node itemNode = itemsNode instanceof SequenceNode s && i < s.getValue().size() ? s.getValue().get(i) : node;
                n += visit(source, doc, itemNode, items.get(i), findings, problems, exempted);
            }
            return n;
        }
        Evaluation e = checker.evaluate(object);
        if (!e.supported()) {
            return 1; // ConfigMaps, Services, ...: nothing to check, and nothing to say
        }
        for (String note : e.notes()) {
            problems.add(problem(source, doc, node, e.describe() + ": " + note));
        }
        if (e.exemption() != null) {
            if (!e.findings().isEmpty()) {
                exempted.add(e);
            }
            return 1;
        }
        for (Finding f : e.findings()) {
            Node at = resolve(node, f.path());
            Mark m = at.getStartMark().orElse(null);
            findings.add(new Located(source, doc, m == null ? 1 : m.getLine() + 1, m == null ? 1 : m.getColumn() + 1, e, f));
        }
        return 1;
    }

    /** The node at {@code path}, or the deepest one that exists on the way. */
    static Node resolve(Node node, List<Object> path) {
        Node at = node;
        for (Object step : path) {
            Node next = step instanceof Integer i ? (at instanceof SequenceNode s && i < s.getValue().size() ? s.getValue().get(i) : null)
                    : child(at, (String) step);
            if (next == null) {
                return at;
            }
            at = next;
        }
        return at;
    }

    /** The value node of {@code key} in a mapping node, or null. */
    private static Node child(Node node, String key) {
        if (node instanceof MappingNode m) {
            for (NodeTuple t : m.getValue()) {
                if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)) {
                    return t.getValueNode();
                }
            }
        }
        return null;
    }

    private static Problem problem(String source, int doc, Node node, String message) {
        Mark m = node.getStartMark().orElse(null);
        return new Problem(source, doc, m == null ? 0 : m.getLine() + 1, m == null ? 0 : m.getColumn() + 1, message);
    }
}
