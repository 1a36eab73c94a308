package dev.vigil.admission;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * What is checked and what is let through: the mode, the checks switched on, exempt namespaces and
 * image patterns, and the label/annotation key whose (non-empty) value exempts a workload and says why.
 */
public record AdmissionPolicy(Mode mode, Set<Check> checks, List<String> exemptNamespaces, List<String> exemptImages, String exemptionKey) {
    public static final String DEFAULT_EXEMPTION_KEY = "vigil.dev/mutable-root";
    public static final List<String> DEFAULT_EXEMPT_NAMESPACES = List.of("kube-system");

    public AdmissionPolicy {
        checks = checks.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(checks));
        exemptNamespaces = List.copyOf(exemptNamespaces);
        exemptImages = List.copyOf(exemptImages);
        if (exemptionKey == null || exemptionKey.isBlank()) {
            throw new IllegalArgumentException("the exemption label key must not be empty");
        }
    }

    /** Enforce every check, kube-system exempt, exemptions by {@value #DEFAULT_EXEMPTION_KEY}. */
    public static AdmissionPolicy defaults() {
        return new AdmissionPolicy(Mode.ENFORCE, EnumSet.allOf(Check.class), DEFAULT_EXEMPT_NAMESPACES, List.of(), DEFAULT_EXEMPTION_KEY);
    }

    /** The checks in their declared order. */
    public List<Check> orderedChecks() {
        List<Check> l = new ArrayList<>(checks);
        l.sort(null);
        return l;
    }

    /**
     * Settings that override a base policy (from a file or the defaults); a null or empty field leaves the
     * base as it is. {@code onlyChecks} replaces the checks, {@code withoutChecks} then removes some;
     * namespaces and images given here replace the base lists.
     */
    public record Overrides(Mode mode, List<Check> onlyChecks, List<Check> withoutChecks, List<String> exemptNamespaces,
            List<String> exemptImages, String exemptionKey) {
        public AdmissionPolicy applyTo(AdmissionPolicy base) {
            Set<Check> checks = EnumSet.noneOf(Check.class);
            checks.addAll(onlyChecks == null || onlyChecks.isEmpty() ? base.checks() : onlyChecks);
            if (withoutChecks != null) {
                withoutChecks.forEach(checks::remove);
            }
            return new AdmissionPolicy(mode == null ? base.mode() : mode, checks,
                    exemptNamespaces == null || exemptNamespaces.isEmpty() ? base.exemptNamespaces() : exemptNamespaces,
                    exemptImages == null || exemptImages.isEmpty() ? base.exemptImages() : exemptImages,
                    exemptionKey == null ? base.exemptionKey() : exemptionKey);
        }
    }
}
