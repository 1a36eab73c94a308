package dev.vigil.k8saudit.policy;

import dev.vigil.k8saudit.policy.PolicyProblem.Severity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Loads an audit {@code Policy} file (YAML or JSON) and reports what kube-apiserver would: the same
 * steps ({@code pkg/audit/policy/reader.go}), the same field paths and, where kube-apiserver's text is
 * known, the same error texts. On top of that it warns about what kube-apiserver accepts silently.
 *
 * <p>The steps, as kube-apiserver runs them:
 * <ol>
 *   <li>YAML is converted to JSON as sigs.k8s.io/yaml does (go-yaml v2, YAML 1.1 scalars: an unquoted
 *       {@code yes}, {@code on}, {@code 123} is a boolean or number, not a string);</li>
 *   <li>the group/version/kind is read ({@code apiVersion} missing ⇒ the internal version, which
 *       step 4 rejects; {@code kind} missing ⇒ defaulted to {@code Policy});</li>
 *   <li>the body is decoded strictly; when the only problems are unknown or duplicate fields it is
 *       decoded again leniently (unknown fields dropped, the last duplicate wins) with a logged
 *       warning. Those become Vigil warnings. A type mismatch is fatal ({@code failed decoding: ...});</li>
 *   <li>the group/version must be {@code audit.k8s.io/v1};</li>
 *   <li>{@code ValidatePolicy}: every field error, aggregated;</li>
 *   <li>a policy with no rules is refused.</li>
 * </ol>
 * Only the first YAML document is read by kube-apiserver; Vigil refuses a file with several.
 * Loading never throws on bad input.
 */
public final class PolicyLoader {
    public static final String API_VERSION = "audit.k8s.io/v1";
    static final String GROUP = "audit.k8s.io";
    static final String SCHEME = "k8s.io/apiserver/pkg/audit/scheme.go:30";
    static final String ALLOWED_STAGES = "allowed stages are RequestReceived,ResponseStarted,ResponseComplete,Panic";
    static final String SUPPORTED_LEVELS = "supported values: \"None\", \"Metadata\", \"Request\", \"RequestResponse\"";

    /** The verbs kube-apiserver puts on resource requests (requestinfo.go). */
    public static final List<String> RESOURCE_VERBS = List.of("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "proxy");
    /** The verbs of non-resource requests: lowercased HTTP methods. */
    public static final List<String> NON_RESOURCE_VERBS = List.of("get", "post", "put", "patch", "delete", "head", "options");
    /** Verbs that exist only in authorization (RBAC), never on a request. */
    static final Set<String> AUTHORIZATION_ONLY_VERBS = Set.of("impersonate", "bind", "escalate", "use", "approve", "sign", "attest", "*");

    private static final Set<String> POLICY_FIELDS = Set.of("apiVersion", "kind", "metadata", "rules", "omitStages", "omitManagedFields");
    private static final Set<String> RULE_FIELDS = Set.of("level", "users", "userGroups", "verbs", "resources", "namespaces",
            "nonResourceURLs", "omitStages", "omitManagedFields");
    private static final Set<String> GROUP_RESOURCES_FIELDS = Set.of("group", "resources", "resourceNames");
    private static final Set<String> OBJECT_META_FIELDS = Set.of("name", "generateName", "namespace", "selfLink", "uid",
            "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels",
            "annotations", "ownerReferences", "finalizers", "managedFields");
    private static final Set<String> AUDIT_V1_KINDS_OTHER_THAN_POLICY = Set.of("Event", "EventList", "PolicyList");
    private static final Pattern DNS1123_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    static final String DNS1123_SUBDOMAIN_MESSAGE = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
            + "'-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
            + "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    private PolicyLoader() {}

    /** Reads and loads a policy file. */
    public static PolicyLoadResult load(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return readFailure(file, "open " + file + ": no such file or directory");
        } catch (AccessDeniedException e) {
            return readFailure(file, "open " + file + ": permission denied");
        } catch (IOException e) {
            String why = Files.isDirectory(file) ? "read " + file + ": is a directory" : String.valueOf(e.getMessage());
            return readFailure(file, why);
        }
        return load(new String(bytes, StandardCharsets.UTF_8), file.toString());
    }

    private static PolicyLoadResult readFailure(Path file, String why) {
        PolicyProblem p = new PolicyProblem(Severity.ERROR, "", "failed to read file path " + goQuote(file.toString()) + ": " + why, "",
                true, Position.UNKNOWN);
        return new PolicyLoadResult(file.toString(), null, List.of(p), List.of());
    }

