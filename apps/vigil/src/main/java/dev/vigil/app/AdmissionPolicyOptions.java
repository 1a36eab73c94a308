package dev.vigil.app;

import dev.vigil.admission.AdmissionPolicy;
import dev.vigil.admission.Check;
import dev.vigil.admission.Mode;
import dev.vigil.admission.PolicyFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The checks, mode and exemptions of {@code vigil admission serve} and {@code vigil scan}: options over an optional policy file. */
final class AdmissionPolicyOptions {
    @Option(names = "--policy", paramLabel = "FILE", description = "A YAML policy file (mode, checks, exemptNamespaces, exemptImages, "
            + "exemptionKey); the options below override it. See docs/immutable-containers.md.")
    Path policyFile;

    @Option(names = "--mode", paramLabel = "MODE", description = "enforce (deny), warn (admission warnings) or audit (allow and alert). Default: enforce.")
    String mode;

    @Option(names = "--check", paramLabel = "CHECK[,CHECK...]", split = ",", description = "Run only these checks: readonly-root, privileged, "
            + "privilege-escalation, hostpath-writable. Default: all.")
    List<String> checks = new ArrayList<>();

    @Option(names = "--no-check", paramLabel = "CHECK", split = ",", description = "Switch a check off. Repeatable.")
    List<String> noChecks = new ArrayList<>();

    @Option(names = "--exempt-namespace", paramLabel = "NS", description = "Do not check this namespace (repeatable; replaces the default, kube-system).")
    List<String> exemptNamespaces = new ArrayList<>();

    @Option(names = "--exempt-image", paramLabel = "GLOB", description = "Do not check containers whose image matches (* and ?; repeatable), "
            + "e.g. 'registry.k8s.io/*'.")
    List<String> exemptImages = new ArrayList<>();

    @Option(names = "--exemption-label", paramLabel = "KEY", description = "The label or annotation that exempts a workload; its value must "
            + "give the reason. Default: " + AdmissionPolicy.DEFAULT_EXEMPTION_KEY + ".")
    String exemptionKey;

    @Spec(Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec mixee;

    /** The policy: the file's (or the defaults), then the options; mistakes are usage errors. */
    AdmissionPolicy policy() {
        AdmissionPolicy base = AdmissionPolicy.defaults();
        if (policyFile != null) {
            try {
                base = PolicyFile.load(policyFile);
            } catch (PolicyFile.PolicyFileException e) {
                throw usage(e.getMessage());
            }
        }
        Mode m = mode == null ? null : Mode.parse(mode).orElseThrow(() -> usage("--mode: unknown mode '" + mode + "' (enforce, warn, audit)"));
        if (exemptionKey != null && exemptionKey.isBlank()) {
            throw usage("--exemption-label must not be empty");
        }
        return new AdmissionPolicy.Overrides(m, checks(checks, "--check"), checks(noChecks, "--no-check"), exemptNamespaces, exemptImages,
                exemptionKey).applyTo(base);
    }

    private List<Check> checks(List<String> names, String option) {
        List<Check> out = new ArrayList<>();
        for (String n : names) {
            out.add(Check.parse(n).orElseThrow(() -> usage(option + ": unknown check '" + n + "' (" + Check.names() + ")")));
        }
        return out;
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(mixee.commandLine(), message);
    }
}
