package dev.vigil.rules;

import java.util.List;
import java.util.Objects;

/**
 * An error or warning found while loading rules: a Falco code, a message, and the context (a stack
 * of locations, outermost first) with a snippet of the text around the innermost position.
 */
public record Problem(ProblemCode code, String message, List<Location> context, String snippet) {
    public Problem {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
        context = List.copyOf(context);
        snippet = snippet == null ? "" : snippet;
    }

    public boolean isError() {
        return code.isError();
    }

    /** The innermost location, or null when the problem has no context. */
    public Location where() {
        return context.isEmpty() ? null : context.get(context.size() - 1);
    }

    /** The type of the item the problem is about ({@code rule}, {@code exception}...), from the context. */
    public String itemType() {
        Location l = itemFrame();
        return l == null ? "" : l.itemType();
    }

    /** The name of the item the problem is about, from the context. */
    public String itemName() {
        Location l = itemFrame();
        return l == null ? "" : l.itemName();
    }

    private Location itemFrame() {
        for (int i = context.size() - 1; i >= 0; i--) {
            switch (context.get(i).itemType()) {
                case "rule", "macro", "list", "exception", "required_engine_version", "required plugin versions",
                        "rules content item", "rules content" -> {
                    return context.get(i);
                }
                default -> { }
            }
        }
        return null;
    }

    /** {@code file:line:column} of the innermost YAML position (1-based for people). */
    public String position() {
        for (int i = context.size() - 1; i >= 0; i--) {
            Location l = context.get(i);
            if (!l.itemType().equals("condition expression") && !l.itemType().equals("rule output expression")) {
                return l.positionName() + ":" + (l.line() + 1) + ":" + (l.column() + 1);
            }
        }
        return "";
    }

    /** Falco's multi-line rendering: the context stack, the snippet with a caret, the code and message. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < context.size(); i++) {
            Location l = context.get(i);
            String indent = i == 0 ? "" : "    ";
            String label = l.itemType().equals("rules content") ? "In rules content"
                    : l.itemName().isEmpty() ? l.itemType() : l.itemType() + " '" + l.itemName() + "'";
            sb.append(indent).append(label).append(": (").append(l.positionName()).append(':')
                    .append(l.line()).append(':').append(l.column()).append(")\n");
        }
        if (!snippet.isEmpty()) {
            sb.append("------\n").append(snippet);
            if (!snippet.endsWith("\n")) {
                sb.append('\n');
            }
            sb.append("------\n");
        }
        sb.append(code.name()).append(" (").append(code.description()).append("): ").append(message);
        return sb.toString();
    }
}
