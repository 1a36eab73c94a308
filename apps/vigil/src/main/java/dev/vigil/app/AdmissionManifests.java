package dev.vigil.app;

import dev.vigil.admission.AdmissionPolicy;
import dev.vigil.admission.Check;
import dev.vigil.admission.Mode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vigil admission manifests}: what to apply to run the webhook in a cluster. */
@Command(name = "manifests", mixinStandardHelpOptions = true,
        description = "Print the manifests that run the webhook: TLS material (a self-signed CA and serving certificate in a Secret, or "
                + "cert-manager Issuers and Certificates), the Deployment and Service of `vigil admission serve`, and the "
                + "ValidatingWebhookConfiguration. The policy options are passed on to the served command.")
final class AdmissionManifests implements Callable<Integer> {
    enum Tls { SELF_SIGNED, CERT_MANAGER }

    @Spec
    CommandLine.Model.CommandSpec spec;
    @Option(names = "--namespace", paramLabel = "NS", defaultValue = "vigil", description = "Namespace of the webhook. Default: ${DEFAULT-VALUE}.")
    String namespace;
    @Option(names = "--name", paramLabel = "NAME", defaultValue = "vigil-admission", description = "Name of the Service, Deployment and "
            + "webhook configuration. Default: ${DEFAULT-VALUE}.")
    String name;
    @Option(names = "--image", paramLabel = "IMAGE", defaultValue = "vigil:latest", description = "The image running vigil. Default: ${DEFAULT-VALUE}.")
    String image;
    @Option(names = "--tls", paramLabel = "SETUP", defaultValue = "self-signed", converter = TlsConverter.class,
            description = "self-signed: a fresh CA and serving certificate, printed as a Secret and the caBundle; cert-manager: Issuers and "
                    + "Certificates, the caBundle injected by cert-manager's CA injector. Default: ${DEFAULT-VALUE}.")
    Tls tls;
    @Option(names = "--validity-days", paramLabel = "DAYS", defaultValue = "365", description = "Lifetime of the self-signed certificates. Default: ${DEFAULT-VALUE}.")
    int validityDays;
    @Option(names = "--failure-policy", paramLabel = "POLICY", defaultValue = "Fail",
            description = "Fail (requests are refused while the webhook is unreachable) or Ignore. Default: ${DEFAULT-VALUE}.")
    String failurePolicy;
    @Mixin
    AdmissionPolicyOptions policyOptions;

    static final class TlsConverter implements CommandLine.ITypeConverter<Tls> {
        @Override
        public Tls convert(String value) {
            return switch (value) {
                case "self-signed" -> Tls.SELF_SIGNED;
                case "cert-manager" -> Tls.CERT_MANAGER;
                default -> throw new CommandLine.TypeConversionException("expected self-signed or cert-manager, got '" + value + "'");
            };
        }
    }

    @Override
    public Integer call() throws Exception {
        if (!failurePolicy.equals("Fail") && !failurePolicy.equals("Ignore")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--failure-policy is Fail or Ignore, got '" + failurePolicy + "'");
        }
        AdmissionPolicy policy = policyOptions.policy();
        PrintWriter out = spec.commandLine().getOut();
        List<Map<String, Object>> docs = new ArrayList<>();
        String secret = name + "-tls";
        String caBundle = null;
        if (tls == Tls.SELF_SIGNED) {
            Pki pki = selfSigned(validityDays);
            caBundle = base64(pki.caPem());
            docs.add(map("apiVersion", "v1", "kind", "Secret", "metadata", meta(secret), "type", "kubernetes.io/tls",
                    "data", map("tls.crt", base64(pki.chainPem()), "tls.key", base64(pki.keyPem()), "ca.crt", base64(pki.caPem()))));
        } else {
            docs.addAll(certManager(secret));
        }
        docs.add(map("apiVersion", "v1", "kind", "Service", "metadata", meta(name), "spec", map("selector", labels(),
                "ports", List.of(map("name", "https", "port", 443, "targetPort", 8443)))));
        docs.add(deployment(secret, policy));
        docs.add(webhook(policy, caBundle));
        DumpSettings settings = DumpSettings.builder().setDefaultFlowStyle(FlowStyle.BLOCK).setExplicitStart(true).build();
        out.println("# vigil admission webhook: namespace " + namespace + ", mode " + policy.mode().id() + ", TLS "
                + (tls == Tls.SELF_SIGNED ? "self-signed CA (printed below: keep this output secret)" : "by cert-manager"));
        out.print(new Dump(settings).dumpAllToString(docs.iterator()));
        return 0;
    }

