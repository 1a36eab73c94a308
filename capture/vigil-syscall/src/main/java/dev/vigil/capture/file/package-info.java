/**
 * Capture files: a recording of probe records together with the state they apply to, replayable
 * on any machine with the alerts the live agent printed. Byte layout in {@code docs/capture-format.md}.
 *
 * <p>{@link dev.vigil.capture.file.CaptureWriter} snapshots a live
 * {@link dev.vigil.capture.state.SyscallState} and appends records with everything the state learnt
 * from the machine while applying them; {@link dev.vigil.capture.file.CaptureReader} restores the
 * state from the file and hands the records back, one reused
 * {@link dev.vigil.capture.ebpf.RawRecord} at a time.
 */
package dev.vigil.capture.file;
