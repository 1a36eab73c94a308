package dev.vigil.capture;

import dev.vigil.capture.ebpf.RawRecord;
import dev.vigil.capture.state.SyscallState;
import dev.vigil.event.EventTypes;

/**
 * Names each record as Falco names the event ({@code evt.type}) and finds its code in
 * {@link EventTypes}: exec records are {@code execve}/{@code execveat}, open records
 * {@code open}/{@code openat}/{@code openat2}/{@code creat} by syscall number, fork records
 * {@code clone} (or the syscall named by the number, when the probe reports one), exit records
 * {@code procexit}, and other syscalls (GENERIC and ENDPOINT records) their kernel name, with the {@code 64} suffix dropped where
 * libsinsp drops it ({@code pread64} is {@code pread}).
 */
final class TypeNames {
    private final SyscallState state;
    private final String[] nameByNr = new String[512];
    private final int[] codeByNr = new int[512];
    private final int nrExecveat;
    private final int codeExecve;
    private final int codeExecveat;
    private final int codeConnect;
    private final int codeProcexit;
    private final int codeClone;
    private final int codeOpenat;

    TypeNames(SyscallState state) {
        this.state = state;
        java.util.Arrays.fill(codeByNr, Integer.MIN_VALUE);
        EventTypes t = EventTypes.get();
        nrExecveat = state.syscallNumber("execveat");
        codeExecve = t.code("execve");
        codeExecveat = t.code("execveat");
        codeConnect = t.code("connect");
        codeProcexit = t.code("procexit");
        codeClone = t.code("clone");
        codeOpenat = t.code("openat");
    }

    void classify(LiveEvent e, RawRecord r) {
        switch (r.kind()) {
            case EXEC, EXEC_FAIL -> {
                boolean at = nrExecveat >= 0 && r.syscallNr() == nrExecveat;
                e.setType(at ? "execveat" : "execve", at ? codeExecveat : codeExecve, true);
            }
            case CONNECT -> e.setType("connect", codeConnect, true);
            case EXIT -> e.setType("procexit", codeProcexit, false);
            case OPEN -> {
                int nr = r.syscallNr();
                if (nr >= 0 && nr < nameByNr.length) {
                    String n = name(nr);
                    if (n != null && (n.startsWith("open") || n.equals("creat"))) {
                        e.setType(n, codeByNr[nr], true);
                        return;
                    }
                }
                e.setType("openat", codeOpenat, true);
            }
            case FORK -> {
                int nr = r.syscallNr();
                String n = nr >= 0 && nr < nameByNr.length ? name(nr) : null;
                if (n != null && (n.equals("fork") || n.equals("vfork") || n.equals("clone3") || n.equals("clone"))) {
                    e.setType(n, codeByNr[nr], true);
                } else {
                    e.setType("clone", codeClone, true);
                }
            }
            case GENERIC, ENDPOINT -> {
                int nr = r.syscallNr();
                if (nr >= 0 && nr < nameByNr.length) {
                    String n = name(nr);
                    if (n != null) {
                        e.setType(n, codeByNr[nr], true);
                        return;
                    }
                }
                e.setType(nr >= 0 ? "syscall_" + nr : "syscall", -1, true);
            }
        }
    }

    /** The Falco event name of syscall {@code nr} (cached with its code), or null. */
    private String name(int nr) {
        if (codeByNr[nr] != Integer.MIN_VALUE) {
            return nameByNr[nr];
        }
        String k = state.syscallName(nr);
        String n = k;
        int code = -1;
        if (k != null) {
            EventTypes t = EventTypes.get();
            code = t.code(k);
            if (code < 0 && k.endsWith("64") && t.code(k.substring(0, k.length() - 2)) >= 0) {
                n = k.substring(0, k.length() - 2);
                code = t.code(n);
            }
        }
        nameByNr[nr] = n;
        codeByNr[nr] = code;
        return n;
    }
}
