package dev.vigil.admission;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The validating webhook's logic, from request bytes to response bytes with no HTTP in between:
 * reads an {@code admission.k8s.io/v1} AdmissionReview, checks the object under the policy and
 * answers with the request's uid, allowed or denied (403 with a message naming each offending
 * container), warnings, and audit annotations. Unknown kinds and odd objects are allowed with a
 * warning; only a body that is not an AdmissionReview gets an HTTP error.
 */
public final class AdmissionReviews {
    /** Kubernetes shows at most a few KiB of warnings; each is kept short. */
    static final int MAX_WARNINGS = 16;
    static final int MAX_WARNING_CHARS = 240;

    /**
     * The answer: HTTP status, body (an AdmissionReview, or a plain-text reason for status 400),
     * and the verdict (null for a 400).
     */
    public record Reply(int status, byte[] body, Verdict verdict) {}

    /**
     * What was decided about one request. {@code alert} is true when audit mode saw a violation on a
     * request that is not a dry run: the caller sends the alerts (this class has no side effects).
     */
    public record Verdict(String uid, String operation, String user, boolean dryRun, boolean allowed, Evaluation evaluation,
            List<String> warnings, boolean alert) {}

    private final Checker checker;

    public AdmissionReviews(AdmissionPolicy policy) {
        this.checker = new Checker(policy);
    }

    public AdmissionPolicy policy() {
        return checker.policy();
    }

    public Reply review(byte[] body) {
        Object parsed;
        try {
            parsed = Json.parse(body);
        } catch (IOException | RuntimeException e) {
            return badRequest("not JSON: " + e.getMessage());
        }
        Map<String, Object> review = Tree.map(parsed);
        if (review == null) {
            return badRequest("not an AdmissionReview: the body is not a JSON object");
        }
        String apiVersion = Tree.string(review, "apiVersion");
        if (!"AdmissionReview".equals(Tree.string(review, "kind"))
                || !("admission.k8s.io/v1".equals(apiVersion) || "admission.k8s.io/v1beta1".equals(apiVersion))) {
            return badRequest("not an AdmissionReview: expected kind AdmissionReview, apiVersion admission.k8s.io/v1");
        }
        Map<String, Object> request = Tree.map(review, "request");
        String uid = Tree.string(request, "uid");
        if (uid == null || uid.isEmpty()) {
            return badRequest("the AdmissionReview has no request.uid to answer");
        }
        Verdict v;
        try {
            v = decide(uid, request);
        } catch (RuntimeException e) { // never fail the API server's request on our own bug: allow, and say so
            v = new Verdict(uid, Tree.string(request, "operation"), user(request), Boolean.TRUE.equals(Tree.bool(request, "dryRun")), true, null,
                    List.of("vigil: not checked (internal error: " + e + ")"), false);
        }
        return new Reply(200, write(apiVersion, v), v);
    }

    private Verdict decide(String uid, Map<String, Object> request) {
        String operation = Tree.string(request, "operation");
        boolean dryRun = Boolean.TRUE.equals(Tree.bool(request, "dryRun"));
        String user = user(request);
        if (!"CREATE".equals(operation) && !"UPDATE".equals(operation)) {
            return new Verdict(uid, operation, user, dryRun, true, null, List.of(), false);
        }
        String sub = Tree.string(request, "subResource");
        boolean ephemeral = "ephemeralcontainers".equals(sub);
        if (sub != null && !sub.isEmpty() && !ephemeral) {
            return new Verdict(uid, operation, user, dryRun, true, null, List.of(), false); // status, scale, ...: no pod spec change
        }
        String kind = Tree.string(Tree.map(request, "kind"), "kind");
        Object raw = request.get("object");
        Map<String, Object> object = Tree.map(raw);
        if (object == null) {
            return new Verdict(uid, operation, user, dryRun, true, null,
                    List.of("vigil: not checked: the request's object is " + (raw == null ? "missing" : "not an object")), false);
        }
        if (kind == null) {
            kind = Tree.string(object, "kind");
        }
        Evaluation e = checker.evaluate(kind, object, Tree.string(request, "namespace"), Tree.string(request, "name"), ephemeral);
        List<String> warnings = new ArrayList<>();
        for (String n : e.notes()) {
            warnings.add("vigil: " + e.describe() + ": " + n);
        }
        boolean allowed = true;
        boolean alert = false;
        if (e.violates()) {
            switch (checker.policy().mode()) {
                case ENFORCE -> allowed = false;
                case WARN -> e.findings().forEach(f -> warnings.add("vigil: " + f.message()));
                case AUDIT -> alert = !dryRun;
            }
        }
        return new Verdict(uid, operation, user, dryRun, allowed, e, cap(warnings), alert);
    }

    private static String user(Map<String, Object> request) {
        return Tree.string(Tree.map(request, "userInfo"), "username");
    }

    private static List<String> cap(List<String> warnings) {
        List<String> out = new ArrayList<>();
        for (String w : warnings) {
            if (out.size() == MAX_WARNINGS - 1 && warnings.size() > MAX_WARNINGS) {
                out.add("vigil: " + (warnings.size() - out.size()) + " more warnings not shown");
                break;
            }
            out.add(w.length() > MAX_WARNING_CHARS ? w.substring(0, MAX_WARNING_CHARS - 3) + "..." : w);
        }
        return out;
    }

    /** The message of a denial: what is wrong with which container, and how to fix or exempt it. */
    public String denial(Evaluation e) {
        StringBuilder b = new StringBuilder("vigil: ").append(e.describe()).append(" is not immutable: ");
        for (int i = 0; i < e.findings().size(); i++) {
            b.append(i == 0 ? "" : "; ").append(e.findings().get(i).message());
        }
        return b.append(". Fix the securityContext, or exempt the workload with the label or annotation ")
                .append(checker.policy().exemptionKey()).append("=<reason>").toString();
    }

    private byte[] write(String apiVersion, Verdict v) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("apiVersion", apiVersion);
            g.writeStringField("kind", "AdmissionReview");
            g.writeObjectFieldStart("response");
            g.writeStringField("uid", v.uid());
            g.writeBooleanField("allowed", v.allowed());
            if (!v.allowed()) {
                g.writeObjectFieldStart("status");
                g.writeStringField("status", "Failure");
                g.writeNumberField("code", 403);
                g.writeStringField("reason", "Forbidden");
                g.writeStringField("message", denial(v.evaluation()));
                g.writeEndObject();
            }
            if (!v.warnings().isEmpty()) {
                g.writeArrayFieldStart("warnings");
                for (String w : v.warnings()) {
                    g.writeString(w);
                }
                g.writeEndArray();
            }
            Evaluation e = v.evaluation();
            if (e != null && (e.exemption() != null || !e.findings().isEmpty())) {
                g.writeObjectFieldStart("auditAnnotations");
                g.writeStringField("violations", Integer.toString(e.findings().size()));
                if (e.exemption() != null) {
                    g.writeStringField("exemption", e.exemption());
                }
                g.writeEndObject();
            }
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // writing to memory
        }
        return out.toByteArray();
    }

    private static Reply badRequest(String reason) {
        return new Reply(400, (reason + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8), null);
    }
}
