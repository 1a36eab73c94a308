package dev.vigil.app;

import dev.vigil.pipeline.ConfigException;
import dev.vigil.pipeline.OutputSettings;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The command-line form of an output: {@code TYPE[:key=value,key=value...]}, e.g.
 * {@code slack:webhookurl=https://hooks.slack.com/...,minimumpriority=warning}. A backslash
 * escapes a comma or an equals sign inside a value ({@code template={"a":1\,"b":2}}); lists inside
 * a value use {@code ;}. The output is named after {@code name=}, else after its type.
 */
final class OutputSpecs {
    private OutputSpecs() {}

    static OutputSettings parse(String spec) throws ConfigException {
        String origin = "--output " + spec;
        int colon = spec.indexOf(':');
        String type = (colon < 0 ? spec : spec.substring(0, colon)).trim();
        if (type.isEmpty() || !type.matches("[A-Za-z][A-Za-z0-9_-]*")) {
            throw new ConfigException("--output '" + spec + "': expected TYPE[:key=value,...], e.g. webhook:url=http://127.0.0.1:9000/");
        }
        Map<String, String> values = new LinkedHashMap<>();
        if (colon >= 0) {
            String rest = spec.substring(colon + 1);
            StringBuilder key = new StringBuilder();
            StringBuilder value = new StringBuilder();
            boolean inValue = false;
            for (int i = 0; i <= rest.length(); i++) {
                char c = i < rest.length() ? rest.charAt(i) : ',';
                if (c == '\\' && i + 1 < rest.length()) {
                    (inValue ? value : key).append(rest.charAt(++i));
                } else if (c == ',' && i <= rest.length()) {
                    if (key.length() > 0 || value.length() > 0 || inValue) {
                        String k = key.toString().trim();
                        if (!inValue || k.isEmpty()) {
                            throw new ConfigException("--output '" + spec + "': '" + key + "' is not key=value");
                        }
                        if (values.put(k, value.toString()) != null) {
                            throw new ConfigException("--output '" + spec + "': key '" + k + "' given twice");
                        }
                    }
                    key.setLength(0);
                    value.setLength(0);
                    inValue = false;
                } else if (c == '=' && !inValue) {
                    inValue = true;
                } else {
                    (inValue ? value : key).append(c);
                }
            }
        }
        String name = values.remove("name");
        return new OutputSettings(name == null || name.isBlank() ? type.toLowerCase(java.util.Locale.ROOT) : name.trim(), type,
                values, origin);
    }
}
