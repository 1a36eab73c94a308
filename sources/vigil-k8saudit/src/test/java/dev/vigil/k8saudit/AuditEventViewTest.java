package dev.vigil.k8saudit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.event.FieldCatalog;
import dev.vigil.event.FieldDef;
import dev.vigil.event.FieldSlots;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Field extraction, field by field, on Falco's trace files and on hand-written events. */
class AuditEventViewTest {
    private static final FieldCatalog CATALOG = FieldCatalog.forSource(FieldCatalog.K8S_AUDIT).orElseThrow();

    private final FieldSlots slots = new FieldSlots();
    private final AuditEventView view = new AuditEventView(slots, "test-host");

    private AuditEventView trace(String file) throws IOException, AuditEventParser.AuditFormatException {
        String text = Files.readString(FalcoK8sAuditDetectionsTest.k8s("events/falco-trace-files/" + file));
        return view.set(AuditEventParser.parse(text).getFirst());
    }

    private AuditEventView json(String text) throws AuditEventParser.AuditFormatException {
        return view.set(AuditEventParser.parse(text).getFirst());
    }

    /** The value of a field written as in a rule. */
    private Object f(String written) {
        return view.value(slots.slotOf(CATALOG.resolve(written).orElseThrow(() -> new AssertionError("no field " + written))));
    }

    @Test
    void requestFieldsOfAPodCreation() throws Exception {
        trace("create_nginx_pod_privileged.json");
        assertThat(f("ka.auditid")).isEqualTo("a362d22b-db3c-4590-9505-23782f12925f");
        assertThat(f("ka.stage")).isEqualTo("ResponseComplete");
        assertThat(f("ka.verb")).isEqualTo("create");
        assertThat(f("ka.uri")).isEqualTo("/api/v1/namespaces/default/pods");
        assertThat(f("ka.user.name")).isEqualTo("system:serviceaccount:kube-system:replicaset-controller");
        assertThat(f("ka.user.groups")).isEqualTo(List.of("system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"));
        assertThat(f("ka.target.resource")).isEqualTo("pods");
        assertThat(f("ka.target.namespace")).isEqualTo("default");
        assertThat(f("ka.target.name")).as("no name in objectRef of a create").isNull();
        assertThat(f("ka.target.subresource")).isNull();
        assertThat(f("ka.target.pod.name")).isEqualTo("nginx-deployment-5cdcc99dbf-rgw6z");
        assertThat(f("ka.resp.name")).isEqualTo("nginx-deployment-5cdcc99dbf-rgw6z");
        assertThat(f("ka.response.code")).as("numbers as their JSON text").isEqualTo("201");
        assertThat(f("ka.response.reason")).isNull();
        assertThat(f("ka.auth.decision")).isEqualTo("allow");
        assertThat((String) f("ka.auth.reason")).startsWith("RBAC: allowed by ClusterRoleBinding \"system:controller:replicaset-controller\"");
        assertThat(f("ka.impuser.name")).isNull();
        assertThat(f("ka.useragent")).isNull();
        assertThat(f("ka.sourceips")).isEqualTo(List.of("::1"));
        assertThat(f("ka.sourceips[0]")).isEqualTo("::1");
    }

    @Test
    void containerImagesAsAListAndByIndex() throws Exception {
        trace("create_nginx_pod_no_secctx_1st_container_privileged_2nd_container.json");
        assertThat(f("ka.req.pod.containers.image")).isEqualTo(List.of("nginx", "mysql:latest"));
        assertThat(f("ka.req.pod.containers.image[0]")).isEqualTo("nginx");
        assertThat(f("ka.req.pod.containers.image[1]")).isEqualTo("mysql:latest");
        assertThat(f("ka.req.pod.containers.image[2]")).as("no third container").isNull();
        assertThat(f("ka.req.pod.containers.image.repository")).isEqualTo(List.of("nginx", "mysql"));
        assertThat(f("ka.req.pod.containers.name")).isEqualTo(List.of("nginx1", "mysql"));
        assertThat(f("ka.req.container.image")).isEqualTo("nginx");
        assertThat(f("ka.req.container.image.repository")).isEqualTo("nginx");
        assertThat(f("ka.req.pod.initContainers.image")).as("no init containers").isNull();
        assertThat(f("ka.req.pod.ephemeralContainers.privileged")).isNull();
    }

