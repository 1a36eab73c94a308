package dev.vigil.capture.cri;

import java.io.IOException;

/** A gRPC call ended with a non-OK {@code grpc-status}. */
public final class GrpcException extends IOException {
    /** {@code NOT_FOUND}: the runtime does not know the container (yet). */
    public static final int NOT_FOUND = 5;
    /** {@code UNIMPLEMENTED}: the server does not serve the method (another CRI version). */
    public static final int UNIMPLEMENTED = 12;

    private final int status;
    private final String grpcMessage;

    public GrpcException(String method, int status, String grpcMessage) {
        super(method + " failed: grpc-status " + status + (grpcMessage == null || grpcMessage.isEmpty() ? "" : " (" + grpcMessage + ")"));
        this.status = status;
        this.grpcMessage = grpcMessage == null ? "" : grpcMessage;
    }

    public int status() {
        return status;
    }

    public String grpcMessage() {
        return grpcMessage;
    }
}
