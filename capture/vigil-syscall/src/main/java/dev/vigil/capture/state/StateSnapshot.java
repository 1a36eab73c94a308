package dev.vigil.capture.state;

import java.util.List;
import java.util.Map;

/**
 * Everything a {@link SyscallState} holds at one moment, in plain values: what a capture file
 * stores before its records, and what {@link SyscallState.Builder#restore} starts from.
 *
 * @param bootEpochNanos     when the machine booted, epoch ns (turns /proc start ticks into times)
 * @param clockOffsetNanos   wall clock minus monotonic clock, ns, as the state's clock had it
 * @param lastUserCheckMono  monotonic time of the last check of the passwd/group files (Long.MIN_VALUE: never)
 * @param lastSweepMono      monotonic time of the last sweep of vanished processes (Long.MIN_VALUE: never)
 * @param pidnsInitStart     start time (epoch ns) of the first process of each pid namespace, by namespace inode
 * @param hostFacts          the answers a replay needs that the processes do not hold: the host's passwd and
 *                           group files and their stamp, containers' passwd and group files read so far, the
 *                           host name and /etc/services
 * @param containers         the containers known, with their engine metadata when it arrived
 * @param processes          every process known
 */
public record StateSnapshot(long bootEpochNanos, long clockOffsetNanos, long lastUserCheckMono, long lastSweepMono,
                            Map<Long, Long> pidnsInitStart, List<HostFact> hostFacts, List<ContainerSnapshot> containers,
                            List<ProcessSnapshot> processes) {
    public StateSnapshot {
        pidnsInitStart = Map.copyOf(pidnsInitStart);
        hostFacts = List.copyOf(hostFacts);
        containers = List.copyOf(containers);
        processes = List.copyOf(processes);
    }
}
