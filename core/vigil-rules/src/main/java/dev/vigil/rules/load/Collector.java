package dev.vigil.rules.load;

import dev.vigil.event.Priority;
import dev.vigil.rules.Location;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Everything read from rules files so far, by name, with Falco's ordering rules: a redefinition
 * replaces an item but keeps its original position ({@code index}); every definition or append
 * stamps the item with a fresh {@code visibility} number, which decides which earlier lists and
 * macros it may reference. Not thread-safe; owned by one load.
 */
public final class Collector {
    final Map<String, ListItem> lists = new LinkedHashMap<>();
    final Map<String, MacroItem> macros = new LinkedHashMap<>();
    final Map<String, RuleItem> rules = new LinkedHashMap<>();
    final List<PluginRequirement> pluginRequirements = new ArrayList<>();
    /** The text of every file read, by name, to point errors at their exact place. */
    final Map<String, String> contents = new LinkedHashMap<>();
    private int counter;

    /** The plugin requirements declared so far. */
    public List<PluginRequirement> pluginRequirements() {
        return List.copyOf(pluginRequirements);
    }

    /** Lists (items joined by ", ") and macros (conditions) as finally defined. */
    public dev.vigil.rules.RuleEngine.Catalog catalog() {
        List<dev.vigil.rules.RuleEngine.NamedItem> ls = new ArrayList<>();
        for (ListItem l : lists.values()) {
            ls.add(new dev.vigil.rules.RuleEngine.NamedItem(l.name, String.join(", ", l.items)));
        }
        List<dev.vigil.rules.RuleEngine.NamedItem> ms = new ArrayList<>();
        for (MacroItem m : macros.values()) {
            ms.add(new dev.vigil.rules.RuleEngine.NamedItem(m.name, m.condition));
        }
        return new dev.vigil.rules.RuleEngine.Catalog(ls, ms);
    }

    int nextId() {
        return counter++;
    }

    /**
     * Falco's define: a new name takes the next position; a known name is replaced wholesale but
     * keeps its original position. Either way the item gets a fresh visibility stamp.
     */
    <T extends Item> void define(Map<String, T> items, T item) {
        int id = nextId();
        T prev = items.get(item.name);
        item.index = prev != null ? prev.index : id;
        item.visibility = id;
        items.put(item.name, item);
    }

    /** An append or override keeps the position and takes a fresh visibility stamp. */
    void touch(Item item) {
        item.visibility = nextId();
    }

    /** What every list, macro and rule has: a name, a position, a visibility stamp and a context. */
    abstract static class Item {
        String name;
        int index;
        int visibility;
        List<Location> ctx;
    }

    /** A plugin requirement with its alternatives, and the file that declared it. */
    public record PluginRequirement(String file, List<String[]> options, List<Location> ctx) {}

    static final class ListItem extends Item {
        List<String> items = new ArrayList<>();
    }

    static final class MacroItem extends Item {
        String condition;
        Location conditionLoc;
    }

    static final class ExceptionItem {
        String name;
        /** A field name (single-field form) or a list of names (tuple form); null when not given. */
        Object fields;
        /** An operator or a list of operators; null when not given. */
        Object comps;
        /** Each entry: a scalar string, or a list whose elements are strings or lists of strings. */
        List<Object> values = new ArrayList<>();
        List<Location> ctx;

        ExceptionItem copy() {
            ExceptionItem e = new ExceptionItem();
            e.name = name;
            e.fields = fields;
            e.comps = comps;
            e.values = new ArrayList<>(values);
            e.ctx = ctx;
            return e;
        }
    }

    static final class RuleItem extends Item {
        String condition;
        Location conditionLoc;
        String output;
        Location outputLoc;
        String desc;
        Priority priority;
        String source = "syscall";
        TreeSet<String> tags = new TreeSet<>();
        List<ExceptionItem> exceptions = new ArrayList<>();
        boolean enabled = true;
        boolean warnEvttypes = true;
        boolean skipIfUnknownFilter;
        boolean capture;
        long captureDuration;
        String file;
        boolean unknownSource;
    }
}