    private Map<String, Object> deployment(String secret, AdmissionPolicy policy) {
        List<String> args = new ArrayList<>(List.of("admission", "serve", "--listen", "0.0.0.0:8443", "--tls-cert", "/tls/tls.crt",
                "--tls-key", "/tls/tls.key", "--mode", policy.mode().id(),
                "--check", String.join(",", policy.orderedChecks().stream().map(Check::id).toList()),
                "--exemption-label", policy.exemptionKey()));
        policy.exemptNamespaces().forEach(ns -> args.addAll(List.of("--exempt-namespace", ns)));
        policy.exemptImages().forEach(i -> args.addAll(List.of("--exempt-image", i)));
        if (policy.mode() == Mode.AUDIT) {
            args.addAll(List.of("--no-spool", "--output", "stdout:"));
        }
        Map<String, Object> container = map("name", "webhook", "image", image, "args", args,
                "ports", List.of(map("name", "https", "containerPort", 8443)),
                "readinessProbe", map("httpGet", map("path", "/healthz", "port", 8443, "scheme", "HTTPS")),
                "resources", map("requests", map("cpu", "100m", "memory", "128Mi"), "limits", map("memory", "256Mi")),
                "securityContext", map("readOnlyRootFilesystem", true, "allowPrivilegeEscalation", false, "runAsNonRoot", true,
                        "runAsUser", 65532, "capabilities", map("drop", List.of("ALL"))),
                "volumeMounts", List.of(map("name", "tls", "mountPath", "/tls", "readOnly", true)));
        return map("apiVersion", "apps/v1", "kind", "Deployment", "metadata", meta(name), "spec", map("replicas", 2,
                "selector", map("matchLabels", labels()),
                "template", map("metadata", map("labels", labels()), "spec", map("containers", List.of(container),
                        "volumes", List.of(map("name", "tls", "secret", map("secretName", secret)))))));
    }

    private Map<String, Object> webhook(AdmissionPolicy policy, String caBundle) {
        LinkedHashSet<String> skip = new LinkedHashSet<>(policy.exemptNamespaces());
        skip.add(namespace); // the webhook must be able to start its own pods
        Map<String, Object> clientConfig = map("service", map("namespace", namespace, "name", name, "path", "/validate", "port", 443));
        if (caBundle != null) {
            clientConfig.put("caBundle", caBundle);
        }
        Map<String, Object> metadata = map("name", name);
        if (caBundle == null) {
            metadata.put("annotations", map("cert-manager.io/inject-ca-from", namespace + "/" + name));
        }
        List<String> ops = List.of("CREATE", "UPDATE");
        Map<String, Object> hook = map("name", "immutable-containers.vigil.dev", "admissionReviewVersions", List.of("v1"),
                "sideEffects", policy.mode() == Mode.AUDIT ? "NoneOnDryRun" : "None", "failurePolicy", failurePolicy,
                "timeoutSeconds", 5, "matchPolicy", "Equivalent", "clientConfig", clientConfig,
                "namespaceSelector", map("matchExpressions", List.of(map("key", "kubernetes.io/metadata.name", "operator", "NotIn",
                        "values", new ArrayList<>(skip)))),
                "rules", List.of(
                        map("apiGroups", List.of(""), "apiVersions", List.of("v1"), "operations", ops,
                                "resources", List.of("pods", "pods/ephemeralcontainers"), "scope", "Namespaced"),
                        map("apiGroups", List.of("apps"), "apiVersions", List.of("v1"), "operations", ops,
                                "resources", List.of("deployments", "statefulsets", "daemonsets", "replicasets"), "scope", "Namespaced"),
                        map("apiGroups", List.of("batch"), "apiVersions", List.of("v1"), "operations", ops,
                                "resources", List.of("jobs", "cronjobs"), "scope", "Namespaced")));
        return map("apiVersion", "admissionregistration.k8s.io/v1", "kind", "ValidatingWebhookConfiguration", "metadata", metadata,
                "webhooks", List.of(hook));
    }

