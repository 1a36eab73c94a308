package dev.vigil.capture.ebpf;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Preflight pieces that run anywhere (the full preflight runs in ProbeTest). */
class PreflightTest {
    private static final long SYS_ADMIN = 1L << 21;
    private static final long PERFMON = 1L << 38;
    private static final long BPF = 1L << 39;

    @Test
    void capabilities() {
        assertThat(Probe.capabilityProblem(0x1fffeffffffL)).isNull(); // root here: all but CAP_SYS_RESOURCE
        assertThat(Probe.capabilityProblem(BPF | PERFMON)).isNull();
        assertThat(Probe.capabilityProblem(SYS_ADMIN)).isNull();
        assertThat(Probe.capabilityProblem(BPF)).contains("CAP_BPF+CAP_PERFMON", "fix: run as root");
        assertThat(Probe.capabilityProblem(0)).contains("CapEff 0x0", "CAP_SYS_ADMIN", "fix:");
    }

    @Test
    void preflightNeverThrowsAndExplainsEveryFailure() {
        Probe.Preflight preflight = Probe.preflight();
        assertThat(preflight.ok()).isEqualTo(preflight.failures().isEmpty());
        assertThat(preflight.failures()).allMatch(f -> f.contains("fix:"));
    }

    @Test
    void configValidation() {
        assertThat(ProbeConfig.defaults().ringBufferBytes()).isEqualTo(16L << 20);
        assertThat(ProbeConfig.defaults().ignoreTgid()).isEqualTo((int) ProcessHandle.current().pid());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ProbeConfig(3 << 20, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("power of two");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ProbeConfig(2048, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
