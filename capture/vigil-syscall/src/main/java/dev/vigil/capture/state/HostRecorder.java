package dev.vigil.capture.state;

/**
 * Receives what a recorded {@link SyscallState} learns from outside the probe's records (see
 * {@link SyscallState#record}): a capture file stores it so that a replay can answer the same
 * questions without this machine.
 */
public interface HostRecorder {
    /** An answer the machine gave; called on the thread that applies records, in the order asked. */
    void fact(HostFact fact);

    /** A container's engine metadata arrived; called on the metadata lookup thread. */
    void container(ContainerSnapshot container);
}
