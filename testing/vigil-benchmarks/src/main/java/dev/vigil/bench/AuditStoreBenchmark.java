package dev.vigil.bench;

import dev.vigil.k8saudit.AuditEvent;
import dev.vigil.k8saudit.AuditEventParser;
import dev.vigil.k8saudit.store.AuditStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Audit events into the tamper-evident store: protection of sensitive kinds, SHA-256 hash chain,
 * segment writes and one fsync per batch, as the webhook receiver stores each POSTed EventList.
 * One operation is one event; a batch is {@code batchSize} distinct realistic events (a pod create
 * with its request body, about 2 KiB of JSON each, distinct auditIDs so none is a duplicate).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
@Threads(1)
public class AuditStoreBenchmark {
    @Param({"1000"})
    public int batchSize;

    private Path dir;
    private AuditStore store;
    private List<AuditEvent> batch;
    private int next;

    private static final String TEMPLATE = """
            {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"%s","stage":"ResponseComplete",\
            "requestURI":"/api/v1/namespaces/payments/pods","verb":"create","user":{"username":"system:serviceaccount:kube-system:replicaset-controller",\
            "uid":"0c6a8b2e-1f3d-4e5a-9b7c-2d4e6f8a0b1c","groups":["system:serviceaccounts","system:serviceaccounts:kube-system","system:authenticated"]},\
            "sourceIPs":["10.0.0.12"],"userAgent":"kube-controller-manager/v1.31.2 (linux/amd64) kubernetes/5864a46/system:serviceaccount:kube-system:replicaset-controller",\
            "objectRef":{"resource":"pods","namespace":"payments","name":"api-7c9f6d5b8-%d","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":201},\
            "requestObject":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"api-7c9f6d5b8-%d","namespace":"payments","labels":{"app":"api","pod-template-hash":"7c9f6d5b8"}},\
            "spec":{"containers":[{"name":"api","image":"registry.example.com/payments/api:1.8.2","ports":[{"containerPort":8080,"protocol":"TCP"}],\
            "resources":{"limits":{"cpu":"500m","memory":"256Mi"},"requests":{"cpu":"100m","memory":"128Mi"}},"securityContext":{"readOnlyRootFilesystem":true,\
            "allowPrivilegeEscalation":false,"runAsNonRoot":true}}],"serviceAccountName":"api","restartPolicy":"Always"}},\
            "requestReceivedTimestamp":"2026-11-26T10:00:00.000000Z","stageTimestamp":"2026-11-26T10:00:00.012345Z",\
            "annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC: allowed by ClusterRoleBinding"}}""";

    @Setup(Level.Trial)
    public void setup() throws IOException {
        dir = Files.createTempDirectory("vigil-store-bench");
        store = AuditStore.open(dir);
    }

    /** A fresh batch before every invocation (not measured): new auditIDs, so no event is a duplicate. */
    @Setup(Level.Invocation)
    public void nextBatch() throws Exception {
        List<AuditEvent> b = new ArrayList<>(batchSize);
        for (int i = 0; i < batchSize; i++, next++) {
            b.add(AuditEventParser.parse(TEMPLATE.formatted(java.util.UUID.randomUUID(), next, next)).get(0));
        }
        batch = b;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        store.close();
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** One batch appended: protection, hash chain, segment write, one fsync. */
    @Benchmark
    @OperationsPerInvocation(1000)
    public int appendBatch() throws IOException {
        return store.appendAll(batch).size();
    }
}
