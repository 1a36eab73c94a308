package dev.vigil.k8saudit.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/** kube-apiserver's checker.go semantics. */
class PolicyCheckerTest {
    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Object> src = (Map<String, Object>) o;
        if (src.get("<<") instanceof Map<?, ?> merged) {
            m.putAll((Map<String, Object>) merged);
        }
        src.forEach((k, v) -> {
            if (!k.equals("<<")) {
                m.put(k, v);
            }
        });
        return m;
    }

    @SuppressWarnings("unchecked")
    static List<String> strings(Object o) {
        return o == null ? List.of() : ((List<Object>) o).stream().map(String::valueOf).toList();
    }

    static String str(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v == null ? "" : v.toString();
    }

    @TestFactory
    @SuppressWarnings("unchecked")
    Stream<DynamicTest> docsExamplePolicyCases() throws IOException {
        Policy policy = PolicyFixtures.load("docs-example-audit-policy.yaml");
        PolicyChecker checker = new PolicyChecker(policy);
        String text = Files.readString(PolicyFixtures.dir().resolve("cases/docs-example-policy-cases.yaml"));
        Map<String, Object> root = (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(text);
        List<Object> cases = (List<Object>) root.get("cases");
        assertThat(cases).hasSize(32);
        List<DynamicTest> tests = new ArrayList<>();
        for (Object c : cases) {
            Map<String, Object> tc = map(c);
            Map<String, Object> req = map(tc.get("request"));
            Map<String, Object> expect = map(tc.get("expect"));
            tests.add(DynamicTest.dynamicTest(str(tc, "id"), () -> {
                String user = (String) req.get("user");
                List<String> groups = strings(req.get("groups"));
                RequestAttributes a = Boolean.TRUE.equals(req.get("resourceRequest"))
                        ? RequestAttributes.resource(user, groups, str(req, "verb"), str(req, "apiGroup"), str(req, "resource"),
                                str(req, "subresource"), str(req, "namespace"), str(req, "name"))
                        : RequestAttributes.nonResource(user, groups, str(req, "verb"), str(req, "path"));
                Decision d = checker.check(a);
                assertThat(d.rule()).as("rule").isEqualTo(expect.get("rule"));
                assertThat(d.level().name()).as("level").isEqualTo(expect.get("level"));
                assertThat(d.omitStages()).extracting(Stage::name).as("omitStages").containsExactlyElementsOf(strings(expect.get("omitStages")));
                assertThat(d.stages()).extracting(Stage::name).as("stages").containsExactlyElementsOf(strings(expect.get("stages")));
                if (req.containsKey("uri")) {
                    // the attributes kube-apiserver derives from the URL are the ones the case states
                    RequestAttributes parsed = RequestInfo.parse("GET", str(req, "uri"), user, groups);
                    assertThat(parsed).isEqualTo(a);
                }
            }));
        }
        return tests.stream();
    }

    // ---- table tests of the semantics

    static final List<String> AUTH = List.of("system:authenticated");

    static RequestAttributes res(String verb, String group, String resource, String sub, String ns, String name) {
        return RequestAttributes.resource("alice", AUTH, verb, group, resource, sub, ns, name);
    }

    static Integer rule(Policy p, RequestAttributes a) {
        return new PolicyChecker(p).check(a).rule();
    }

    static Policy policy(String rules) {
        return PolicyFixtures.parse("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n" + rules);
    }

    @Test
    void subresourcesAndWildcards() {
        Policy p = policy("""
                - level: Request
                  resources: [{group: "", resources: [pods]}]
                - level: Metadata
                  resources: [{group: "", resources: ["deployments/*"]}]
                - level: Metadata
                  resources: [{group: "", resources: ["*/exec"]}]
                - level: RequestResponse
                  resources: [{group: "", resources: ["*/*"]}]
                - level: Metadata
                  resources: [{group: "apps", resources: ["*"]}]
                """);
        assertThat(rule(p, res("get", "", "pods", "", "ns", "a"))).isEqualTo(1);
        assertThat(rule(p, res("get", "", "pods", "log", "ns", "a"))).as("pods does not cover pods/log").isNull();
        assertThat(rule(p, res("create", "", "pods", "exec", "ns", "a"))).as("*/exec").isEqualTo(3);
        assertThat(rule(p, res("create", "", "nodes", "exec", "", "a"))).as("*/exec, any resource").isEqualTo(3);
        assertThat(rule(p, res("get", "", "deployments", "scale", "ns", "a"))).as("r/*").isEqualTo(2);
        assertThat(rule(p, res("get", "", "deployments", "", "ns", "a"))).as("r/* also matches plain r (checker.go)").isEqualTo(2);
        assertThat(rule(p, res("get", "", "services", "status", "ns", "a"))).as("*/* matches nothing").isNull();
        assertThat(rule(p, res("get", "", "services", "", "ns", "a"))).isNull();
        assertThat(rule(p, res("get", "apps", "deployments", "", "ns", "a"))).as("* covers resources").isEqualTo(5);
        assertThat(rule(p, res("patch", "apps", "deployments", "scale", "ns", "a"))).as("* covers subresources").isEqualTo(5);
        assertThat(rule(p, res("get", "apps", "pods", "", "ns", "a"))).as("groups are exact").isEqualTo(5);
        assertThat(rule(p, res("get", "batch", "jobs", "", "ns", "a"))).isNull();
        // Go's TrimLeft/TrimRight cutsets: "*//exec" still means */exec, "pods//*" still means pods/*; "pods/**" is no wildcard
        assertThat(PolicyChecker.resourceEntryMatches("*//exec", "pods", "exec")).isTrue();
        assertThat(PolicyChecker.resourceEntryMatches("pods//*", "pods", "log")).isTrue();
        assertThat(PolicyChecker.resourceEntryMatches("pods/**", "pods", "log")).isFalse();
        assertThat(PolicyChecker.resourceEntryMatches("*/", "pods", "exec")).isFalse();
    }

    @Test
    void coreGroupWithoutResourcesCoversEverySubresource() {
        Policy p = policy("""
                - level: Request
                  resources: [{group: ""}]
                """);
        assertThat(rule(p, res("create", "", "pods", "exec", "ns", "a"))).isEqualTo(1);
        assertThat(rule(p, res("create", "", "serviceaccounts", "token", "ns", "a"))).isEqualTo(1);
        assertThat(rule(p, res("get", "apps", "deployments", "", "ns", "a"))).isNull();
    }

    @Test
    void groupStarMatchesAnyGroup() {
        Policy p = policy("""
                - level: Metadata
                  resources: [{group: "*", resources: [secrets]}]
                """);
        assertThat(rule(p, res("get", "", "secrets", "", "ns", "a"))).isEqualTo(1);
        assertThat(rule(p, res("get", "example.com", "secrets", "", "ns", "a"))).isEqualTo(1);
    }

    @Test
    void resourceNamesAndNamespaces() {
        Policy p = policy("""
                - level: None
                  resources: [{group: "", resources: [configmaps], resourceNames: [leader]}]
                - level: Request
                  namespaces: [""]
                - level: Metadata
                  namespaces: [kube-system]
                """);
        assertThat(rule(p, res("get", "", "configmaps", "", "x", "leader"))).isEqualTo(1);
        assertThat(rule(p, res("list", "", "configmaps", "", "x", ""))).as("an empty name never matches resourceNames").isNull();
        assertThat(rule(p, res("create", "", "configmaps", "", "kube-system", ""))).isEqualTo(3);
        assertThat(rule(p, res("list", "", "nodes", "", "", ""))).as("namespace \"\" = cluster-scoped").isEqualTo(2);
        assertThat(rule(p, res("list", "", "namespaces", "", "", ""))).as("a list of namespaces is cluster-scoped").isEqualTo(2);
        assertThat(rule(p, res("get", "", "namespaces", "", "kube-system", "kube-system")))
                .as("GET /api/v1/namespaces/kube-system has namespace kube-system").isEqualTo(3);
        assertThat(rule(p, RequestAttributes.nonResource("alice", AUTH, "get", "/healthz"))).as("namespaces: resource requests only").isNull();
    }

    @Test
    void nonResourceUrls() {
        Policy p = policy("""
                - level: None
                  nonResourceURLs: ["/api*", "/version"]
                - level: Metadata
                  nonResourceURLs: ["/healthz*"]
                - level: Request
                  nonResourceURLs: ["*"]
                """);
        RequestAttributes apis = RequestAttributes.nonResource("a", AUTH, "get", "/apis");
        assertThat(rule(p, apis)).as("/api* is a string prefix").isEqualTo(1);
        assertThat(rule(p, RequestAttributes.nonResource("a", AUTH, "get", "/apiextensions-x"))).isEqualTo(1);
        assertThat(rule(p, RequestAttributes.nonResource("a", AUTH, "get", "/version"))).isEqualTo(1);
        assertThat(rule(p, RequestAttributes.nonResource("a", AUTH, "get", "/version/"))).as("exact").isEqualTo(3);
        assertThat(rule(p, RequestAttributes.nonResource("a", AUTH, "get", "/healthzzz"))).isEqualTo(2);
        assertThat(rule(p, RequestAttributes.nonResource("a", AUTH, "get", "/healthz/etcd"))).isEqualTo(2);
        assertThat(rule(p, RequestAttributes.nonResource("a", AUTH, "get", "/metrics"))).isEqualTo(3);
        assertThat(rule(p, res("get", "", "pods", "", "x", "y"))).as("nonResourceURLs never match resource requests").isNull();
    }

    @Test
    void usersGroupsVerbsAndTyposAccepted() {
        Policy p = policy("""
                - level: None
                  users: [system:kube-proxy]
                  verbs: [watch]
                - level: None
                  userGroups: [system:nodes, system:masters]
                  verbs: [gets]
                - level: Metadata
                  userGroups: [system:nodes]
                - level: Request
                """);
        assertThat(rule(p, RequestAttributes.resource("system:kube-proxy", AUTH, "watch", "", "endpoints", "", "", ""))).isEqualTo(1);
        assertThat(rule(p, RequestAttributes.resource("admin", List.of("system:masters"), "watch", "", "endpoints", "", "", "")))
                .as("the policy sees the authenticated user, not an impersonated one").isEqualTo(4);
        assertThat(rule(p, RequestAttributes.resource("node-1", List.of("system:authenticated", "system:nodes"), "get", "", "nodes", "", "", "n")))
                .as("the typo \"gets\" is accepted and never matches").isEqualTo(3);
        assertThat(rule(p, RequestAttributes.resource(null, List.of(), "list", "", "pods", "", "", "")))
                .as("no user: users/userGroups rules cannot match").isEqualTo(4);
    }

    @Test
    void stagesOmitUnionAndManagedFields() {
        Policy p = PolicyFixtures.parse("""
                apiVersion: audit.k8s.io/v1
                kind: Policy
                omitStages: [RequestReceived]
                omitManagedFields: true
                rules:
                - level: Metadata
                  resources: [{group: "", resources: [pods/exec]}]
                  omitStages: [ResponseStarted, RequestReceived]
                  omitManagedFields: false
                - level: Request
                  resources: [{group: ""}]
                - level: None
                  resources: [{group: apps}]
                """);
        PolicyChecker c = new PolicyChecker(p);
        Decision exec = c.check(res("create", "", "pods", "exec", "ns", "web"));
        assertThat(exec.omitStages()).containsExactly(Stage.RequestReceived, Stage.ResponseStarted);
        assertThat(exec.stages()).containsExactly(Stage.ResponseComplete);
        assertThat(exec.omitManagedFields()).isFalse();
        Decision watch = c.check(res("watch", "", "pods", "", "ns", ""));
        assertThat(watch.stages()).containsExactly(Stage.ResponseStarted, Stage.ResponseComplete);
        assertThat(watch.omitManagedFields()).isTrue();
        for (String sub : List.of("log", "attach", "portforward", "proxy")) {
            assertThat(c.check(res("get", "", "pods", sub, "ns", "web")).stages()).as(sub).contains(Stage.ResponseStarted);
        }
        assertThat(c.check(res("get", "", "pods", "status", "ns", "web")).stages()).containsExactly(Stage.ResponseComplete);
        Decision none = c.check(res("create", "apps", "deployments", "", "ns", "x"));
        assertThat(none.rule()).isEqualTo(3);
        assertThat(none.stages()).isEmpty();
        Decision noMatch = c.check(RequestAttributes.nonResource("a", AUTH, "get", "/healthz"));
        assertThat(noMatch.rule()).isNull();
        assertThat(noMatch.level()).isEqualTo(Level.None);
        assertThat(noMatch.omitStages()).containsExactly(Stage.RequestReceived);
        assertThat(noMatch.toJson()).isEqualTo("{\"rule\": null, \"level\": \"None\", \"omitStages\": [\"RequestReceived\"], \"stages\": []}");
        assertThat(exec.toJson()).isEqualTo("{\"rule\": 1, \"level\": \"Metadata\", \"omitStages\": [\"RequestReceived\", \"ResponseStarted\"], "
                + "\"stages\": [\"ResponseComplete\"]}");
        // all stages without omitStages; pprof is long-running
        Policy plain = policy("- level: Metadata\n");
        assertThat(new PolicyChecker(plain).check(RequestAttributes.nonResource("a", AUTH, "get", "/debug/pprof/profile")).stages())
                .containsExactly(Stage.RequestReceived, Stage.ResponseStarted, Stage.ResponseComplete);
        assertThat(new PolicyChecker(plain).check(RequestAttributes.resource(null, List.of(), "get", "", "pods", "", "", "")).stages())
                .as("failed authentication: one ResponseStarted event").containsExactly(Stage.ResponseStarted);
    }

    @Test
    void requestInfoDerivesAttributesFromUrls() {
        List<String> g = AUTH;
        assertThat(RequestInfo.parse("POST", "/api/v1/namespaces/default/pods", "u", g))
                .isEqualTo(RequestAttributes.resource("u", g, "create", "", "pods", "", "default", ""));
        assertThat(RequestInfo.parse("GET", "/api/v1/namespaces/default/pods/web/exec?command=sh", "u", g))
                .isEqualTo(RequestAttributes.resource("u", g, "get", "", "pods", "exec", "default", "web"));
        assertThat(RequestInfo.parse("GET", "/apis/apps/v1/deployments?watch=true", "u", g))
                .isEqualTo(RequestAttributes.resource("u", g, "watch", "apps", "deployments", "", "", ""));
        assertThat(RequestInfo.parse("GET", "/api/v1/watch/namespaces/x/pods", "u", g))
                .isEqualTo(RequestAttributes.resource("u", g, "watch", "", "pods", "", "x", ""));
        assertThat(RequestInfo.parse("DELETE", "/api/v1/namespaces/x/secrets", "u", g).verb()).isEqualTo("deletecollection");
        assertThat(RequestInfo.parse("GET", "/api/v1/namespaces/foo", "u", g))
                .isEqualTo(RequestAttributes.resource("u", g, "get", "", "namespaces", "", "foo", "foo"));
        assertThat(RequestInfo.parse("PUT", "/api/v1/namespaces/foo/finalize", "u", g))
                .isEqualTo(RequestAttributes.resource("u", g, "update", "", "namespaces", "finalize", "foo", "foo"));
        assertThat(RequestInfo.parse("GET", "/api/v1/namespaces", "u", g).namespace()).isEmpty();
        for (String nonResource : List.of("/api", "/api/v1", "/apis", "/apis/apps", "/apis/apps/v1", "/healthz", "/version", "/openapi/v2")) {
            RequestAttributes a = RequestInfo.parse("GET", nonResource, "u", g);
            assertThat(a.resourceRequest()).as(nonResource).isFalse();
            assertThat(a.verb()).isEqualTo("get");
            assertThat(a.path()).isEqualTo(nonResource);
        }
        assertThat(RequestInfo.parse("POST", "/logs?x=1", "u", g)).isEqualTo(RequestAttributes.nonResource("u", g, "post", "/logs"));
    }
}
