package dev.vigil.capture.ebpf;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * The check the real-kernel tests start with: in CI, or as root, missing eBPF prerequisites fail the
 * tests; only on a developer machine without root and without CI set are they skipped, with the
 * reasons.
 */
public final class EbpfPrerequisites {
    private EbpfPrerequisites() {}

    public static void require() {
        Probe.Preflight preflight = Probe.preflight();
        if (preflight.ok()) {
            return;
        }
        String reasons = String.join("\n  - ", preflight.failures());
        if (System.getenv("CI") == null && !isRoot()) {
            Assumptions.abort("skipping the eBPF probe tests (not root, CI unset):\n  - " + reasons);
        }
        fail("eBPF prerequisites are missing:\n  - " + reasons);
    }

    /** Whether the effective uid is 0. */
    public static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }
}
