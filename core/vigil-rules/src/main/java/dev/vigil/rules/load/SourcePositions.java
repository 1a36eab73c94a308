package dev.vigil.rules.load;

import dev.vigil.rules.Location;

/**
 * Maps an offset inside a condition or output back to the line and column of the rules file, so a
 * user is pointed at the exact character. Works for plain, quoted and block ({@code |}, {@code >})
 * scalars; the offset must fall in the part of the text that list substitution and exceptions left
 * unchanged, otherwise the start of the value is used.
 */
final class SourcePositions {
    private SourcePositions() {}

    /** A {@code condition position} location (0-based line and column), or null when unknown. */
    static Location locate(String content, Location value, String compiledText, int offset) {
        String[] lines = content.split("\n", -1);
        int line = value.line();
        int col = value.column();
        if (line < 0 || line >= lines.length || col > lines[line].length()) {
            return null;
        }
        String first = lines[line];
        char style = col < first.length() ? first.charAt(col) : ' ';
        String original = scalarText(lines, line, col, style);
        int stable = commonPrefix(original, compiledText);
        if (offset > stable) {
            return at(value, line, col, content);
        }
        if (style == '|' || style == '>') {
            int consumed = 0;
            Body last = null;
            for (Body b : blockBody(lines, line)) {
                if (b.text() == null) {
                    consumed += 1;
                    continue;
                }
                if (offset <= consumed + b.text().length()) {
                    return at(value, b.line(), b.indent() + (offset - consumed), content);
                }
                consumed += b.text().length() + 1;
                last = b;
            }
            return last != null ? at(value, last.line(), last.indent() + last.text().length(), content) : at(value, line, col, content);
        }
        int shift = (style == '"' || style == '\'') ? 1 : 0;
        return at(value, line, col + shift + offset, content);
    }

    private static Location at(Location value, int line, int col, String content) {
        return new Location("condition position", "", value.positionName(), line, col, 0);
    }

    /** The text a scalar holds, for the plain single-line and block cases (approximate for folding). */
    private static String scalarText(String[] lines, int line, int col, char style) {
        if (style == '|' || style == '>') {
            StringBuilder sb = new StringBuilder();
            for (Body b : blockBody(lines, line)) {
                sb.append(b.text() == null ? "\n" : b.text() + (style == '>' ? " " : "\n"));
            }
            return sb.toString();
        }
        String rest = lines[line].substring(col);
        if (style == '"' || style == '\'') {
            return rest.length() > 1 ? rest.substring(1) : "";
        }
        return rest;
    }

    /** One source line of a block scalar: its body without indentation, or null for a blank line. */
    private record Body(int line, int indent, String text) {}

    /** The lines of the block scalar whose indicator is on line {@code header}. */
    private static java.util.List<Body> blockBody(String[] lines, int header) {
        java.util.List<Body> out = new java.util.ArrayList<>();
        int indent = -1;
        for (int l = header + 1; l < lines.length; l++) {
            String src = lines[l];
            if (src.isBlank()) {
                out.add(new Body(l, Math.max(indent, 0), null));
                continue;
            }
            int lead = src.length() - src.stripLeading().length();
            if (indent < 0) {
                indent = lead;
            }
            if (lead < indent) {
                break;
            }
            out.add(new Body(l, indent, src.substring(indent)));
        }
        return out;
    }

    private static int commonPrefix(String a, String b) {
        int n = Math.min(a.length(), b.length());
        int i = 0;
        while (i < n && (a.charAt(i) == b.charAt(i) || Character.isWhitespace(a.charAt(i)) && Character.isWhitespace(b.charAt(i)))) {
            i++;
        }
        return i;
    }
}