    /** A self-signed issuer makes a CA, a CA issuer signs the serving certificate, the CA injector fills in the caBundle. */
    private List<Map<String, Object>> certManager(String secret) {
        String ca = name + "-ca";
        return List.of(
                map("apiVersion", "cert-manager.io/v1", "kind", "Issuer", "metadata", meta(name + "-selfsigned"), "spec", map("selfSigned", map())),
                map("apiVersion", "cert-manager.io/v1", "kind", "Certificate", "metadata", meta(ca), "spec", map("isCA", true,
                        "commonName", ca, "secretName", ca, "privateKey", map("algorithm", "ECDSA", "size", 256),
                        "issuerRef", map("name", name + "-selfsigned", "kind", "Issuer"))),
                map("apiVersion", "cert-manager.io/v1", "kind", "Issuer", "metadata", meta(ca), "spec", map("ca", map("secretName", ca))),
                map("apiVersion", "cert-manager.io/v1", "kind", "Certificate", "metadata", meta(name), "spec", map("secretName", secret,
                        "dnsNames", dnsNames(), "usages", List.of("server auth"), "privateKey", map("algorithm", "ECDSA", "size", 256),
                        "issuerRef", map("name", ca, "kind", "Issuer"))));
    }

    private List<String> dnsNames() {
        return List.of(name + "." + namespace + ".svc", name + "." + namespace + ".svc.cluster.local");
    }

    private Map<String, Object> meta(String n) {
        return map("name", n, "namespace", namespace, "labels", labels());
    }

    private Map<String, Object> labels() {
        return map("app.kubernetes.io/name", name);
    }

    static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.US_ASCII));
    }

    /** PEM texts: the CA certificate, the serving chain (leaf then CA) and the serving key (PKCS#8). */
    record Pki(String caPem, String chainPem, String keyPem) {}

    /** A CA and a serving certificate for the Service's DNS names, made with the JDK's keytool in a temporary directory. */
    Pki selfSigned(int days) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("vigil-admission-pki");
        try {
            String pass = "vigil-" + Long.toHexString(new java.security.SecureRandom().nextLong());
            String v = Integer.toString(days);
            keytool(dir, pass, "-genkeypair", "-alias", "ca", "-keystore", "ca.p12", "-dname", "CN=" + name + "-ca", "-ext", "bc:c",
                    "-validity", v, "-keyalg", "EC", "-groupname", "secp256r1", "-storetype", "PKCS12");
            keytool(dir, pass, "-exportcert", "-rfc", "-alias", "ca", "-keystore", "ca.p12", "-file", "ca.pem");
            keytool(dir, pass, "-genkeypair", "-alias", "server", "-keystore", "server.p12", "-dname", "CN=" + dnsNames().getFirst(),
                    "-validity", v, "-keyalg", "EC", "-groupname", "secp256r1", "-storetype", "PKCS12");
            keytool(dir, pass, "-certreq", "-alias", "server", "-keystore", "server.p12", "-file", "server.csr");
            keytool(dir, pass, "-gencert", "-rfc", "-alias", "ca", "-keystore", "ca.p12", "-infile", "server.csr", "-outfile", "server.pem",
                    "-validity", v, "-ext", "san=" + String.join(",", dnsNames().stream().map(d -> "dns:" + d).toList()),
                    "-ext", "eku=serverAuth", "-ext", "ku=digitalSignature");
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (var in = Files.newInputStream(dir.resolve("server.p12"))) {
                ks.load(in, pass.toCharArray());
            }
            PrivateKey key = (PrivateKey) ks.getKey("server", pass.toCharArray());
            String keyPem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded())
                    + "\n-----END PRIVATE KEY-----\n";
            String ca = Files.readString(dir.resolve("ca.pem"), StandardCharsets.US_ASCII);
            return new Pki(ca, Files.readString(dir.resolve("server.pem"), StandardCharsets.US_ASCII) + ca, keyPem);
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("cannot read the key keytool made: " + e.getMessage(), e);
        } finally {
            try (var s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static void keytool(Path dir, String pass, String... args) throws IOException, InterruptedException {
        Path kt = Path.of(System.getProperty("java.home"), "bin", "keytool");
        if (!Files.isExecutable(kt)) {
            throw new IOException("--tls self-signed needs the JDK's keytool, not found at " + kt + "; use --tls cert-manager instead");
        }
        List<String> cmd = new ArrayList<>(List.of(kt.toString()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-storepass", pass, "-noprompt"));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("keytool " + args[0] + " failed: " + output.strip());
        }
    }
}