    @Test
    void privilegedSkipsContainersWithoutTheSetting() throws Exception {
        trace("create_nginx_pod_no_secctx_1st_container_privileged_2nd_container.json");
        assertThat(f("ka.req.pod.containers.privileged")).isEqualTo(List.of("true"));
        assertThat(f("ka.req.pod.containers.privileged[0]")).as("first container has no securityContext").isNull();
        assertThat(f("ka.req.pod.containers.privileged[1]")).isEqualTo("true");
        assertThat(f("ka.req.container.privileged")).isEqualTo("true");

        trace("create_nginx_pod_privileged.json");
        assertThat(f("ka.req.pod.containers.privileged")).isEqualTo(List.of("true"));

        trace("create_nginx_pod_unprivileged.json");
        assertThat(f("ka.req.pod.containers.privileged")).as("no value at all is absent").isNull();
        assertThat(f("ka.req.container.privileged")).isEqualTo("false");
        assertThat(f("ka.req.pod.containers.eff_run_as_user")).isEqualTo(List.of("0"));
        assertThat(f("ka.req.pod.host_network")).isNull();
    }

    @Test
    void hostNetworkIsTheJsonText() throws Exception {
        trace("create_nginx_pod_hostnetwork.json");
        assertThat(f("ka.req.pod.host_network")).isEqualTo("true");
        assertThat(f("ka.req.container.host_network")).isEqualTo("true");
        assertThat(f("ka.req.pod.host_pid")).isNull();
    }

    @Test
    void volumes() throws Exception {
        trace("create_nginx_pod_sensitive_mount.json");
        assertThat(f("ka.req.pod.volumes.hostpath")).isEqualTo(List.of("/etc"));
        assertThat(f("ka.req.pod.volumes.hostpath[0]")).isEqualTo("/etc");
        assertThat(f("ka.req.pod.volumes.volume_type")).isEqualTo(List.of("hostPath"));
        assertThat(f("ka.req.pod.volumes.flexvolume_driver")).isNull();
        assertThat(f("ka.req.volume.hostpath[/etc]")).isEqualTo("true");
        assertThat(f("ka.req.volume.hostpath[/e*]")).isEqualTo("true");
        assertThat(f("ka.req.volume.hostpath[/proc]")).isEqualTo("false");
        assertThat(f("jevt.value[/requestObject/spec/volumes]")).isEqualTo("[{\"hostPath\":{\"path\":\"/etc\",\"type\":\"\"},\"name\":\"etc\"}]");
    }

    @Test
    void execUriParameters() throws Exception {
        trace("exec_pod.json");
        assertThat(f("ka.stage")).isEqualTo("ResponseStarted");
        assertThat(f("ka.target.subresource")).isEqualTo("exec");
        assertThat(f("ka.target.name")).isEqualTo("nginx-deployment-7998647bdf-phvq7");
        assertThat(f("ka.target.pod.name")).as("only for pods without subresource").isNull();
        assertThat(f("ka.uri.param[command]")).isEqualTo("bash");
        assertThat(f("ka.uri.param[container]")).as("the first of repeated values").isEqualTo("nginx1");
        assertThat(f("ka.uri.param[tty]")).isEqualTo("true");
        assertThat(f("ka.uri.param[nope]")).isNull();
        assertThat(f("ka.response.code")).isEqualTo("101");
    }

