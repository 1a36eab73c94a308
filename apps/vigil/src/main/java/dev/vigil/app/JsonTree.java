package dev.vigil.app;

import java.io.IOException;

/** Parses one JSON document into maps, lists, strings, numbers, booleans and nulls. */
final class JsonTree {
    private JsonTree() {}

    static Object parse(String text) throws IOException {
        return dev.vigil.admission.Json.parse(text);
    }
}
