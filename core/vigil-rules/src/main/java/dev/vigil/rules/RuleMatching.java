package dev.vigil.rules;

/** Whether evaluation stops at the first matching rule (Falco's default) or reports every match. */
public enum RuleMatching {
    FIRST,
    ALL
}
