package dev.vigil.outputs.http;

import dev.vigil.pipeline.ConfigException;
import dev.vigil.pipeline.OutputSettings;
import dev.vigil.pipeline.SendResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.zip.GZIPOutputStream;

/**
 * One HTTP client per sink (HTTP/1.1) with what all HTTP outputs share: {@code timeout} for
 * connecting and for each request (default 10s), the TLS keys of {@link Tls}, extra headers from
 * {@code headers.*} and Falcosidekick's {@code customheaders}, {@code User-Agent: Vigil}, and the
 * mapping of responses and transport errors to {@link SendResult}.
 */
final class HttpTransport {
    /** The keys every HTTP output reads through this class. */
    static final Set<String> KEYS;

    static {
        Set<String> k = new HashSet<>(Tls.KEYS);
        k.add("headers");
        k.add("customheaders");
        KEYS = Set.copyOf(k);
    }

    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    private static final Set<String> NOT_SETTABLE = Set.of("host", "connection", "content-length", "expect", "upgrade");

    /** A response: status, headers and body. */
    record Response(int status, HttpHeaders headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final HttpClient client;
    private final Duration timeout;
    private final Map<String, String> headers;

    private HttpTransport(HttpClient client, Duration timeout, Map<String, String> headers) {
        this.client = client;
        this.timeout = timeout;
        this.headers = headers;
    }

    static HttpTransport create(OutputSettings s) throws ConfigException {
        Duration timeout = timeout(s);
        Tls.Setup tls = Tls.setup(s);
        Map<String, String> headers = new LinkedHashMap<>(s.map("customheaders"));
        headers.putAll(s.map("headers"));
        for (String h : headers.keySet()) {
            if (NOT_SETTABLE.contains(h.toLowerCase(Locale.ROOT)) || h.isBlank() || !h.chars().allMatch(c -> c > 32 && c < 127 && c != ':')) {
                throw s.error("headers", "'" + h + "' cannot be set as a header");
            }
        }
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .sslContext(tls.context())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        return new HttpTransport(client, timeout, Map.copyOf(headers));
    }

    /** The {@code timeout} key: connect and request timeout, default 10s. */
    static Duration timeout(OutputSettings s) throws ConfigException {
        Duration t = s.duration("timeout", DEFAULT_TIMEOUT);
        if (t.isZero()) {
            throw s.error("timeout", "must be more than 0");
        }
        return t;
    }

    /** The {@code Authorization} value of HTTP basic authentication. */
    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** {@code base} with {@code path} appended to its path (a proxy prefix is kept). */
    static URI append(URI base, String path) {
        String p = base.getRawPath() == null ? "" : base.getRawPath();
        if (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        String add = path.startsWith("/") ? path : "/" + path;
        try {
            return new URI(base.getScheme(), base.getRawAuthority(), null, null, null).resolve(p + add);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** An http(s) URL given in a list key such as {@code hostport=a;b}. */
    static URI url(OutputSettings s, String key, String value) throws ConfigException {
        try {
            URI u = new URI(value.trim());
            if (u.getScheme() == null || !u.getScheme().toLowerCase(Locale.ROOT).matches("https?") || u.getHost() == null) {
                throw s.error(key, "'" + value + "' is not an http:// or https:// URL");
            }
            return u;
        } catch (URISyntaxException e) {
            throw s.error(key, "'" + value + "' is not a URL: " + e.getReason());
        }
    }

    /**
     * Sends one request; {@code extra} headers (such as authentication) come after the defaults and
     * before the user's headers, so a user header replaces either.
     */
    Response exchange(String method, URI uri, String contentType, byte[] body, Map<String, String> extra, boolean gzip)
            throws IOException, InterruptedException {
        return request(method, uri, contentType, gzip ? gzip(body, body.length) : body, extra, gzip);
    }

    /**
     * {@link #exchange} of the first {@code length} bytes of {@code body}, a buffer the caller reuses:
     * they are copied first, since the client may still read a body after a timeout has ended the call.
     */
    Response exchange(String method, URI uri, String contentType, byte[] body, int length, Map<String, String> extra, boolean gzip)
            throws IOException, InterruptedException {
        return request(method, uri, contentType, gzip ? gzip(body, length) : java.util.Arrays.copyOf(body, length), extra, gzip);
    }

    private Response request(String method, URI uri, String contentType, byte[] payload, Map<String, String> extra, boolean gzip)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .method(method, HttpRequest.BodyPublishers.ofByteArray(payload))
                .setHeader("User-Agent", "Vigil")
                .setHeader("Content-Type", contentType);
        if (gzip) {
            b.setHeader("Content-Encoding", "gzip");
        }
        extra.forEach(b::setHeader);
        headers.forEach(b::setHeader);
        HttpResponse<byte[]> r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Response(r.statusCode(), r.headers(), r.body());
    }

    /** Turns a response into an outcome. */
    interface Reader {
        SendResult read(Response r);
    }

    /** {@link #exchange} classified by status; transport errors are retried. */
    SendResult send(String method, URI uri, String contentType, byte[] body, Map<String, String> extra, boolean gzip)
            throws InterruptedException {
        return send(method, uri, contentType, body, extra, gzip, HttpTransport::classify);
    }

    /** {@link #exchange} judged by {@code reader}; transport errors are retried. */
    SendResult send(String method, URI uri, String contentType, byte[] body, Map<String, String> extra, boolean gzip, Reader reader)
            throws InterruptedException {
        return send(method, uri, contentType, body, body.length, extra, gzip, reader);
    }

    /** {@link #send(String, URI, String, byte[], Map, boolean, Reader)} of the first {@code length} bytes of {@code body}. */
    SendResult send(String method, URI uri, String contentType, byte[] body, int length, Map<String, String> extra, boolean gzip,
            Reader reader) throws InterruptedException {
        try {
            return reader.read(exchange(method, uri, contentType, body, length, extra, gzip));
        } catch (IOException e) {
            return failure(uri, e);
        }
    }

    /** 2xx delivered, 408/425/429/5xx retried (after {@code Retry-After} when given), other codes rejected. */
    static SendResult classify(Response r) {
        SendResult s = SendResult.ofHttpStatus(r.status(), r.text());
        if (!s.allDelivered() && (r.status() == 429 || r.status() == 503)) {
            Duration after = retryAfter(r.headers());
            if (after != null) {
                return SendResult.retry(s.reason(0), after);
            }
        }
        return s;
    }

    /** A transport error or timeout: worth another try. */
    static SendResult failure(URI uri, IOException e) {
        if (e instanceof HttpTimeoutException) {
            return SendResult.retry(uri.getHost() + ":" + port(uri) + ": " + e.getMessage());
        }
        return SendResult.retry(uri.getHost() + ":" + port(uri) + ": " + describe(e));
    }

    /** The class and the messages along the cause chain (connection errors often have no message). */
    static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder(e.getClass().getSimpleName());
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && sb.indexOf(t.getMessage()) < 0) {
                sb.append(": ").append(t.getMessage());
            }
            if (t != e && t.getMessage() == null) {
                sb.append(": ").append(t.getClass().getSimpleName());
            }
        }
        return sb.toString();
    }

    private static int port(URI u) {
        return u.getPort() >= 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    private static Duration retryAfter(HttpHeaders h) {
        Optional<String> v = h.firstValue("Retry-After");
        if (v.isEmpty()) {
            return null;
        }
        String t = v.get().trim();
        try {
            long secs = Long.parseLong(t);
            return secs < 0 ? null : Duration.ofSeconds(secs);
        } catch (NumberFormatException e) {
            try {
                Duration d = Duration.between(ZonedDateTime.now(), ZonedDateTime.parse(t, DateTimeFormatter.RFC_1123_DATE_TIME));
                return d.isNegative() ? Duration.ZERO : d;
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
    }

    private static byte[] gzip(byte[] body, int length) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(length / 4 + 64);
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(body, 0, length);
        }
        return out.toByteArray();
    }

    void close() {
        client.close();
    }
}
