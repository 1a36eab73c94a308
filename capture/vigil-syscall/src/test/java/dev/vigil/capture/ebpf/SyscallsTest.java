package dev.vigil.capture.ebpf;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SyscallsTest {
    @Test
    void namesAndNumbers() {
        assertThat(Syscalls.number("read")).isZero();
        assertThat(Syscalls.number("close")).isEqualTo(3);
        assertThat(Syscalls.name(257)).isEqualTo("openat");
        assertThat(Syscalls.number("no_such_syscall")).isEqualTo(-1);
        assertThat(Syscalls.name(-1)).isNull();
        assertThat(Syscalls.name(100_000)).isNull();
        assertThat(Syscalls.all()).hasSizeGreaterThan(300);
    }

    /** Falco's event types name syscalls, some without the 64 suffix of the kernel's name. */
    @Test
    void eventTypesNameTheirSyscalls() {
        assertThat(Syscalls.numberOfEvent("openat")).isEqualTo(Syscalls.number("openat"));
        assertThat(Syscalls.numberOfEvent("pread")).isEqualTo(Syscalls.number("pread64"));
        assertThat(Syscalls.numberOfEvent("pwrite")).isEqualTo(Syscalls.number("pwrite64"));
        assertThat(Syscalls.numberOfEvent("procexit")).as("not a syscall").isEqualTo(-1);
    }

    /** The numbers the probe decodes specially (probe.h) agree with the kernel headers' table. */
    @Test
    void probeNumbersMatchTheTable() {
        assertThat(Syscalls.number("read")).isEqualTo(RecordLayout.NR_READ);
        assertThat(Syscalls.number("write")).isEqualTo(RecordLayout.NR_WRITE);
        assertThat(Syscalls.number("pread64")).isEqualTo(RecordLayout.NR_PREAD64);
        assertThat(Syscalls.number("pwrite64")).isEqualTo(RecordLayout.NR_PWRITE64);
        assertThat(Syscalls.number("recvfrom")).isEqualTo(RecordLayout.NR_RECVFROM);
        assertThat(Syscalls.number("poll")).isEqualTo(RecordLayout.NR_POLL);
        assertThat(Syscalls.number("ppoll")).isEqualTo(RecordLayout.NR_PPOLL);
        assertThat(Syscalls.number("open")).isEqualTo(RecordLayout.NR_OPEN);
        assertThat(Syscalls.number("creat")).isEqualTo(RecordLayout.NR_CREAT);
        assertThat(Syscalls.number("openat")).isEqualTo(RecordLayout.NR_OPENAT);
        assertThat(Syscalls.number("openat2")).isEqualTo(RecordLayout.NR_OPENAT2);
        assertThat(Syscalls.number("connect")).isEqualTo(RecordLayout.NR_CONNECT);
        assertThat(Syscalls.number("accept")).isEqualTo(RecordLayout.NR_ACCEPT);
        assertThat(Syscalls.number("accept4")).isEqualTo(RecordLayout.NR_ACCEPT4);
        assertThat(Syscalls.number("bind")).isEqualTo(RecordLayout.NR_BIND);
        assertThat(Syscalls.number("sendto")).isEqualTo(RecordLayout.NR_SENDTO);
        assertThat(Syscalls.number("sendmsg")).isEqualTo(RecordLayout.NR_SENDMSG);
        assertThat(Syscalls.number("execve")).isEqualTo(RecordLayout.NR_EXECVE);
        assertThat(Syscalls.number("execveat")).isEqualTo(RecordLayout.NR_EXECVEAT);
        assertThat(Syscalls.all().values()).allMatch(nr -> nr < RecordLayout.NR_SYSCALLS);
    }
}
