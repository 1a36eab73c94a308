package dev.vigil.app;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsExchange;
import dev.vigil.k8saudit.AuditEvent;
import dev.vigil.k8saudit.AuditEventParser;
import dev.vigil.k8saudit.Json;
import dev.vigil.k8saudit.store.AuditStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.TrustManagerFactory;

/**
 * A receiver for kube-apiserver's audit webhook backend ({@code --audit-webhook-config-file}): each
 * POST carries one {@code EventList} (audit.k8s.io/v1 or v1beta1); the batch is protected, appended
 * and fsynced to an {@link AuditStore} before the 200 answer, so a crash after answering loses
 * nothing. Any non-2xx makes kube-apiserver retry the batch; the store drops the re-sent events.
 */
final class AuditWebhook extends HttpEndpoint {
    /** The smallest body limit allowed from the command line; kube-apiserver batches of 400 large events stay far below. */
    static final long MIN_MAX_BODY = 64L * 1024 * 1024;
    private static final JsonFactory JSON = new JsonFactory();

    /**
     * How to serve. {@code tls} null means plain HTTP; client certificates are required (handshake fails without one), wanted
     * (either a certificate or the token is enough) or neither; {@code tokenHash} is the SHA-256 of the bearer token, or null.
     */
    record Config(InetSocketAddress listen, String path, SSLContext tls, boolean clientCertRequired, boolean clientCertWanted,
            byte[] tokenHash, long maxBody) {}

    /** A refusal: HTTP status and the reason sent in the body. */
    private record Reject(int status, String key, String reason) {}

    private final Config config;
    private final AuditStore store;
    final AtomicLong batches = new AtomicLong();
    final AtomicLong stored = new AtomicLong();
    final AtomicLong duplicates = new AtomicLong();
    final AtomicLong protectedEvents = new AtomicLong();
    private final Map<String, AtomicLong> rejected = new TreeMap<>();

    private java.util.function.Consumer<List<AuditStore.Outcome>> afterStore = outcomes -> {};

    /** What to do with the outcomes of each stored batch (detection), on the request's thread, before the answer. */
    void afterStore(java.util.function.Consumer<List<AuditStore.Outcome>> consumer) {
        this.afterStore = java.util.Objects.requireNonNull(consumer, "consumer");
    }

    /** KiB of request bodies that may be held at once; a request waits for its share before reading its body. */
    private final java.util.concurrent.Semaphore bodyBudget;

    AuditWebhook(Config config, AuditStore store) throws IOException {
        super(config.listen(), config.tls(), config.clientCertRequired() ? HttpIo.ClientAuth.REQUIRED
                : config.clientCertWanted() ? HttpIo.ClientAuth.WANTED : HttpIo.ClientAuth.NONE, 64);
        this.config = config;
        this.store = store;
        // bodies held at once: half the heap, but always room for one of the largest allowed
        long heap = Runtime.getRuntime().maxMemory();
        long budgetKiB = Math.max(config.maxBody(), heap / 2) >> 10;
        this.bodyBudget = new java.util.concurrent.Semaphore((int) Math.min(Integer.MAX_VALUE, budgetKiB), true);
        if (heap < 3 * config.maxBody()) {
            System.err.println("vigil: warning: the heap (" + (heap >> 20) + " MiB) is small for request bodies of up to "
                    + (config.maxBody() >> 20) + " MiB; large batches are taken one at a time and may not fit: raise it, e.g. "
                    + "VIGIL_JAVA_OPTS=-Xmx512m");
        }
    }

    /** The receiver's counters as Prometheus metrics. */
    void metrics(dev.vigil.pipeline.PrometheusText t) {
        t.counter("vigil_audit_webhook_batches_total", "EventList batches stored and acknowledged.", batches.get());
        t.counter("vigil_audit_webhook_events_stored_total", "Audit events appended to the store.", stored.get());
        t.counter("vigil_audit_webhook_duplicates_total", "Audit events received again (a resent batch) and not stored twice.",
                duplicates.get());
        t.counter("vigil_audit_webhook_protected_total", "Events of sensitive kinds stored at Metadata level only.",
                protectedEvents.get());
        synchronized (rejected) {
            rejected.forEach((reason, n) -> t.counter("vigil_audit_webhook_rejected_total", "Requests refused, by reason.",
                    n.get(), "reason", reason));
        }
    }

