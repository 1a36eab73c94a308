package dev.vigil.rules;

import dev.vigil.event.Priority;
import dev.vigil.rules.filter.Filter;
import dev.vigil.rules.output.OutputFormat;
import java.util.BitSet;
import java.util.List;
import java.util.Set;

/**
 * A rule ready to run: its compiled condition, output format and event-type set, plus what users
 * see in listings. Immutable.
 *
 * @param order the rule's position (first definition across all files); evaluation follows it
 * @param eventTypes codes of the event types it can match (syscall rules), or null for other sources
 * @param expandedCondition the condition with lists, macros and exceptions resolved, in canonical form
 * @param literals the literal values each field (canonical spelling) is compared with in the condition
 */
public record CompiledRule(
        int order,
        String name,
        String description,
        Priority priority,
        String source,
        List<String> tags,
        boolean enabled,
        String output,
        Filter filter,
        OutputFormat outputFormat,
        BitSet eventTypes,
        String expandedCondition,
        Set<String> exceptionFields,
        boolean capture,
        long captureDurationMillis,
        java.util.Map<String, Set<String>> literals) {
    public CompiledRule {
        tags = List.copyOf(tags);
        exceptionFields = Set.copyOf(exceptionFields);
        literals = java.util.Map.copyOf(literals);
    }
}
