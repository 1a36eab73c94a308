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
            int indent = -1;
            int consumed = 0;
            int lastLine = -1;
            int lastEnd = 0;
            for (int l = line + 1; l < lines.length; l++) {
                String src = lines[l];
                if (src.isBlank()) {
                    consumed += 1;
                    continue;
                }
                int lead = src.length() - src.stripLeading().length();
                if (indent < 0) {
                    indent = lead;
                }
                if (lead < indent) {
                    break;
                }
                String body = src.substring(indent);
                if (offset <= consumed + body.length()) {
                    return at(value, l, indent + (offset - consumed), content);
                }
                consumed += body.length() + 1;
                lastLine = l;
                lastEnd = src.length();
            }
            return lastLine >= 0 ? at(value, lastLine, lastEnd, content) : at(value, line, col, content);
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
            int indent = -1;
            for (int l = line + 1; l < lines.length; l++) {
                String src = lines[l];
                if (src.isBlank()) {
                    sb.append('\n');
                    continue;
                }
                int lead = src.length() - src.stripLeading().length();
                if (indent < 0) {
                    indent = lead;
                }
                if (lead < indent) {
                    break;
                }
                sb.append(src.substring(indent)).append(style == '>' ? ' ' : '\n');
            }
            return sb.toString();
        }
        String rest = lines[line].substring(col);
        if (style == '"' || style == '\'') {
            return rest.length() > 1 ? rest.substring(1) : "";
        }
        return rest;
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