    /** batches, events stored, duplicates, protected, rejected by reason. */
    String counters() {
        StringBuilder b = new StringBuilder("batches " + batches.get() + ", events stored " + stored.get() + ", duplicates "
                + duplicates.get() + ", protected " + protectedEvents.get() + ", rejected ");
        synchronized (rejected) {
            long total = rejected.values().stream().mapToLong(AtomicLong::get).sum();
            b.append(total);
            if (total > 0) {
                b.append(" (");
                rejected.forEach((k, v) -> b.append(k).append(": ").append(v.get()).append(", "));
                b.setLength(b.length() - 2);
                b.append(")");
            }
        }
        return b.toString();
    }

    @Override
    void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (HttpIo.healthz(ex)) {
                return;
            }
            String path = ex.getRequestURI().getPath();
            if (!path.equals(config.path())) {
                reject(ex, new Reject(404, "404 unknown path", "not found: audit events are POSTed to " + config.path()));
                return;
            }
            Reject auth = authenticate(ex);
            if (auth != null) {
                reject(ex, auth);
                return;
            }
            if (!ex.getRequestMethod().equals("POST")) {
                ex.getResponseHeaders().set("Allow", "POST");
                reject(ex, new Reject(405, "405 method", "method " + ex.getRequestMethod() + " not allowed: POST an EventList"));
                return;
            }
            String type = ex.getRequestHeaders().getFirst("Content-Type");
            if (type != null && !isJson(type)) {
                reject(ex, new Reject(415, "415 content type", "Content-Type " + type + " is not JSON: expected application/json"));
                return;
            }
            int share = bodyShare(ex);
            try {
                bodyBudget.acquire(share);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                reject(ex, new Reject(503, "503 stopping", "the server is stopping"));
                return;
            }
            try {
                receive(ex);
            } finally {
                bodyBudget.release(share);
            }
        } catch (IOException | RuntimeException e) {
            count("500 internal");
            throw e;
        }
    }

    /** The KiB of the body budget this request takes: its Content-Length, or the largest allowed body when unknown. */
    private int bodyShare(HttpExchange ex) {
        long length = HttpIo.contentLength(ex);
        long declared = length < 0 ? config.maxBody() : Math.min(config.maxBody(), length);
        return (int) Math.max(1, (declared + 1023) >> 10); // at most the budget, which holds one largest body
    }

    /** Reads, checks, stores and answers one POSTed body. */
    private void receive(HttpExchange ex) throws IOException {
        byte[] body = HttpIo.readBody(ex, config.maxBody());
        if (body == null) {
            reject(ex, new Reject(413, "413 too large", "request body larger than " + config.maxBody() + " bytes"));
            return;
        }
        // the bytes as received: each event keeps its text, stored as it is when protection changes nothing
        AuditEventParser.Collector parsed = new AuditEventParser.Collector();
        new AuditEventParser().read(body, parsed);
        List<AuditEvent> events = parsed.events();
        List<AuditEventParser.Problem> problems = parsed.problems();
        if (!problems.isEmpty() || !isEventList(parsed.values())) {
            Reject shape = checkEventList(body); // the precise reason, when the body is not an EventList
            if (shape != null) {
                reject(ex, shape);
                return;
            }
        }
        if (!problems.isEmpty()) {
            reject(ex, new Reject(400, "400 bad event", badEvent(problems.getFirst().message())));
            return;
        }
        List<AuditStore.Outcome> outcomes;
        try {
            outcomes = store.appendAll(events); // returns after fsync
        } catch (IOException e) {
            reject(ex, new Reject(500, "500 store", "could not store the batch: " + e.getMessage()));
            return;
        }
        afterStore.accept(outcomes);
        long s = 0;
        long d = 0;
        for (AuditStore.Outcome o : outcomes) {
            if (o.duplicate()) {
                d++;
            } else {
                s++;
                if (o.protection().changed()) {
                    protectedEvents.incrementAndGet();
                }
            }
        }
        batches.incrementAndGet();
        stored.addAndGet(s);
        duplicates.addAndGet(d);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        HttpIo.send(ex, 200, "{\"stored\":" + s + ",\"duplicates\":" + d + "}\n");
    }

    private static final Pattern ITEM = Pattern.compile("^EventList item (\\d+): (.*)$", Pattern.DOTALL);

    private static String badEvent(String message) {
        Matcher m = ITEM.matcher(message);
        return m.matches() ? "bad event at index " + m.group(1) + ": " + m.group(2) : "bad event: " + message;
    }

    private static boolean isJson(String type) {
        String t = type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return t.equals("application/json") || t.endsWith("+json");
    }

    private Reject authenticate(HttpExchange ex) {
        boolean certOk = false;
        if (ex instanceof HttpsExchange hx && (config.clientCertRequired() || config.clientCertWanted())) {
            try {
                certOk = hx.getSSLSession().getPeerCertificates().length > 0; // verified against --client-ca by the handshake
            } catch (SSLPeerUnverifiedException e) {
                certOk = false;
            }
        }
        if (certOk) {
            return null;
        }
        if (config.tokenHash() == null) {
            return new Reject(401, "401 no client certificate", "a client certificate signed by the --client-ca is required");
        }
        String h = ex.getRequestHeaders().getFirst("Authorization");
        if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return new Reject(401, "401 no credentials", "authentication required: Authorization: Bearer TOKEN"
                    + (config.clientCertWanted() ? " or a client certificate" : ""));
        }
        byte[] given = sha256(h.substring(7).trim().getBytes(StandardCharsets.UTF_8));
        if (!MessageDigest.isEqual(given, config.tokenHash())) { // constant time: both are 32-byte digests
            return new Reject(403, "403 bad token", "the bearer token is not the one in the --token-file");
        }
        return null;
    }

    /** The SHA-256 of the bearer token held in {@code file} (one non-empty line); the message names the file and {@code option}. */
    static byte[] tokenHash(java.nio.file.Path file, String option) throws IOException {
        String token;
        try {
            token = java.nio.file.Files.readString(file, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new IOException(file + " (" + option + "): cannot read: " + e.getMessage(), e);
        }
        if (token.isEmpty() || token.contains("\n")) {
            throw new IOException(file + " (" + option + "): expected one non-empty line holding the token");
        }
        return sha256(token.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether the parsed body was exactly one {@code EventList} of audit.k8s.io/v1 or v1beta1 with an array of items. */
    static boolean isEventList(List<Object> values) {
        if (values.size() != 1 || !(values.getFirst() instanceof Json.Obj o)) {
            return false;
        }
        Object v = o.get("apiVersion");
        return "EventList".equals(o.get("kind")) && ("audit.k8s.io/v1".equals(v) || "audit.k8s.io/v1beta1".equals(v))
                && o.get("items") instanceof List<?>;
    }

    /** Checks that the body is one JSON object {@code {"kind":"EventList","apiVersion":"audit.k8s.io/v1[beta1]","items":[...]}}. */
    static Reject checkEventList(byte[] body) {
        String kind = null;
        String apiVersion = null;
        boolean items = false;
        try (JsonParser p = JSON.createParser(body)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return new Reject(400, "400 not JSON", "empty body: expected an EventList");
            }
            if (t != JsonToken.START_OBJECT) {
                p.skipChildren();
                if (p.nextToken() != null) {
                    return new Reject(400, "400 not JSON", "not JSON: more than one value in the body");
                }
                return new Reject(400, "400 not an EventList", "not an EventList: the body is a JSON "
                        + (t == JsonToken.START_ARRAY ? "array" : "scalar") + ", not an object");
            }
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                t = p.nextToken();
                switch (name) {
                    case "kind" -> kind = t == JsonToken.VALUE_STRING ? p.getText() : "?";
                    case "apiVersion" -> apiVersion = t == JsonToken.VALUE_STRING ? p.getText() : "?";
                    case "items" -> items = t == JsonToken.START_ARRAY;
                    default -> { }
                }
                p.skipChildren();
            }
            if (p.nextToken() != null) {
                return new Reject(400, "400 not JSON", "not JSON: more than one value in the body");
            }
        } catch (JsonProcessingException e) {
            return new Reject(400, "400 not JSON", "not JSON: " + e.getOriginalMessage() + " at line " + e.getLocation().getLineNr()
                    + " column " + e.getLocation().getColumnNr());
        } catch (IOException e) {
            return new Reject(400, "400 not JSON", "not JSON: " + e.getMessage());
        }
        if (!"EventList".equals(kind)) {
            return new Reject(400, "400 not an EventList", "not an EventList: kind is " + (kind == null ? "missing" : "\"" + kind + "\""));
        }
        if (!"audit.k8s.io/v1".equals(apiVersion) && !"audit.k8s.io/v1beta1".equals(apiVersion)) {
            return new Reject(400, "400 not an EventList", "not an EventList: apiVersion is "
                    + (apiVersion == null ? "missing" : "\"" + apiVersion + "\"") + ", expected audit.k8s.io/v1 or audit.k8s.io/v1beta1");
        }
        if (!items) {
            return new Reject(400, "400 not an EventList", "not an EventList: \"items\" is missing or not an array");
        }
        return null;
    }

    private void reject(HttpExchange ex, Reject r) throws IOException {
        count(r.key());
        HttpIo.drain(ex.getRequestBody());
        HttpIo.send(ex, r.status(), r.reason() + "\n");
    }

    private void count(String key) {
        synchronized (rejected) {
            rejected.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
        }
    }

    // ---- TLS material ----

    /** A server SSLContext from a PEM certificate chain and a PEM PKCS#8 key; with {@code clientCa}, client certificates are verified against it. */
    static SSLContext tls(Path certFile, Path keyFile, Path clientCa) throws IOException {
        List<X509Certificate> chain = readCertificates(certFile, "--tls-cert");
        PrivateKey key = readPrivateKey(keyFile);
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("server", key, new char[0], chain.toArray(Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, new char[0]);
            TrustManagerFactory tmf = null;
            if (clientCa != null) {
                KeyStore ts = KeyStore.getInstance("PKCS12");
                ts.load(null, null);
                int i = 0;
                for (X509Certificate c : readCertificates(clientCa, "--client-ca")) {
                    ts.setCertificateEntry("ca" + i++, c);
                }
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(ts);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException(keyFile + " and " + certFile + ": cannot make a TLS key pair of them: " + e.getMessage(), e);
        }
    }

    static List<X509Certificate> readCertificates(Path file, String option) throws IOException {
        byte[] b = readFile(file, option);
        if (!new String(b, StandardCharsets.US_ASCII).contains("-----BEGIN CERTIFICATE-----")) {
            throw new IOException(file + " (" + option + "): no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)");
        }
        try {
            Collection<? extends Certificate> cs = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(b));
            List<X509Certificate> out = new ArrayList<>();
            for (Certificate c : cs) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw new IOException(file + " (" + option + "): no certificate in it");
            }
            return out;
        } catch (CertificateException e) {
            throw new IOException(file + " (" + option + "): not a valid PEM certificate chain: " + e.getMessage(), e);
        }
    }

    private static final Pattern PEM_KEY = Pattern.compile("-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----([^-]*)-----END \\1PRIVATE KEY-----");

    static PrivateKey readPrivateKey(Path file) throws IOException {
        String text = new String(readFile(file, "--tls-key"), StandardCharsets.US_ASCII);
        Matcher m = PEM_KEY.matcher(text);
        if (!m.find()) {
            throw new IOException(file + " (--tls-key): no PEM private key in it (expected -----BEGIN PRIVATE KEY-----, PKCS#8)");
        }
        String kind = m.group(1).trim();
        if (!kind.isEmpty()) {
            throw new IOException(file + " (--tls-key): a \"" + kind + " PRIVATE KEY\" is not supported; convert it to unencrypted PKCS#8: "
                    + "openssl pkcs8 -topk8 -nocrypt -in " + file + " -out key.pem");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(m.group(2));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " (--tls-key): the PEM body is not base64: " + e.getMessage(), e);
        }
        for (String alg : List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS")) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (InvalidKeySpecException | NoSuchAlgorithmException e) {
                // try the next algorithm
            }
        }
        throw new IOException(file + " (--tls-key): not a PKCS#8 RSA, EC or EdDSA private key");
    }

    private static byte[] readFile(Path file, String option) throws IOException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IOException(file + " (" + option + "): no such file", e);
        } catch (IOException e) {
            throw new IOException(file + " (" + option + "): cannot read: " + e.getMessage(), e);
        }
    }

    /** Whether {@code host} names only loopback addresses. */
    static boolean loopback(String host) throws IOException {
        InetAddress[] all = InetAddress.getAllByName(host);
        for (InetAddress a : all) {
            if (!a.isLoopbackAddress()) {
                return false;
            }
        }
        return all.length > 0;
    }
}