    @Test
    void uriParameterDecoding() {
        assertThat(AuditFields.queryParam("/x?command=ls%20-l&command=id", "command")).isEqualTo("ls -l");
        assertThat(AuditFields.queryParam("/x?command=a+b", "command")).isEqualTo("a b");
        assertThat(AuditFields.queryParam("/x?flag&command=", "flag")).isEmpty();
        assertThat(AuditFields.queryParam("/x?flag&command=", "command")).isEmpty();
        assertThat(AuditFields.queryParam("/x?command=%zz", "command")).as("bad escape").isNull();
        assertThat(AuditFields.queryParam("/x?a=1;b=2", "a")).as("Go rejects ';'").isNull();
        assertThat(AuditFields.queryParam("/x#frag?command=a", "command")).isNull();
        assertThat(AuditFields.queryParam("/x", "command")).isNull();
    }

    @Test
    void jsonPointers() throws Exception {
        trace("create_nginx_pod_unprivileged.json");
        assertThat(f("jevt.value[/stage]")).isEqualTo("ResponseComplete");
        assertThat(f("json.value[/stage]")).isEqualTo("ResponseComplete");
        assertThat(f("jevt.value[/requestObject/spec/containers/0/image]")).isEqualTo("nginx");
        assertThat(f("jevt.value[/requestObject/spec/containers/1/image]")).isNull();
        assertThat(f("jevt.value[/responseStatus/code]")).isEqualTo("201");
        assertThat(f("jevt.value[/annotations/authorization.k8s.io~1decision]")).isEqualTo("allow");
        assertThat(f("jevt.value[/a~1~0b]")).isNull();
        assertThat(f("jevt.value[/responseStatus]")).isEqualTo("{\"metadata\":{},\"code\":201}");
        assertThat(f("jevt.value[/requestObject/metadata/creationTimestamp]")).as("JSON null is the text null").isEqualTo("null");
        assertThat(f("jevt.value[/requestObject/spec/tls]")).isNull();
    }

    @Test
    void rawtimeObjAndGenericFields() throws Exception {
        trace("create_secret.json");
        long t = 1587491825548299000L; // 2020-04-21T17:57:05.548299Z (stageTimestamp)
        assertThat(view.timestampNanos()).isEqualTo(t);
        assertThat(f("jevt.rawtime")).isEqualTo(Long.toString(t));
        assertThat(f("json.rawtime")).isEqualTo(Long.toString(t));
        assertThat(f("evt.rawtime")).isEqualTo(t);
        assertThat(f("evt.rawtime.s")).isEqualTo(1587491825L);
        assertThat(f("evt.rawtime.ns")).isEqualTo(548299000L);
        assertThat(f("evt.time.iso8601")).isEqualTo("2020-04-21T17:57:05.548299000Z");
        assertThat(f("evt.source")).isEqualTo("k8s_audit");
        assertThat(f("evt.pluginname")).isEqualTo("k8saudit");
        assertThat(f("evt.hostname")).isEqualTo("test-host");
        assertThat(f("evt.is_async")).isEqualTo(false);
        assertThat(f("evt.asynctype")).isNull();
        assertThat(f("evt.num")).isEqualTo(1L);
        assertThat(f("evt.reltime")).isEqualTo(0L);
        assertThat((String) f("evt.plugininfo")).startsWith("{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"Metadata\"");
        assertThat((String) f("jevt.obj")).startsWith("{\n  \"kind\": \"Event\",\n  \"apiVersion\": \"audit.k8s.io/v1\",\n")
                .contains("\"responseStatus\": {\n    \"metadata\": {},\n    \"code\": 201\n  },")
                .endsWith("\n}");
        assertThat(f("json.obj")).isEqualTo(f("jevt.obj"));
        trace("delete_secret.json");
        assertThat(f("evt.num")).isEqualTo(2L);
        assertThat((Long) f("evt.reltime")).isPositive();
    }

