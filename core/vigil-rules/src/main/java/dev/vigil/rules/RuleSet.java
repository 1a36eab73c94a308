package dev.vigil.rules;

import dev.vigil.event.Event;
import dev.vigil.event.EventTypes;
import dev.vigil.event.FieldCatalog;
import dev.vigil.event.FieldSlots;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The rules that run, indexed for evaluation. Syscall rules are bucketed by event type so an event
 * is only tried against rules that can match its type; rules of other sources are bucketed by
 * source. Within a bucket rules keep their definition order. Immutable and thread-safe;
 * evaluation allocates nothing.
 */
public final class RuleSet {
    private static final CompiledRule[] NONE = new CompiledRule[0];

    private final List<CompiledRule> all;
    private final List<CompiledRule> running;
    private final FieldSlots slots;
    private final CompiledRule[][] byType;
    private final CompiledRule[] anyType;
    private final Map<String, CompiledRule[]> bySource;
    private final BitSet interestingTypes;

    RuleSet(List<CompiledRule> all, RuleSelection selection, FieldSlots slots) {
        this.all = List.copyOf(all);
        this.slots = slots;
        this.running = all.stream().filter(selection::runs).toList();
        int n = EventTypes.get().size();
        List<List<CompiledRule>> buckets = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            buckets.add(new ArrayList<>());
        }
        List<CompiledRule> any = new ArrayList<>();
        Map<String, List<CompiledRule>> src = new HashMap<>();
        BitSet interesting = new BitSet(n);
        for (CompiledRule r : running) {
            if (r.source().equals(FieldCatalog.SYSCALL)) {
                BitSet t = r.eventTypes();
                for (int i = t.nextSetBit(0); i >= 0; i = t.nextSetBit(i + 1)) {
                    buckets.get(i).add(r);
                }
                interesting.or(t);
                if (t.cardinality() == n) {
                    any.add(r);
                }
            } else {
                src.computeIfAbsent(r.source(), k -> new ArrayList<>()).add(r);
            }
        }
        this.byType = new CompiledRule[n][];
        for (int i = 0; i < n; i++) {
            byType[i] = buckets.get(i).isEmpty() ? NONE : buckets.get(i).toArray(CompiledRule[]::new);
        }
        this.anyType = any.toArray(CompiledRule[]::new);
        Map<String, CompiledRule[]> bs = new HashMap<>();
        src.forEach((k, v) -> bs.put(k, v.toArray(CompiledRule[]::new)));
        this.bySource = Map.copyOf(bs);
        this.interestingTypes = interesting;
    }

    /** Every compiled rule, enabled or not, in definition order. */
    public List<CompiledRule> rules() {
        return all;
    }

    /** The rules that run under the selection, in definition order. */
    public List<CompiledRule> runningRules() {
        return running;
    }

    /** The slot table events must be filled against. */
    public FieldSlots slots() {
        return slots;
    }

    /** The literal values running rules compare {@code field} (canonical spelling) with, e.g. domain names for {@code fd.sip.name}. */
    public java.util.Set<String> literalsComparedWith(String field) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        for (CompiledRule r : running) {
            java.util.Set<String> v = r.literals().get(field);
            if (v != null) {
                out.addAll(v);
            }
        }
        return out;
    }

    /** Codes of the event types some running syscall rule can match (what capture must deliver). */
    public BitSet interestingEventTypes() {
        return (BitSet) interestingTypes.clone();
    }

    private CompiledRule[] candidates(Event e) {
        String source = e.source();
        if (FieldCatalog.SYSCALL.equals(source)) {
            int code = e.typeCode();
            return code >= 0 && code < byType.length ? byType[code] : anyType;
        }
        CompiledRule[] r = bySource.get(source);
        return r == null ? NONE : r;
    }

    /** The first matching rule in definition order, or null. */
    public CompiledRule firstMatch(Event e) {
        for (CompiledRule r : candidates(e)) {
            if (r.filter().test(e)) {
                return r;
            }
        }
        return null;
    }

    /**
     * Evaluates an event and hands each matching rule to {@code sink}; with {@link RuleMatching#FIRST}
     * at most one. Returns the number of matches.
     */
    public int evaluate(Event e, RuleMatching matching, Consumer<CompiledRule> sink) {
        int matches = 0;
        for (CompiledRule r : candidates(e)) {
            if (r.filter().test(e)) {
                matches++;
                sink.accept(r);
                if (matching == RuleMatching.FIRST) {
                    break;
                }
            }
        }
        return matches;
    }
}
