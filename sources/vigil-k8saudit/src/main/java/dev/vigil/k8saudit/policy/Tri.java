package dev.vigil.k8saudit.policy;

/** Three-valued truth for reasoning about partly known requests. */
enum Tri {
    NO,
    MAYBE,
    YES;

    static Tri of(boolean b) {
        return b ? YES : NO;
    }

    Tri and(Tri o) {
        return this == NO || o == NO ? NO : this == YES && o == YES ? YES : MAYBE;
    }

    Tri or(Tri o) {
        return this == YES || o == YES ? YES : this == NO && o == NO ? NO : MAYBE;
    }

    Tri not() {
        return this == YES ? NO : this == NO ? YES : MAYBE;
    }
}