    @Test
    @SuppressWarnings("unchecked")
    void bindingAndRoleFields() throws Exception {
        trace("attach_cluster_admin_role.json");
        assertThat(f("ka.req.binding.role")).isEqualTo("cluster-admin");
        assertThat(f("ka.req.binding.subjects")).isEqualTo(List.of("{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"User\",\"name\":\"minikube\"}"));
        assertThat(f("ka.req.binding.subjects.user_names")).isEqualTo(List.of("minikube"));
        assertThat(f("ka.req.binding.subjects.group_names")).isNull();
        assertThat(f("ka.req.binding.subject.has_name[anything]")).as("the plugin's constant").isEqualTo("true");

        trace("create_cluster_role_wildcard_verbs.json");
        assertThat(f("ka.req.role.rules.verbs")).isEqualTo(List.of("*", "get"));
        assertThat(f("ka.req.role.rules.verbs[0]")).isEqualTo("*");
        assertThat(f("ka.req.role.rules.resources")).isEqualTo(List.of("pods"));
        assertThat(f("ka.req.role.rules.apiGroups")).isEqualTo(List.of(""));
        assertThat((List<Object>) f("ka.req.role.rules.nonResourceURLs")).hasSize(13).contains("/healthz");
        assertThat(f("ka.req.role.rules.nonResourceURLs[1]")).as("the URLs of rule 1").isInstanceOf(List.class);
        assertThat(f("ka.req.role.rules.resources[1]")).as("rule 1 names no resources").isNull();
        assertThat((List<?>) f("ka.req.role.rules")).hasSize(2);
    }

    @Test
    void serviceAndConfigmapFields() throws Exception {
        trace("create_nginx_service_nodeport.json");
        assertThat(f("ka.req.service.type")).isEqualTo("NodePort");
        assertThat(f("ka.req.service.ports")).isEqualTo(List.of("{\"nodePort\":30080,\"port\":80,\"protocol\":\"TCP\",\"targetPort\":80}"));

        trace("create_configmap.json");
        assertThat(f("ka.req.configmap.name")).isEqualTo("my-config");
        assertThat(f("ka.req.configmap.obj")).isEqualTo("{\"ui.properties\":\"color.good=purple\\ncolor.bad=yellow\\nallow.textmode=true\\n\"}");
    }

