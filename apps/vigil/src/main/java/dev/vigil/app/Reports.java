package dev.vigil.app;

import dev.vigil.event.AlertJson;
import dev.vigil.rules.FileResult;
import dev.vigil.rules.Location;
import dev.vigil.rules.Problem;
import java.util.List;

/** Renders load results as text and JSON (Falco's result shape). */
final class Reports {
    private Reports() {}

    /** {@code file:line:col: error LOAD_ERR_X: message (rule 'name')}. */
    static String line(FileResult f, Problem p) {
        String where = p.position();
        if (where.isEmpty()) {
            where = f.name();
        }
        String item = p.itemName().isEmpty() ? p.itemType() : p.itemType() + " '" + p.itemName() + "'";
        return where + ": " + (p.isError() ? "error" : "warning") + " " + p.code() + ": " + p.message()
                + (item.isEmpty() ? "" : " (" + item + ")");
    }

    static String json(List<FileResult> files) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < files.size(); i++) {
            FileResult f = files.get(i);
            if (i > 0) {
                sb.append(',');
            }
            sb.append("{\"name\":");
            AlertJson.string(sb, f.name());
            sb.append(",\"successful\":").append(f.successful());
            sb.append(",\"errors\":");
            problems(sb, f.errors());
            sb.append(",\"warnings\":");
            problems(sb, f.warnings());
            sb.append('}');
        }
        return sb.append(']').toString();
    }

    private static void problems(StringBuilder sb, List<Problem> ps) {
        sb.append('[');
        for (int i = 0; i < ps.size(); i++) {
            Problem p = ps.get(i);
            if (i > 0) {
                sb.append(',');
            }
            sb.append("{\"code\":");
            AlertJson.string(sb, p.code().name());
            sb.append(",\"codedesc\":");
            AlertJson.string(sb, p.code().description());
            sb.append(",\"message\":");
            AlertJson.string(sb, p.message());
            sb.append(",\"item_type\":");
            AlertJson.string(sb, p.itemType());
            sb.append(",\"item_name\":");
            AlertJson.string(sb, p.itemName());
            sb.append(",\"position\":");
            AlertJson.string(sb, p.position());
            sb.append(",\"context\":{\"locations\":[");
            for (int j = 0; j < p.context().size(); j++) {
                Location l = p.context().get(j);
                if (j > 0) {
                    sb.append(',');
                }
                sb.append("{\"item_type\":");
                AlertJson.string(sb, l.itemType());
                sb.append(",\"item_name\":");
                AlertJson.string(sb, l.itemName());
                sb.append(",\"position\":{\"name\":");
                AlertJson.string(sb, l.positionName());
                sb.append(",\"line\":").append(l.line()).append(",\"column\":").append(l.column())
                        .append(",\"offset\":").append(l.offset()).append("}}");
            }
            sb.append("],\"snippet\":");
            AlertJson.string(sb, p.snippet());
            sb.append("}}");
        }
        sb.append(']');
    }
}
