package dev.vigil.admission;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The immutability checks applied to every container of a pod spec; each can be switched off. */
public enum Check {
    /** {@code securityContext.readOnlyRootFilesystem: true} on every container. */
    READONLY_ROOT("readonly-root", "VIGIL001", "Mutable root filesystem",
            "Every container must set securityContext.readOnlyRootFilesystem: true, so nothing can be written to or dropped into the image's filesystem."),
    /** No {@code securityContext.privileged: true}. */
    PRIVILEGED("privileged", "VIGIL002", "Privileged container",
            "A privileged container can remount the root filesystem read-write and reach the host; leave securityContext.privileged unset or false."),
    /** {@code securityContext.allowPrivilegeEscalation: false} on every container. */
    PRIVILEGE_ESCALATION("privilege-escalation", "VIGIL003", "Privilege escalation allowed",
            "Every container must set securityContext.allowPrivilegeEscalation: false, so setuid binaries cannot gain the rights to undo the read-only root."),
    /** No hostPath volume mounted writable. */
    HOSTPATH_WRITABLE("hostpath-writable", "VIGIL004", "Writable hostPath mount",
            "hostPath volumes must be mounted with readOnly: true: a writable host directory is a way around an immutable container.");

    private final String id;
    private final String ruleId;
    private final String title;
    private final String help;

    Check(String id, String ruleId, String title, String help) {
        this.id = id;
        this.ruleId = ruleId;
        this.title = title;
        this.help = help;
    }

    /** The name used on the command line and in policy files, e.g. {@code readonly-root}. */
    public String id() {
        return id;
    }

    /** The stable rule id of SARIF reports. */
    public String ruleId() {
        return ruleId;
    }

    public String title() {
        return title;
    }

    public String help() {
        return help;
    }

    /** The check named {@code name} (case-insensitive). */
    public static Optional<Check> parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(c -> c.id.equals(n)).findFirst();
    }

    /** "readonly-root, privileged, ..." for messages. */
    public static String names() {
        return String.join(", ", Arrays.stream(values()).map(Check::id).toList());
    }
}