    @Test
    void allContainerListsAndAttributes() throws Exception {
        json("""
                {"kind":"Event","auditID":"x","stageTimestamp":"2026-01-02T03:04:05.123456789Z",
                 "sourceIPs":["10.0.0.1","10.0.0.2"],
                 "annotations":{"cluster_name":"prod","pod-security.kubernetes.io/audit-violations":"v",
                   "validation.policy.admission.k8s.io/validation_failure":"f",
                   "authentication.openshift.io/decision":"allow","authentication.openshift.io/username":"bob"},
                 "impersonatedUser":{"username":"alice"},
                 "requestObject":{"spec":{"runAsUser":7,
                   "securityContext":{"runAsUser":1000,"runAsGroup":2000,"fsGroup":3000,"supplementalGroups":[4,5]},
                   "containers":[
                     {"name":"a","image":"reg.example.com:5000/team/app:1.2@sha256:abc","command":["sh","-c"],"args":["echo hi"],
                      "ports":[{"containerPort":80},{"containerPort":443,"hostPort":8443}],
                      "securityContext":{"privileged":false,"allowPrivilegeEscalation":true,"readOnlyRootFilesystem":true,
                        "runAsUser":0,"runAsGroup":0,"procMount":"Unmasked","capabilities":{"add":["NET_ADMIN","SYS_TIME"]}}},
                     {"name":"b","image":"busybox@sha256:def"}],
                   "initContainers":[{"name":"init","image":"init:1","securityContext":{"privileged":true}}],
                   "ephemeralContainers":[{"name":"dbg","image":"debug:2","ports":[{"hostPort":9000}]}],
                   "volumes":[{"name":"v1","flexVolume":{"driver":"example/flex"}},{"name":"v2","emptyDir":{}}]},
                  "subjects":[{"kind":"ServiceAccount","name":"sa","namespace":"ns"},{"kind":"Group","name":"devs"}]}}
                """);
        assertThat(f("ka.cluster.name")).isEqualTo("prod");
        assertThat(f("ka.security.pod.violations")).isEqualTo("v");
        assertThat(f("ka.validations.admission.policy.failure")).isEqualTo("f");
        assertThat(f("ka.auth.openshift.decision")).isEqualTo("allow");
        assertThat(f("ka.auth.openshift.username")).isEqualTo("bob");
        assertThat(f("ka.impuser.name")).isEqualTo("alice");
        assertThat(f("ka.sourceips")).isEqualTo(List.of("10.0.0.1", "10.0.0.2"));
        assertThat(f("ka.sourceips[1]")).isEqualTo("10.0.0.2");
        assertThat(f("ka.req.pod.run_as_user")).isEqualTo("1000");
        assertThat(f("ka.req.pod.run_as_group")).isEqualTo("2000");
        assertThat(f("ka.req.pod.fs_group")).isEqualTo("3000");
        assertThat(f("ka.req.pod.supplemental_groups")).isEqualTo(List.of("4", "5"));
        assertThat(f("ka.req.pod.containers.image.repository")).as("naive split on the first ':'")
                .isEqualTo(List.of("reg.example.com", "busybox"));
        assertThat(f("ka.req.pod.containers.command")).isEqualTo(List.of("sh -c"));
        assertThat(f("ka.req.pod.containers.args")).isEqualTo(List.of("echo hi"));
        assertThat(f("ka.req.pod.containers.host_port")).isEqualTo(List.of("80", "8443"));
        assertThat(f("ka.req.pod.containers.host_port[0]")).isEqualTo(List.of("80", "8443"));
        assertThat(f("ka.req.pod.containers.host_port[1]")).isNull();
        assertThat(f("ka.req.pod.containers.privileged")).isEqualTo(List.of("false"));
        assertThat(f("ka.req.pod.containers.allow_privilege_escalation")).isEqualTo(List.of("true"));
        assertThat(f("ka.req.pod.containers.read_only_fs")).isEqualTo(List.of("true"));
        assertThat(f("ka.req.pod.containers.run_as_user")).isEqualTo(List.of("0"));
        assertThat(f("ka.req.pod.containers.run_as_group")).isEqualTo(List.of("0"));
        assertThat(f("ka.req.pod.containers.proc_mount")).isEqualTo(List.of("Unmasked"));
        assertThat(f("ka.req.pod.containers.add_capabilities")).isEqualTo(List.of("NET_ADMIN", "SYS_TIME"));
        assertThat(f("ka.req.pod.containers.eff_run_as_user")).as("own value, else spec.runAsUser")
                .isEqualTo(List.of("0", "7"));
        assertThat(f("ka.req.pod.containers.eff_run_as_group")).as("own value, else 0").isEqualTo(List.of("0", "0"));
        assertThat(f("ka.req.pod.initContainers.privileged")).isEqualTo(List.of("true"));
        assertThat(f("ka.req.pod.initContainers.image.repository")).isEqualTo(List.of("init"));
        assertThat(f("ka.req.pod.initContainers.name[0]")).isEqualTo("init");
        assertThat(f("ka.req.pod.ephemeralContainers.image")).isEqualTo(List.of("debug:2"));
        assertThat(f("ka.req.pod.ephemeralContainers.host_port")).isEqualTo(List.of("9000"));
        assertThat(f("ka.req.container.privileged")).as("regular containers only").isEqualTo("false");
        assertThat(f("ka.req.pod.volumes.flexvolume_driver")).isEqualTo(List.of("example/flex"));
        assertThat(f("ka.req.pod.volumes.volume_type")).isEqualTo(List.of("flexVolume", "emptyDir"));
        assertThat(f("ka.req.pod.volumes.volume_type[1]")).isEqualTo("emptyDir");
        assertThat(f("ka.req.pod.volumes.hostpath")).isNull();
        assertThat(f("ka.req.volume.hostpath[/etc]")).isEqualTo("false");
        assertThat(f("ka.req.binding.subjects.serviceaccount_names")).isEqualTo(List.of("sa"));
        assertThat(f("ka.req.binding.subjects.serviceaccount_ns_names")).isEqualTo(List.of("ns:sa"));
        assertThat(f("ka.req.binding.subjects.group_names")).isEqualTo(List.of("devs"));
        assertThat(f("evt.time.iso8601")).isEqualTo("2026-01-02T03:04:05.123456789Z");
    }

