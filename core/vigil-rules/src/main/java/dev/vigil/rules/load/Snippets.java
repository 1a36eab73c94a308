package dev.vigil.rules.load;

import dev.vigil.rules.Location;
import java.util.List;

/** The line of text around a position, capped at 160 characters, with a caret under the column. */
final class Snippets {
    private static final int MAX = 160;

    private Snippets() {}

    static String yaml(String content, List<Location> ctx) {
        if (ctx.isEmpty()) {
            return "";
        }
        Location l = ctx.get(ctx.size() - 1);
        return around(content, l.line(), l.column());
    }

    /** {@code line} and {@code column} are 0-based. */
    static String around(String text, int line, int column) {
        String[] lines = text.split("\n", -1);
        if (line < 0 || line >= lines.length) {
            return "";
        }
        String l = lines[line];
        int col = Math.max(0, column);
        int start = 0;
        if (l.length() > MAX) {
            start = Math.max(0, Math.min(col - MAX / 2, l.length() - MAX));
            l = (start > 0 ? "..." : "") + l.substring(start, Math.min(l.length(), start + MAX)) + (start + MAX < lines[line].length() ? "..." : "");
            col = col - start + (start > 0 ? 3 : 0);
        }
        return l + "\n" + " ".repeat(Math.max(0, col)) + "^";
    }
}
