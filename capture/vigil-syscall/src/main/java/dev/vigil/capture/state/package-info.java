/**
 * Process, file-descriptor and container state for the syscall source, with libsinsp's semantics.
 *
 * <p>{@link dev.vigil.capture.state.SyscallState} is the entry point: {@code bootstrap()} reads
 * every process of {@code /proc} (with its open fds and container), {@code apply(RawRecord)} keeps
 * the tables current from probe records. Container ids come from cgroup paths (real runtime forms
 * only, {@code CgroupContainers}); container metadata arrives asynchronously from
 * {@link dev.vigil.capture.state.ContainerMetadataSource}s (podman today).
 *
 * <p>Executables in the upper layer of an overlay root file system
 * ({@code proc.is_exe_upper_layer}) are detected from user space: the mount holding the exe path is
 * looked up in the process's {@code mountinfo} (cached per mount namespace) and the file is in the
 * upper layer when it exists under that mount's {@code upperdir}. This is what the kernel-side
 * check answers too (new and copied-up files live in the upper dir), but it is made when the exec
 * record is applied, so a file deleted in between reads as lower.
 *
 * <p>Everything state tracking reads from the machine goes through one package-private interface
 * ({@code Host}). For capture files, a state can {@linkplain dev.vigil.capture.state.SyscallState#record
 * record} every answer as a {@link dev.vigil.capture.state.HostFact}, export itself as a
 * {@link dev.vigil.capture.state.StateSnapshot}, and be
 * {@linkplain dev.vigil.capture.state.SyscallState.Builder#restore restored} from one. A restored state
 * answers from recorded facts and never reads the machine it runs on.
 */
package dev.vigil.capture.state;