    @Test
    void withoutAuditIdNoKaFieldButJsonFieldsStillWork() throws Exception {
        json("{\"kind\":\"Event\",\"verb\":\"get\",\"stageTimestamp\":\"2026-01-02T03:04:05Z\"}");
        assertThat(f("ka.verb")).isNull();
        assertThat(f("ka.req.binding.subject.has_name[x]")).isNull();
        assertThat(f("jevt.value[/verb]")).isEqualTo("get");
        assertThat(f("evt.source")).isEqualTo("k8s_audit");
    }

    @Test
    void absentValues() throws Exception {
        trace("create_secret.json");
        assertThat(f("ka.req.pod.containers.image")).isNull();
        assertThat(f("ka.req.container.image")).isNull();
        assertThat(f("ka.req.container.privileged")).isNull();
        assertThat(f("ka.req.role.rules")).isNull();
        assertThat(f("ka.req.role.rules.verbs")).isNull();
        assertThat(f("ka.req.binding.subjects")).isNull();
        assertThat(f("ka.req.binding.subjects.user_names")).isNull();
        assertThat(f("ka.req.service.ports")).isNull();
        assertThat(f("ka.req.configmap.obj")).isNull();
        assertThat(f("ka.req.pod.volumes.volume_type")).isNull();
        assertThat(f("ka.req.volume.hostpath[/etc]")).isNull();
        assertThat(f("ka.uri.param[command]")).isNull();
        assertThat(f("ka.target.pod.name")).isNull();
        assertThat(f("ka.resp.name")).isNull();
        assertThat(f("jevt.value[/requestObject]")).isNull();
        assertThat(f("ka.target.name")).isEqualTo("example-secret");
    }

    @Test
    void everyCatalogueFieldHasAnExtractorExceptAsyncType() {
        for (FieldDef d : CATALOG.fields().values()) {
            String arg = switch (d.arg()) {
                case KEY_REQUIRED, INDEX_OR_KEY_REQUIRED -> "/x";
                case INDEX_REQUIRED -> "0";
                default -> null;
            };
            boolean bound = AuditFields.build(d.name(), arg, -1) != null;
            assertThat(bound).as(d.name()).isEqualTo(!d.name().equals("evt.asynctype"));
        }
    }

    @Test
    void slotsOfOtherSourcesReadAsAbsentAndNewSlotsBindLater() throws Exception {
        FieldCatalog syscall = FieldCatalog.forSource(FieldCatalog.SYSCALL).orElseThrow();
        int procName = slots.slotOf(syscall.resolve("proc.name").orElseThrow());
        trace("create_secret.json");
        assertThat(view.value(procName)).isNull();
        int verb = slots.slotOf(CATALOG.resolve("ka.verb").orElseThrow());
        view.rebind();
        assertThat(view.value(verb)).isEqualTo("create");
        int user = slots.slotOf(CATALOG.resolve("ka.user.name").orElseThrow());
        assertThat(view.value(user)).as("bound on first read").isEqualTo("minikube-user");
        assertThat(view.value(user)).isSameAs(view.value(user));
        assertThat(view.source()).isEqualTo("k8s_audit");
        assertThat(view.typeCode()).isEqualTo(-1);
    }
}
