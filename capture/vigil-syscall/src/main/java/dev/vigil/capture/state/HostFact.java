package dev.vigil.capture.state;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One answer this machine gave to state tracking: what {@code /proc}, {@code /etc} or the file
 * system said when {@link SyscallState} asked. A state being recorded reports every answer to its
 * {@link HostRecorder}; a state restored from a capture is given the same answers back
 * ({@link SyscallState#replayFact}) and asks nothing of the machine it replays on.
 *
 * <p>Every kind uses the same shape, so that a capture file stores facts without knowing their
 * meaning: the {@link #pid} asked about (0 for facts about the machine), a numeric {@link #key} and
 * a text key ({@link #keyText}) when the question has an argument, whether there was an answer
 * ({@link #present}: false when the file or process did not exist), and the answer as numbers and
 * strings. What each kind puts where is listed on {@link Kind} and in docs/capture-format.md.
 *
 * @param kind     what was asked
 * @param pid      the process asked about, 0 for machine-wide facts
 * @param key      the numeric argument of the question (an fd, an inode, a namespace), 0 when none
 * @param keyText  the text argument of the question (a path, a container id), "" when none
 * @param present  false when the machine had no answer (the process or file was gone)
 * @param numbers  the numeric part of the answer
 * @param strings  the text part of the answer
 */
public record HostFact(Kind kind, int pid, long key, String keyText, boolean present, long[] numbers, List<String> strings) {
    private static final long[] NONE = new long[0];

    /** What was asked. Codes are stable: they are stored in capture files. */
    public enum Kind {
        /** Does {@code /proc/<pid>} exist: present or not; nothing else. */
        EXISTS(1),
        /** {@code /proc/<pid>/stat}: strings [comm]; numbers [state char, ppid, pgrp, session, tty_nr, starttime ticks]. */
        STAT(2),
        /**
         * {@code /proc/<pid>/status}: strings [Name]; numbers [Tgid, PPid, real uid, effective uid, real gid,
         * effective gid, CapInh, CapPrm, CapEff, last NSpid, last NSpgid, last NSsid] (-1 for missing lines).
         */
        STATUS(3),
        /** {@code /proc/<pid>/cmdline}: strings = argv (empty when unreadable). */
        CMDLINE(4),
        /** {@code /proc/<pid>/environ}, at most 32 KiB: strings = NAME=value entries. */
        ENVIRON(5),
        /** The {@code cwd} link: strings [target]. */
        CWD(6),
        /** A namespace inode, key 0 = mnt, 1 = net, 2 = pid: numbers [inode] (0 when unknown). */
        NAMESPACE(7),
        /** {@code /proc/<pid>/loginuid}: numbers [value] (-2147483648 when unreadable). */
        LOGINUID(8),
        /** {@code /proc/<pid>/cgroup}: strings [file text]. */
        CGROUP(9),
        /** The {@code exe} link: strings [target]. */
        EXE_LINK(10),
        /** The executable's inode: numbers [inode number, ctime ns, mtime ns, mode, owner uid, owner gid]. */
        EXE_STAT(11),
        /** Overlay layer of the executable at path keyText: numbers [0 none, 1 upper, 2 lower]. */
        EXE_LAYER(12),
        /** The entries of {@code /proc/<pid>/fd}: numbers = fd numbers. */
        FDS(13),
        /** The link of fd {@code key}: strings [target]; numbers [1 if it is a directory, else 0]. */
        FD(14),
        /**
         * The socket table row of inode {@code key} in the process's network namespace: strings [protocol,
         * local address as hex bytes, remote address as hex bytes, unix path] ("" when absent); numbers
         * [1 if the local port is a listening TCP port of the namespace, 1 if IPv6, local port, remote port,
         * state].
         */
        SOCKET(15),
        /**
         * passwd and group files of a scope, keyText "" for the host's {@code /etc}, a container's full id for
         * that container's {@code /etc} (read under {@code /proc/<pid>/root}): strings [passwd text, group text].
         */
        USERS(16),
        /** The host passwd/group modification stamp (changes when either file changes): numbers [stamp]. */
        USERS_STAMP(17),
        /** The host name {@code evt.hostname} reports: strings [name]. */
        HOSTNAME(18),
        /** {@code /etc/services}: strings [file text]. */
        SERVICES(19),
        /** Creation time of the file keyText as process {@code pid} sees it: numbers [epoch ns]. */
        BIRTH_TIME(20),
        /** The host path keyText with its symbolic links resolved (pid 0): numbers [inode]; strings [real path]. */
        REAL_PATH(21);

        private static final Kind[] BY_CODE = new Kind[22];

        static {
            for (Kind k : values()) {
                BY_CODE[k.code] = k;
            }
        }

        private final int code;

        Kind(int code) {
            this.code = code;
        }

        /** The code stored in capture files. */
        public int code() {
            return code;
        }

        /** The kind with this code, or null (a fact kind from a newer Vigil). */
        public static Kind of(int code) {
            return code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
        }
    }

    public HostFact {
        Objects.requireNonNull(kind, "kind");
        keyText = keyText == null ? "" : keyText;
        numbers = numbers == null ? NONE : numbers;
        strings = strings == null ? List.of() : List.copyOf(strings);
    }

    /** A fact with an answer. */
    static HostFact of(Kind kind, int pid, long key, String keyText, long[] numbers, List<String> strings) {
        return new HostFact(kind, pid, key, keyText, true, numbers, strings);
    }

    /** A fact saying the machine had no answer. */
    static HostFact absent(Kind kind, int pid, long key, String keyText) {
        return new HostFact(kind, pid, key, keyText, false, NONE, List.of());
    }

    long number(int i) {
        return i < numbers.length ? numbers[i] : 0;
    }

    String string(int i) {
        return i < strings.size() ? strings.get(i) : "";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HostFact f && kind == f.kind && pid == f.pid && key == f.key && present == f.present
                && keyText.equals(f.keyText) && Arrays.equals(numbers, f.numbers) && strings.equals(f.strings);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, pid, key, keyText, present, Arrays.hashCode(numbers), strings);
    }

    @Override
    public String toString() {
        return kind + "(pid " + pid + (key != 0 ? ", key " + key : "") + (keyText.isEmpty() ? "" : ", " + keyText) + ")"
                + (present ? " = " + Arrays.toString(numbers) + " " + strings : " absent");
    }
}