    /** Loads policy text; {@code source} names it in messages. */
    public static PolicyLoadResult load(String content, String source) {
        try {
            return new Decoder(source).run(content);
        } catch (RuntimeException | StackOverflowError e) {
            // a defect or a pathological document: still an answer, never an exception
            PolicyProblem p = new PolicyProblem(Severity.ERROR, "", "failed decoding: " + e, "Vigil could not read this document", false,
                    Position.UNKNOWN);
            return new PolicyLoadResult(source, null, List.of(p), List.of());
        }
    }

    // ------------------------------------------------------------------------------------------
    // YAML 1.1 scalars as go-yaml v2 resolves them (what sigs.k8s.io/yaml turns into JSON)

    /** The JSON type an unquoted YAML scalar becomes in kube-apiserver. */
    enum JsonType {
        NULL("null"),
        BOOL("bool"),
        NUMBER("number"),
        STRING("string"),
        ARRAY("array"),
        OBJECT("object");

        final String goName;

        JsonType(String goName) {
            this.goName = goName;
        }
    }

    private static final Set<String> YAML11_TRUE = Set.of("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON");
    private static final Set<String> YAML11_FALSE = Set.of("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF");
    private static final Set<String> YAML11_NULL = Set.of("", "~", "null", "Null", "NULL");
    private static final Set<String> YAML11_SPECIAL_FLOATS = Set.of(".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf",
            "+.INF", "-.inf", "-.Inf", "-.INF");
    private static final Pattern GO_INT = Pattern.compile("[-+]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)");
    private static final Pattern YAML_FLOAT = Pattern.compile("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
    private static final Pattern DOT_FLOAT = Pattern.compile("\\.[0-9]+([eE][-+]?[0-9]+)?");

    static JsonType typeOf(Node n) {
        if (n instanceof SequenceNode) {
            return JsonType.ARRAY;
        }
        if (n instanceof MappingNode) {
            return JsonType.OBJECT;
        }
        ScalarNode s = (ScalarNode) n;
        if (s.getScalarStyle() != ScalarStyle.PLAIN) {
            return JsonType.STRING;
        }
        String v = s.getValue();
        if (YAML11_NULL.contains(v)) {
            return JsonType.NULL;
        }
        if (YAML11_TRUE.contains(v) || YAML11_FALSE.contains(v)) {
            return JsonType.BOOL;
        }
        if (YAML11_SPECIAL_FLOATS.contains(v)) {
            return JsonType.NUMBER;
        }
        char c = v.charAt(0);
        if (c == '.') {
            return DOT_FLOAT.matcher(v).matches() ? JsonType.NUMBER : JsonType.STRING;
        }
        if (c == '+' || c == '-' || (c >= '0' && c <= '9')) {
            String plain = v.replace("_", "");
            if (GO_INT.matcher(plain).matches() || YAML_FLOAT.matcher(plain).matches()
                    || plain.matches("-?0[bB][01]+")) {
                return JsonType.NUMBER;
            }
        }
        return JsonType.STRING;
    }

    static boolean isNull(Node n) {
        return n == null || (n instanceof ScalarNode && typeOf(n) == JsonType.NULL);
    }

    static Position pos(Node n) {
        if (n == null) {
            return Position.UNKNOWN;
        }
        return n.getStartMark().map(m -> new Position(m.getLine() + 1, m.getColumn() + 1)).orElse(Position.UNKNOWN);
    }

    // ------------------------------------------------------------------------------------------

    /** Raw rule as decoded (before validation). */
    private record RawRule(int i, String level, List<String> users, List<String> userGroups, List<String> verbs, List<RawGroup> resources,
            List<String> namespaces, List<String> nonResourceURLs, List<String> omitStages, Boolean omitManagedFields, Position position) {}

    private record RawGroup(String group, List<String> resources, List<String> resourceNames, Position position) {}

    /** A fatal decode failure: stops decoding as kube-apiserver does. */
    private static final class Fatal extends Exception {
        private static final long serialVersionUID = 1L;

        Fatal() {
            super(null, null, false, false);
        }
    }

    private static final class Decoder {
        private final String source;
        private final List<PolicyProblem> errors = new ArrayList<>();
        private final List<PolicyProblem> warnings = new ArrayList<>();
        /** Positions of decoded values by indexed field path ({@code rules[0].resources[1].group}). */
        private final Map<String, Position> positions = new HashMap<>();

        Decoder(String source) {
            this.source = source;
        }

        private void error(String path, String message, String hint, boolean apiserver, Position at) {
            errors.add(new PolicyProblem(Severity.ERROR, path, message, hint, apiserver, at));
        }

        private void warn(String path, String message, String hint, boolean apiserver, Position at) {
            warnings.add(new PolicyProblem(Severity.WARNING, path, message, hint, apiserver, at));
        }

        private PolicyLoadResult result(Policy policy) {
            return new PolicyLoadResult(source, errors.isEmpty() ? policy : null, errors, warnings);
        }

        PolicyLoadResult run(String content) {
            List<Node> docs = new ArrayList<>();
            LoadSettings settings = LoadSettings.builder().setLabel(source).setAllowDuplicateKeys(true)
                    .setMaxAliasesForCollections(1000).setCodePointLimit(64 * 1024 * 1024).build();
            try {
                for (Node n : new Compose(settings).composeAllFromString(content)) {
                    docs.add(n);
                }
            } catch (MarkedYamlEngineException e) {
                Mark m = e.getProblemMark().orElse(null);
                Position at = m == null ? Position.UNKNOWN : new Position(m.getLine() + 1, m.getColumn() + 1);
                error("", "failed decoding: error converting YAML to JSON: yaml: " + (m == null ? "" : "line " + at.line() + ": ")
                        + e.getProblem(), "the wording after \"yaml:\" is Vigil's YAML parser's", true, at);
                return result(null);
            } catch (YamlEngineException e) {
                error("", "failed decoding: error converting YAML to JSON: yaml: " + e.getMessage(), "", true, Position.UNKNOWN);
                return result(null);
            }
            if (docs.size() > 1) {
                error("", "the file holds " + docs.size() + " YAML documents; a policy file must hold exactly one Policy",
                        "kube-apiserver would read only the first document and silently ignore the rest", false, pos(docs.get(1)));
            }
            Node doc = docs.isEmpty() ? null : docs.getFirst();
            try {
                Policy p = decode(doc);
                return result(p);
            } catch (Fatal f) {
                return result(null);
            }
        }

        private Policy decode(Node doc) throws Fatal {
            if (doc != null && !isNull(doc) && !(doc instanceof MappingNode)) {
                error("", "failed decoding: couldn't get version/kind; json parse error: json: cannot unmarshal " + typeOf(doc).goName
                        + " into Go value of type struct { APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }",
                        "a policy is a mapping with apiVersion, kind and rules", true, pos(doc));
                throw new Fatal();
            }
            Map<String, NodeTuple> top = doc instanceof MappingNode m ? fields(m, "", POLICY_FIELDS, "") : Map.of();
            // 1. group/version/kind (runtime serializer: Interpret, then defaults from the target type)
            String apiVersion = versionKindString(top.get("apiVersion"), "apiVersion");
            String kind = versionKindString(top.get("kind"), "kind");
            String group;
            String version;
            if (apiVersion.isEmpty() || apiVersion.equals("/")) {
                group = "";
                version = "";
            } else {
                long slashes = apiVersion.chars().filter(c -> c == '/').count();
                if (slashes > 1) {
                    error("", "failed decoding: unexpected GroupVersion string: " + apiVersion, "use " + API_VERSION, true,
                            valuePos(top.get("apiVersion")));
                    throw new Fatal();
                }
                int slash = apiVersion.indexOf('/');
                group = slash < 0 ? "" : apiVersion.substring(0, slash);
                version = slash < 0 ? apiVersion : apiVersion.substring(slash + 1);
            }
            Position gvkAt = top.containsKey("apiVersion") ? valuePos(top.get("apiVersion")) : pos(doc);
            if (kind.isEmpty()) {
                kind = "Policy";
                if (doc != null && !isNull(doc)) {
                    warn("kind", "missing; kube-apiserver defaults it to \"Policy\"", "write kind: Policy", false, pos(doc));
                }
            }
            boolean internal = (version.isEmpty() && group.isEmpty()) || (version.isEmpty() && group.equals(GROUP));
            if (internal) {
                error("", "unknown group version field " + GROUP + "/__internal, Kind=" + kind + " in policy",
                        doc == null || isNull(doc) ? "the file holds no policy" : "apiVersion is missing: write apiVersion: " + API_VERSION,
                        true, gvkAt);
                throw new Fatal();
            }
            String gv = group.isEmpty() ? version : group + "/" + version;
            if (!gv.equals(API_VERSION)) {
                String hint = group.equals(GROUP) && (version.equals("v1beta1") || version.equals("v1alpha1"))
                        ? "kube-apiserver refuses to start: " + gv + " was removed in Kubernetes 1.24; the fields are the same in "
                                + API_VERSION + ", so changing apiVersion is enough"
                        : "the only version kube-apiserver reads is " + API_VERSION;
                error("", "failed decoding: no kind " + goQuote(kind) + " is registered for version " + goQuote(gv)
                        + " in scheme " + goQuote(SCHEME), hint, true, gvkAt);
                throw new Fatal();
            }
            if (!kind.equals("Policy")) {
                Position kindAt = valuePos(top.get("kind"));
                if (AUDIT_V1_KINDS_OTHER_THAN_POLICY.contains(kind)) {
                    error("", "failed decoding: converting (v1." + kind + ") to (audit.Policy): unknown conversion", "write kind: Policy",
                            true, kindAt);
                } else {
                    error("", "failed decoding: no kind " + goQuote(kind) + " is registered for version " + goQuote(gv) + " in scheme "
                            + goQuote(SCHEME), "write kind: Policy", true, kindAt);
                }
                throw new Fatal();
            }
            // 2. the body
            NodeTuple meta = top.get("metadata");
            if (meta != null) {
                decodeMetadata(meta.getValueNode());
            }
            List<String> omitStages = stringList(top.get("omitStages"), "omitStages", "Policy", "v1.Stage");
            Boolean omitManagedFields = bool(top.get("omitManagedFields"), "omitManagedFields", "Policy");
            List<RawRule> rules = new ArrayList<>();
            NodeTuple rulesTuple = top.get("rules");
            if (rulesTuple != null && !isNull(rulesTuple.getValueNode())) {
                Node rn = rulesTuple.getValueNode();
                if (!(rn instanceof SequenceNode seq)) {
                    typeError("rules", "Policy", "rules", rn, "[]v1.PolicyRule");
                } else {
                    for (int i = 0; i < seq.getValue().size(); i++) {
                        rules.add(decodeRule(i, seq.getValue().get(i)));
                    }
                }
            }
            if (!errors.isEmpty() && errors.stream().anyMatch(PolicyProblem::apiserver)) {
                throw new Fatal();
            }
            // 3. validation (validation.go), then the rule count
            List<PolicyProblem> fieldErrors = new ArrayList<>();
            validateOmitStages(omitStages, "omitStages", fieldErrors);
            for (RawRule r : rules) {
                validateRule(r, fieldErrors);
            }
            if (!fieldErrors.isEmpty()) {
                errors.addAll(fieldErrors);
                throw new Fatal();
            }
            if (rules.isEmpty()) {
                error("", "loaded illegal policy with 0 rules", rulesTuple == null ? "the policy has no rules field" : "",
                        true, rulesTuple == null ? pos(doc) : valuePos(rulesTuple));
                throw new Fatal();
            }
            // 4. build, and warn about what is valid but surprising
            List<PolicyRule> built = new ArrayList<>();
            for (RawRule r : rules) {
                built.add(build(r));
                lintRule(r);
            }
            return new Policy(source, built, stages(omitStages), Boolean.TRUE.equals(omitManagedFields));
        }

        // ---- structure

        /**
         * The fields of a mapping, last duplicate winning; warns about duplicates and unknown fields
         * (kube-apiserver's strict decoding errors, after which it decodes leniently).
         */
        private Map<String, NodeTuple> fields(MappingNode m, String path, Set<String> known, String structName) throws Fatal {
            Map<String, NodeTuple> out = new LinkedHashMap<>();
            List<NodeTuple> tuples = new ArrayList<>();
            for (NodeTuple t : m.getValue()) {
                if (t.getKeyNode() instanceof ScalarNode k && k.getScalarStyle() == ScalarStyle.PLAIN && k.getValue().equals("<<")) {
                    Node v = t.getValueNode();
                    List<Node> sources = v instanceof SequenceNode s ? s.getValue() : List.of(v);
                    for (Node src : sources) {
                        if (src instanceof MappingNode sm) {
                            for (NodeTuple mt : sm.getValue()) {
                                String mk = keyText(mt.getKeyNode(), path);
                                if (m.getValue().stream().noneMatch(o -> o.getKeyNode() instanceof ScalarNode ok && ok.getValue().equals(mk))) {
                                    tuples.add(mt);
                                }
                            }
                        }
                    }
                    continue;
                }
                tuples.add(t);
            }
            for (NodeTuple t : tuples) {
                String key = keyText(t.getKeyNode(), path);
                String fieldPath = path.isEmpty() ? key : path + "." + key;
                if (out.containsKey(key)) {
                    warn(fieldPath, "duplicate field " + goQuote(key),
                            "kube-apiserver's strict decoding fails on it; it logs \"Audit policy contains errors, falling back to lenient "
                                    + "decoding\" and keeps the last value (line " + pos(t.getKeyNode()).line() + "), dropping the one on line "
                                    + pos(out.get(key).getKeyNode()).line(),
                            true, pos(t.getKeyNode()));
                    out.remove(key);
                }
                out.put(key, t);
                if (!known.contains(key)) {
                    warn(fieldPath, "unknown field " + goQuote(fieldPath), unknownFieldHint(key, known, path, structName, m), true,
                            pos(t.getKeyNode()));
                }
            }
            out.keySet().retainAll(known);
            return out;
        }

        private String unknownFieldHint(String key, Set<String> known, String path, String structName, MappingNode m) {
            StringBuilder sb = new StringBuilder("kube-apiserver's strict decoding fails on it; it logs \"Audit policy contains errors, "
                    + "falling back to lenient decoding\" and ignores the field");
            String suggestion = suggest(key, known);
            if (suggestion != null) {
                sb.append("; did you mean ").append(goQuote(suggestion)).append('?');
            }
            if (structName.equals("GroupResources") && (suggestion == null || suggestion.equals("resources"))) {
                boolean hasResources = m.getValue().stream().anyMatch(t -> t.getKeyNode() instanceof ScalarNode k && k.getValue().equals("resources"));
                if (!hasResources) {
                    String g = "";
                    for (NodeTuple t : m.getValue()) {
                        if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals("group") && t.getValueNode() instanceof ScalarNode gv) {
                            g = gv.getValue();
                        }
                    }
                    sb.append(sb.charAt(sb.length() - 1) == '?' ? " " : ". ").append("Without \"resources\" this entry selects EVERY resource and subresource of group ").append(goQuote(g));
                }
            } else if (structName.equals("PolicyRule") && suggestion != null
                    && m.getValue().stream().noneMatch(t -> t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(suggestion))) {
                sb.append(sb.charAt(sb.length() - 1) == '?' ? " " : ". ").append("Without it the rule's ").append(suggestion).append(" selector is empty, i.e. matches anything");
            }
            return sb.toString();
        }

        private String keyText(Node key, String path) throws Fatal {
            if (key instanceof ScalarNode s) {
                JsonType t = typeOf(s);
                if (t == JsonType.BOOL) {
                    return String.valueOf(YAML11_TRUE.contains(s.getValue()));
                }
                return t == JsonType.NULL ? "null" : s.getValue();
            }
            error("", "failed decoding: error converting YAML to JSON: unsupported map key of type " + typeOf(key).goName, "", true, pos(key));
            throw new Fatal();
        }

        private String versionKindString(NodeTuple t, String field) throws Fatal {
            if (t == null || isNull(t.getValueNode())) {
                return "";
            }
            Node v = t.getValueNode();
            if (typeOf(v) != JsonType.STRING) {
                error("", "failed decoding: couldn't get version/kind; json parse error: json: cannot unmarshal " + typeOf(v).goName
                        + " into Go struct field ." + field + " of type string", "", true, pos(v));
                throw new Fatal();
            }
            return ((ScalarNode) v).getValue();
        }

        /** A JSON type mismatch: fatal in kube-apiserver ({@code failed decoding: json: cannot unmarshal ...}). */
        private void typeError(String path, String struct, String goField, Node value, String goType) {
            String hint = "at " + path;
            if (value instanceof ScalarNode s && (typeOf(value) == JsonType.BOOL || typeOf(value) == JsonType.NUMBER)) {
                hint += "; kube-apiserver reads YAML 1.1, where an unquoted " + goQuote(s.getValue()) + " is a " + typeOf(value).goName
                        + ": quote it";
            }
            error("", "failed decoding: json: cannot unmarshal " + typeOf(value).goName + " into Go struct field " + struct + "." + goField
                    + " of type " + goType, hint, true, pos(value));
        }

        private String string(NodeTuple t, String path, String struct, String goField, String goType) {
            if (t == null) {
                return "";
            }
            positions.put(path, pos(t.getValueNode()));
            return scalarString(t.getValueNode(), path, struct, goField, goType);
        }

        private String scalarString(Node v, String path, String struct, String goField, String goType) {
            if (isNull(v)) {
                return "";
            }
            JsonType t = typeOf(v);
            if (t != JsonType.STRING) {
                typeError(path, struct, goField, v, goType);
                return "";
            }
            return ((ScalarNode) v).getValue();
        }

        private List<String> stringList(NodeTuple t, String path, String struct, String elementType) {
            if (t == null) {
                return List.of();
            }
            Node v = t.getValueNode();
            positions.put(path, pos(v));
            String goField = path.replaceAll("\\[\\d+]", "");
            if (isNull(v)) {
                return List.of();
            }
            if (!(v instanceof SequenceNode seq)) {
                typeError(path, struct, goField, v, "[]" + elementType);
                return List.of();
            }
            List<String> out = new ArrayList<>();
            for (int i = 0; i < seq.getValue().size(); i++) {
                Node e = seq.getValue().get(i);
                positions.put(path + "[" + i + "]", pos(e));
                if (!(e instanceof ScalarNode)) {
                    typeError(path + "[" + i + "]", struct, goField, e, elementType);
                    out.add("");
                    continue;
                }
                out.add(scalarString(e, path + "[" + i + "]", struct, goField, elementType));
            }
            return out;
        }

        private Boolean bool(NodeTuple t, String path, String struct) {
            if (t == null) {
                return null;
            }
            Node v = t.getValueNode();
            positions.put(path, pos(v));
            if (isNull(v)) {
                return null;
            }
            if (typeOf(v) != JsonType.BOOL) {
                typeError(path, struct, path.replaceAll("\\[\\d+]", ""), v, "bool");
                return null;
            }
            return YAML11_TRUE.contains(((ScalarNode) v).getValue());
        }

        private void decodeMetadata(Node v) throws Fatal {
            if (isNull(v)) {
                return;
            }
            if (!(v instanceof MappingNode m)) {
                typeError("metadata", "Policy", "metadata", v, "v1.ObjectMeta");
                return;
            }
            Map<String, NodeTuple> f = fields(m, "metadata", OBJECT_META_FIELDS, "ObjectMeta");
            for (String s : List.of("name", "generateName", "namespace", "selfLink", "uid", "resourceVersion")) {
                string(f.get(s), "metadata." + s, "ObjectMeta", "metadata." + s, "string");
            }
        }

        private RawRule decodeRule(int i, Node n) throws Fatal {
            String p = "rules[" + i + "]";
            Position at = pos(n);
            positions.put(p, at);
            if (isNull(n)) {
                return new RawRule(i, "", List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), null, at);
            }
            if (!(n instanceof MappingNode m)) {
                typeError(p, "Policy", "rules", n, "v1.PolicyRule");
                return new RawRule(i, "", List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), null, at);
            }
            Map<String, NodeTuple> f = fields(m, p, RULE_FIELDS, "PolicyRule");
            String level = string(f.get("level"), p + ".level", "PolicyRule", "rules.level", "v1.Level");
            List<String> users = stringList(f.get("users"), p + ".users", "PolicyRule", "string");
            List<String> groups = stringList(f.get("userGroups"), p + ".userGroups", "PolicyRule", "string");
            List<String> verbs = stringList(f.get("verbs"), p + ".verbs", "PolicyRule", "string");
            List<RawGroup> resources = new ArrayList<>();
            NodeTuple rt = f.get("resources");
            if (rt != null && !isNull(rt.getValueNode())) {
                positions.put(p + ".resources", pos(rt.getValueNode()));
                if (!(rt.getValueNode() instanceof SequenceNode seq)) {
                    typeError(p + ".resources", "PolicyRule", "rules.resources", rt.getValueNode(), "[]v1.GroupResources");
                } else {
                    for (int j = 0; j < seq.getValue().size(); j++) {
                        resources.add(decodeGroup(p + ".resources[" + j + "]", seq.getValue().get(j)));
                    }
                }
            }
            List<String> namespaces = stringList(f.get("namespaces"), p + ".namespaces", "PolicyRule", "string");
            List<String> urls = stringList(f.get("nonResourceURLs"), p + ".nonResourceURLs", "PolicyRule", "string");
            List<String> omit = stringList(f.get("omitStages"), p + ".omitStages", "PolicyRule", "v1.Stage");
            Boolean omf = bool(f.get("omitManagedFields"), p + ".omitManagedFields", "PolicyRule");
            return new RawRule(i, level, users, groups, verbs, resources, namespaces, urls, omit, omf, at);
        }

        private RawGroup decodeGroup(String p, Node n) throws Fatal {
            Position at = pos(n);
            positions.put(p, at);
            if (isNull(n)) {
                return new RawGroup("", List.of(), List.of(), at);
            }
            if (!(n instanceof MappingNode m)) {
                typeError(p, "PolicyRule", "rules.resources", n, "v1.GroupResources");
                return new RawGroup("", List.of(), List.of(), at);
            }
            Map<String, NodeTuple> f = fields(m, p, GROUP_RESOURCES_FIELDS, "GroupResources");
            String group = string(f.get("group"), p + ".group", "GroupResources", "rules.resources.group", "string");
            List<String> res = stringList(f.get("resources"), p + ".resources", "GroupResources", "string");
            List<String> names = stringList(f.get("resourceNames"), p + ".resourceNames", "GroupResources", "string");
            return new RawGroup(group, res, names, at);
        }

        private Position valuePos(NodeTuple t) {
            return t == null ? Position.UNKNOWN : pos(t.getValueNode());
        }

        private Position at(String path) {
            String p = path;
            while (true) {
                Position found = positions.get(p);
                if (found != null) {
                    return found;
                }
                int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
                if (cut <= 0) {
                    return Position.UNKNOWN;
                }
                p = p.substring(0, cut);
            }
        }

        // ---- validation.go

        private void fieldError(List<PolicyProblem> out, String printedPath, String positionPath, String message, String hint) {
            out.add(new PolicyProblem(Severity.ERROR, printedPath, message, hint, true, at(positionPath)));
        }

        private void validateOmitStages(List<String> stages, String path, List<PolicyProblem> out) {
            for (int i = 0; i < stages.size(); i++) {
                if (Stage.parse(stages.get(i)).isEmpty()) {
                    fieldError(out, path + "[" + i + "]", path + "[" + i + "]", "Invalid value: " + goQuote(stages.get(i)) + ": " + ALLOWED_STAGES, "");
                }
            }
        }

        private void validateRule(RawRule r, List<PolicyProblem> out) {
            String p = "rules[" + r.i() + "]";
            if (r.level().isEmpty()) {
                fieldError(out, p + ".level", p, "Required value", "every rule needs a level: None, Metadata, Request or RequestResponse");
            } else if (Level.parse(r.level()).isEmpty()) {
                Level close = null;
                for (Level l : Level.values()) {
                    if (l.name().equalsIgnoreCase(r.level())) {
                        close = l;
                    }
                }
                fieldError(out, p + ".level", p + ".level", "Unsupported value: " + goQuote(r.level()) + ": " + SUPPORTED_LEVELS,
                        close == null ? "" : "levels are case-sensitive: " + close.name());
            }
            for (int j = 0; j < r.nonResourceURLs().size(); j++) {
                String url = r.nonResourceURLs().get(j);
                String up = p + ".nonResourceURLs[" + j + "]";
                if (url.equals("*")) {
                    continue;
                }
                if (!url.startsWith("/")) {
                    fieldError(out, up, up, "Invalid value: " + goQuote(url) + ": non-resource URL rules must begin with a '/' character", "");
                }
                if (!url.isEmpty() && url.substring(0, url.length() - 1).contains("*")) {
                    fieldError(out, up, up, "Invalid value: " + goQuote(url) + ": non-resource URL wildcards '*' must be the final character of the rule",
                            "a trailing '*' is a plain string prefix; there is no inner wildcard");
                }
            }
            for (int j = 0; j < r.resources().size(); j++) {
                RawGroup g = r.resources().get(j);
                String gp = p + ".resources[" + j + "]";
                if (!g.group().isEmpty() && !g.group().equals("*")) {
                    List<String> msgs = new ArrayList<>();
                    if (g.group().length() > 253) {
                        msgs.add("must be no more than 253 characters");
                    }
                    if (!DNS1123_SUBDOMAIN.matcher(g.group()).matches()) {
                        msgs.add(DNS1123_SUBDOMAIN_MESSAGE);
                    }
                    if (!msgs.isEmpty()) {
                        String hint = g.group().contains("/") ? "the group is named without its version: "
                                + goQuote(g.group().substring(0, g.group().indexOf('/'))) : "";
                        fieldError(out, p + ".resources.group", gp + ".group", "Invalid value: " + goQuote(g.group()) + ": " + String.join(",", msgs), hint);
                    }
                }
                if (!g.resourceNames().isEmpty() && g.resources().isEmpty()) {
                    fieldError(out, p + ".resources.resourceNames", gp + ".resourceNames",
                            "Invalid value: " + jsonList(g.resourceNames()) + ": using resourceNames requires at least one resource", "");
                }
            }
            validateOmitStages(r.omitStages(), p + ".omitStages", out);
            if (!r.nonResourceURLs().isEmpty() && (!r.resources().isEmpty() || !r.namespaces().isEmpty())) {
                fieldError(out, p + ".nonResourceURLs", p + ".nonResourceURLs", "Invalid value: " + jsonList(r.nonResourceURLs())
                        + ": rules cannot apply to both regular resources and non-resource URLs",
                        "resources and namespaces select resource requests, nonResourceURLs the others: split the rule in two");
            }
        }

        private static List<Stage> stages(List<String> names) {
            return names.stream().map(s -> Stage.parse(s).orElseThrow()).toList();
        }

        private PolicyRule build(RawRule r) {
            List<GroupResources> gr = r.resources().stream()
                    .map(g -> new GroupResources(g.group(), g.resources(), g.resourceNames(), g.position())).toList();
            return new PolicyRule(r.i() + 1, Level.parse(r.level()).orElseThrow(), r.users(), r.userGroups(), r.verbs(), gr, r.namespaces(),
                    r.nonResourceURLs(), stages(r.omitStages()), r.omitManagedFields(), r.position());
        }

        // ---- valid but surprising (Vigil's warnings)

        private void lintRule(RawRule r) {
            String p = "rules[" + r.i() + "]";
            for (int j = 0; j < r.verbs().size(); j++) {
                String v = r.verbs().get(j);
                if (RESOURCE_VERBS.contains(v) || NON_RESOURCE_VERBS.contains(v)) {
                    continue;
                }
                String vp = p + ".verbs[" + j + "]";
                String hint;
                String lower = v.toLowerCase(Locale.ROOT);
                if (v.equals("*")) {
                    hint = "an audit policy has no verb wildcard: \"*\" matches only a request whose verb is literally \"*\"; leave verbs out to match every verb";
                } else if (AUTHORIZATION_ONLY_VERBS.contains(v)) {
                    hint = goQuote(v) + " is an authorization (RBAC) verb; requests never carry it";
                } else if (!lower.equals(v) && (RESOURCE_VERBS.contains(lower) || NON_RESOURCE_VERBS.contains(lower))) {
                    hint = "verbs are matched case-sensitively; requests carry " + goQuote(lower);
                } else {
                    String s = suggest(v, Set.copyOf(concat(RESOURCE_VERBS, NON_RESOURCE_VERBS)));
                    hint = "request verbs are " + String.join(", ", RESOURCE_VERBS) + " (resource requests) and the lowercased HTTP method "
                            + "(non-resource requests)" + (s == null ? "" : "; did you mean " + goQuote(s) + "?");
                }
                warn(vp, "verb " + goQuote(v) + " never matches a request (kube-apiserver does not validate verbs)", hint, false, at(vp));
            }
            for (int j = 0; j < r.resources().size(); j++) {
                RawGroup g = r.resources().get(j);
                String gp = p + ".resources[" + j + "]";
                if (g.group().equals("*")) {
                    warn(gp + ".group", "group \"*\" (any group) needs kube-apiserver 1.36 or later",
                            "older versions refuse to start: \"*\" is not a valid DNS subdomain", false, at(gp + ".group"));
                }
                for (int k = 0; k < g.resources().size(); k++) {
                    String res = g.resources().get(k);
                    String rp = gp + ".resources[" + k + "]";
                    String why = PolicyChecker.neverMatchingResourceEntry(res);
                    if (why != null) {
                        warn(rp, "resource " + goQuote(res) + " never matches a request", why, false, at(rp));
                    } else if (!res.equals(res.toLowerCase(Locale.ROOT))) {
                        warn(rp, "resource " + goQuote(res) + " has upper-case letters; resources are matched case-sensitively and are lower case",
                                "write " + goQuote(res.toLowerCase(Locale.ROOT)), false, at(rp));
                    }
                }
                if (!g.resourceNames().isEmpty()) {
                    for (String verb : List.of("create", "deletecollection")) {
                        boolean onlyPlainResources = g.resources().stream().noneMatch(x -> x.contains("/"));
                        if (r.verbs().contains(verb) && (onlyPlainResources || verb.equals("deletecollection"))) {
                            int vi = r.verbs().indexOf(verb);
                            warn(p + ".verbs[" + vi + "]", "verb " + goQuote(verb) + " never matches this rule's resourceNames",
                                    verb + " requests carry no object name when the policy is evaluated, and an empty name never matches resourceNames",
                                    false, at(p + ".verbs[" + vi + "]"));
                        }
                    }
                }
            }
            for (int j = 0; j < r.nonResourceURLs().size(); j++) {
                String url = r.nonResourceURLs().get(j);
                if (url.contains("?")) {
                    String up = p + ".nonResourceURLs[" + j + "]";
                    warn(up, "non-resource URL " + goQuote(url) + " contains '?' and never matches",
                            "the query string is not part of the path the policy compares", false, at(up));
                }
            }
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /** The known name closest to {@code key} (edit distance ≤ 2, or one is a prefix of the other), or null. */
    static String suggest(String key, Set<String> known) {
        String best = null;
        double bestScore = Double.MAX_VALUE;
        for (String k : known.stream().sorted().toList()) {
            String a = k.toLowerCase(Locale.ROOT);
            String b = key.toLowerCase(Locale.ROOT);
            int d = distance(a, b);
            double score = d <= 2 ? d : Double.MAX_VALUE;
            if (score == Double.MAX_VALUE && (a.startsWith(b) || b.startsWith(a)) && Math.min(a.length(), b.length()) >= 4) {
                score = 2.5 + d / 100.0;
            }
            if (score < bestScore) {
                bestScore = score;
                best = k;
            }
        }
        return best;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** A string as Go's {@code %q} prints it. */
    static String goQuote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format("\\x%02x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /** A string list as Go's encoding/json marshals it (field.Invalid prints non-string values so). */
    static String jsonList(List<String> values) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(jsonString(values.get(i)));
        }
        return sb.append(']').toString();
    }

    static String jsonString(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                case '<', '>', '&' -> sb.append(String.format("\\u%04x", (int) c));
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
