package dev.vigil.capture.cri;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The CRI v1 calls Vigil makes ({@code runtime.v1.RuntimeService}), field numbers from
 * kubernetes/cri-api {@code pkg/apis/runtime/v1/api.proto}.
 */
public final class CriClient {
    public static final String SERVICE = "/runtime.v1.RuntimeService/";

    private final GrpcUnixClient grpc;

    public CriClient(Path socket, Duration timeout) {
        this.grpc = new GrpcUnixClient(socket, timeout);
    }

    public Path socket() {
        return grpc.socket();
    }

    /** Calls any RuntimeService method with an encoded request (tests drive sandboxes with it). */
    public byte[] call(String method, byte[] request) throws IOException {
        return grpc.call(SERVICE + method, request);
    }

    /** {@code Version}: runtime name and version, e.g. {@code containerd 1.6.20~ds1}. */
    public String version() throws IOException {
        Proto.Reader r = new Proto.Reader(call("Version", new Proto.Writer().string(1, "v1").toByteArray()));
        String name = "";
        String version = "";
        while (r.next()) {
            if (r.field() == 2) {
                name = r.string();
            } else if (r.field() == 3) {
                version = r.string();
            }
        }
        return name + " " + version;
    }

    /** One mount of a container status ({@code Mount}: 1 container_path, 2 host_path, 3 readonly, 5 propagation). */
    public record Mount(String containerPath, String hostPath, boolean readonly, int propagation) {}

    /**
     * {@code ContainerStatusResponse}: the {@code ContainerStatus} (field 1) fields Vigil uses and
     * the verbose {@code info} map (field 2).
     */
    public record ContainerStatus(String id, String name, int attempt, int state, long createdAt, long startedAt,
                                  String image, String imageRef, String imageId, Map<String, String> labels,
                                  Map<String, String> annotations, List<Mount> mounts, String logPath,
                                  Map<String, String> info) {}

    /** {@code ContainerStatus} with {@code verbose} for the runtime's extra {@code info}. */
    public ContainerStatus containerStatus(String containerId, boolean verbose) throws IOException {
        byte[] req = new Proto.Writer().string(1, containerId).bool(2, verbose).toByteArray();
        return parsed("ContainerStatus", call("ContainerStatus", req), CriClient::parseContainerStatus);
    }

    /**
     * {@code PodSandboxStatusResponse}: the {@code PodSandboxStatus} (field 1) fields Vigil uses and
     * the verbose {@code info} map (field 2).
     */
    public record SandboxStatus(String id, String podName, String podUid, String podNamespace, int state, long createdAt,
                                String ip, Map<String, String> labels, Map<String, String> info) {}

    /** {@code PodSandboxStatus} with {@code verbose} for the runtime's extra {@code info}. */
    public SandboxStatus podSandboxStatus(String sandboxId, boolean verbose) throws IOException {
        byte[] req = new Proto.Writer().string(1, sandboxId).bool(2, verbose).toByteArray();
        return parsed("PodSandboxStatus", call("PodSandboxStatus", req), CriClient::parseSandboxStatus);
    }

    /** {@code response} read by {@code parser}; a malformed one is an I/O error naming the call, as a failed call is. */
    private static <T> T parsed(String method, byte[] response, java.util.function.Function<byte[], T> parser) throws IOException {
        try {
            return parser.apply(response);
        } catch (Proto.ProtoException e) {
            throw new IOException("malformed " + method + " response: " + e.getMessage(), e);
        }
    }

    static SandboxStatus parseSandboxStatus(byte[] response) {
        String id = "";
        String[] meta = {"", "", ""};
        int state = 0;
        long created = 0;
        String ip = "";
        Map<String, String> labels = new LinkedHashMap<>();
        Map<String, String> info = new LinkedHashMap<>();
        Proto.Reader s = statusAndInfo(response, info);
        while (s.next()) {
            switch (s.field()) {
                case 1 -> id = s.string();
                case 2 -> {
                    // PodSandboxMetadata: 1 name, 2 uid, 3 namespace
                    Proto.Reader m = s.message();
                    while (m.next()) {
                        if (m.field() >= 1 && m.field() <= 3) {
                            meta[m.field() - 1] = m.string();
                        }
                    }
                }
                case 3 -> state = (int) s.int64();
                case 4 -> created = s.int64();
                case 5 -> {
                    // PodSandboxNetworkStatus: 1 ip (the primary), 2 additional ips
                    Proto.Reader n = s.message();
                    while (n.next()) {
                        if (n.field() == 1) {
                            ip = n.string();
                        }
                    }
                }
                case 7 -> s.mapEntry(labels);
                default -> {
                    // linux, annotations, runtime handler: not used
                }
            }
        }
        return new SandboxStatus(id, meta[0], meta[1], meta[2], state, created, ip, labels, info);
    }

    /**
     * Both status responses are {@code {1: status, 2: map<string,string> info}}: puts the info
     * entries in {@code info} and returns a reader of the status message (empty when absent).
     */
    private static Proto.Reader statusAndInfo(byte[] response, Map<String, String> info) {
        Proto.Reader r = new Proto.Reader(response);
        Proto.Reader status = new Proto.Reader(new byte[0]);
        while (r.next()) {
            if (r.field() == 2) {
                r.mapEntry(info);
            } else if (r.field() == 1) {
                status = r.message();
            }
        }
        return status;
    }

    static ContainerStatus parseContainerStatus(byte[] response) {
        String id = "";
        String name = "";
        int attempt = 0;
        int state = 0;
        long created = 0;
        long started = 0;
        String image = "";
        String imageRef = "";
        String imageId = "";
        String logPath = "";
        Map<String, String> labels = new LinkedHashMap<>();
        Map<String, String> annotations = new LinkedHashMap<>();
        Map<String, String> info = new LinkedHashMap<>();
        List<Mount> mounts = new ArrayList<>();
        Proto.Reader s = statusAndInfo(response, info);
        while (s.next()) {
            switch (s.field()) {
                case 1 -> id = s.string();
                case 2 -> {
                    Proto.Reader m = s.message();
                    while (m.next()) {
                        if (m.field() == 1) {
                            name = m.string();
                        } else if (m.field() == 2) {
                            attempt = (int) m.int64();
                        }
                    }
                }
                case 3 -> state = (int) s.int64();
                case 4 -> created = s.int64();
                case 5 -> started = s.int64();
                case 8 -> {
                    Proto.Reader m = s.message();
                    while (m.next()) {
                        if (m.field() == 1) {
                            image = m.string();
                        }
                    }
                }
                case 9 -> imageRef = s.string();
                case 12 -> s.mapEntry(labels);
                case 13 -> s.mapEntry(annotations);
                case 14 -> mounts.add(parseMount(s.message()));
                case 15 -> logPath = s.string();
                case 17 -> imageId = s.string();
                default -> {
                    // exit code, reason, message, resources, user...: not used
                }
            }
        }
        return new ContainerStatus(id, name, attempt, state, created, started, image, imageRef, imageId, labels,
                annotations, List.copyOf(mounts), logPath, info);
    }

    private static Mount parseMount(Proto.Reader m) {
        String containerPath = "";
        String hostPath = "";
        boolean readonly = false;
        int propagation = 0;
        while (m.next()) {
            switch (m.field()) {
                case 1 -> containerPath = m.string();
                case 2 -> hostPath = m.string();
                case 3 -> readonly = m.bool();
                case 5 -> propagation = (int) m.int64();
                default -> {
                    // selinux_relabel, id mappings, image: not used
                }
            }
        }
        return new Mount(containerPath, hostPath, readonly, propagation);
    }
}
