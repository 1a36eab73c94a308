package dev.vigil.rules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.event.FieldCatalog;
import dev.vigil.event.IpAddress;
import dev.vigil.event.SnapshotEvent;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Operator semantics per value type (spec 2.2-2.6): each row is a one-rule file whose condition is
 * evaluated against one synthetic event holding the listed field values; fields not listed are
 * absent. Rows are grouped by topic. A second table holds conditions that must not compile.
 */
class OperatorSemanticsTest {
    private static final String SYSCALL = FieldCatalog.SYSCALL;
    private static final String K8S = FieldCatalog.K8S_AUDIT;
    private static final Map<String, RuleEngine.LoadResult> LOADS = new ConcurrentHashMap<>();

    private record Row(String source, String condition, boolean expected, Object[] fields) {}

    private static Arguments t(String condition, boolean expected, Object... fields) {
        return row(SYSCALL, condition, expected, fields);
    }

    private static Arguments k(String condition, boolean expected, Object... fields) {
        return row(K8S, condition, expected, fields);
    }

    private static Arguments row(String source, String condition, boolean expected, Object... fields) {
        StringBuilder name = new StringBuilder(condition).append(" with ");
        if (fields.length == 0) {
            name.append("no fields");
        }
        for (int i = 0; i < fields.length; i += 2) {
            Object v = fields[i + 1];
            name.append(i == 0 ? "" : ", ").append(fields[i]).append('=')
                    .append(v instanceof byte[] b ? "bytes" + Arrays.toString(b) : v instanceof String s ? "'" + s + "'" : v);
        }
        name.append(" -> ").append(expected);
        return Arguments.of(Named.of(name.toString(), new Row(source, condition, expected, fields)));
    }

    private static IpAddress ip(String s) {
        return IpAddress.parse(s).orElseThrow();
    }

    private static final byte[] HELLO = "hello world".getBytes(StandardCharsets.UTF_8);

    static Stream<Arguments> strings() {
        return Stream.of(
                t("proc.name = cat", true, "proc.name", "cat"),
                t("proc.name = cat", false, "proc.name", "Cat"),
                t("proc.name = cat", false, "proc.name", "cat "),
                t("proc.name == cat", true, "proc.name", "cat"),
                t("proc.name != cat", false, "proc.name", "cat"),
                t("proc.name != cat", true, "proc.name", "dog"),
                t("proc.name = \"\"", true, "proc.name", ""),
                // < <= > >= compare strings with strcmp (the literal must lex as a number)
                t("proc.name < 5", true, "proc.name", "4"),
                t("proc.name < 5", false, "proc.name", "abc"),
                t("proc.name > 5", true, "proc.name", "abc"),
                t("proc.name <= 5", true, "proc.name", "5"),
                t("proc.name >= 5", true, "proc.name", "5"),
                t("proc.name >= 5", false, "proc.name", "10"),
                t("proc.name contains cat", true, "proc.name", "concatenate"),
                t("proc.name contains cat", false, "proc.name", "CAT"),
                t("proc.name contains \"\"", true, "proc.name", "x"),
                t("proc.name icontains cat", true, "proc.name", "xCaTy"),
                t("proc.name icontains CAT", true, "proc.name", "cat"),
                t("proc.name icontains cat", false, "proc.name", "c-a-t"),
                t("proc.name startswith /us", true, "proc.name", "/usr/bin"),
                t("proc.name startswith /us", false, "proc.name", "x/usr"),
                t("proc.name endswith .so", true, "proc.name", "libc.so"),
                t("proc.name endswith .so", false, "proc.name", "libc.so.6"),
                t("proc.name in (cat, dog)", true, "proc.name", "dog"),
                t("proc.name in (cat, dog)", false, "proc.name", "cow"),
                t("proc.name in (\"a b\", c)", true, "proc.name", "a b"),
                t("proc.name in ()", false, "proc.name", "cat"),
                t("proc.name intersects (cat, dog)", true, "proc.name", "cat"),
                t("proc.name intersects (cat, dog)", false, "proc.name", "cow"),
                t("proc.name exists", true, "proc.name", "x"),
                t("proc.name exists", true, "proc.name", ""),
                // glob: fnmatch without flags, whole string, '*' and '?' cross '/'
                t("fd.name glob /tmp/*", true, "fd.name", "/tmp/a/b"),
                t("fd.name glob /tmp/*", false, "fd.name", "/tmpx"),
                t("fd.name glob /tmp", false, "fd.name", "/tmp/x"),
                t("fd.name glob /tmp/?.log", true, "fd.name", "/tmp/a.log"),
                t("fd.name glob /tmp/?.log", false, "fd.name", "/tmp/ab.log"),
                t("fd.name glob /tmp?x", true, "fd.name", "/tmp/x"),
                t("fd.name glob /tmp/[ab].log", true, "fd.name", "/tmp/b.log"),
                t("fd.name glob /tmp/[ab].log", false, "fd.name", "/tmp/c.log"),
                t("fd.name glob /tmp/[!ab].log", true, "fd.name", "/tmp/c.log"),
                t("fd.name glob /tmp/[a-c]x", true, "fd.name", "/tmp/bx"),
                t("fd.name glob \"/tmp/\\\\*\"", true, "fd.name", "/tmp/*"),
                t("fd.name glob \"/tmp/\\\\*\"", false, "fd.name", "/tmp/a"),
                t("fd.name glob *.conf", true, "fd.name", ".hidden.conf"),
                t("fd.name glob /TMP/*", false, "fd.name", "/tmp/a"),
                t("fd.name iglob /TMP/*.LOG", true, "fd.name", "/tmp/a.log"),
                t("fd.name iglob /tmp/[A-C]", true, "fd.name", "/TMP/b"),
                // regex: anchored at both ends
                t("proc.name regex \"c.t\"", true, "proc.name", "cat"),
                t("proc.name regex \"c.t\"", false, "proc.name", "cats"),
                t("proc.name regex \"c.t\"", false, "proc.name", "xcat"),
                t("proc.name regex \"ca|do\"", true, "proc.name", "do"),
                t("proc.name regex \"ca|do\"", false, "proc.name", "cat"),
                t("proc.name regex \"[0-9]+\"", true, "proc.name", "2024"),
                // what RE2 also has: escaped and bracketed specials, lazy repetition, named and non-capturing groups
                t("proc.name regex \"a\\\\++\"", true, "proc.name", "a++"),
                t("proc.name regex \"[+*]+x\"", true, "proc.name", "+*x"),
                t("proc.name regex \"[]a]+\"", true, "proc.name", "]a"),
                t("proc.name regex \"a+?b\"", true, "proc.name", "aab"),
                t("proc.name regex \"(?:ab){2}c\"", true, "proc.name", "ababc"),
                t("proc.name regex \"(?P<n>ab)c\"", true, "proc.name", "abc"),
                t("proc.name regex \"(?P<first_part>a)(?<n2>b)c\"", true, "proc.name", "abc"),
                t("proc.name regex \"[(?P<n>]+\"", true, "proc.name", "P<?"),
                // RE2 POSIX classes, and '[' / '&' as plain characters inside a class
                t("proc.name regex \"[[:alpha:]]+[[:digit:]_]\"", true, "proc.name", "abc_"),
                t("proc.name regex \"[[:alpha:]]+\"", false, "proc.name", "a:b"),
                t("proc.name regex \"[[:^space:]]+\"", true, "proc.name", "a:b"),
                t("proc.name regex \"[[:word:]]+\"", true, "proc.name", "a_1"),
                t("proc.name regex \"[a[b]+\"", true, "proc.name", "a[b"),
                t("proc.name regex \"[a-z&&[^b]]+\"", false, "proc.name", "abc"),
                t("proc.name regex \"[a&]+\"", true, "proc.name", "a&a"),
                t("proc.name regex \"\\\\Q(?=\\\\E.\"", true, "proc.name", "(?=x"),
                // RE2 octal codes (up to three digits; a single non-zero digit is a backreference)
                t("proc.name regex \"\\\\101b\"", true, "proc.name", "Ab"),
                t("proc.name regex \"x\\\\0y\"", true, "proc.name", "x\u0000y"),
                t("proc.name regex \"\\\\12\"", true, "proc.name", "\n"),
                // a brace that does not start a repetition is a plain character in RE2
                t("proc.name regex \"a{b\"", true, "proc.name", "a{b"),
                t("proc.name regex \"a{,2}\"", true, "proc.name", "a{,2}"),
                t("proc.name regex \"a\\\\{2}+\"", true, "proc.name", "a{2}}"),
                t("proc.name regex \"a{2}b\"", true, "proc.name", "aab"),
                t("proc.name regex \"(?i)CAT\"", true, "proc.name", "cat"),
                // as RE2: '.' stops only at a newline, (?i) folds beyond ASCII
                t("proc.name regex \"a.b\"", true, "proc.name", "a\rb"),
                t("proc.name regex \"a.b\"", false, "proc.name", "a\nb"),
                t("proc.name regex \"(?i)\u00e9t\u00e9\"", true, "proc.name", "\u00c9T\u00c9"),
                // escapes whose braces are theirs
                t("proc.name regex \"\\\\x{4a}\\\\x{1F600}\"", true, "proc.name", "J\uD83D\uDE00"),
                t("proc.name regex \"\\\\p{Greek}+\\\\P{Lu}\"", true, "proc.name", "\u03b1\u03b2x"),
                t("proc.name regex \"\\\\p{^Greek}\\\\p{L}\\\\pN\"", true, "proc.name", "xy1"),
                // pmatch: component-wise path prefixes
                t("fd.name pmatch (/var/run)", true, "fd.name", "/var/run"),
                t("fd.name pmatch (/var/run)", true, "fd.name", "/var/run/docker.sock"),
                t("fd.name pmatch (/var/run)", false, "fd.name", "/var/runner"),
                t("fd.name pmatch (/var/run)", false, "fd.name", "/var"),
                t("fd.name pmatch (/var/run)", true, "fd.name", "//var//run/"),
                t("fd.name pmatch (/var/run/)", true, "fd.name", "/var/run/x"),
                t("fd.name pmatch (/etc, /var/*/log)", true, "fd.name", "/var/app/log/x"),
                t("fd.name pmatch (/etc, /var/*/log)", false, "fd.name", "/var/app/logs"),
                t("fd.name pmatch (/etc, /var/*/log)", true, "fd.name", "/etc/passwd"));
    }

    static Stream<Arguments> numbers() {
        return Stream.of(
                t("evt.num = 5", true, "evt.num", 5L),
                t("evt.num = 5", false, "evt.num", 6L),
                t("evt.num == 5", true, "evt.num", 5L),
                t("evt.num != 5", true, "evt.num", 6L),
                t("evt.num != 5", false, "evt.num", 5L),
                t("evt.num < 5", true, "evt.num", 4L),
                t("evt.num < 5", false, "evt.num", 5L),
                t("evt.num <= 5", true, "evt.num", 5L),
                t("evt.num > 5", false, "evt.num", 5L),
                t("evt.num >= 5", true, "evt.num", 5L),
                t("evt.num = +7", true, "evt.num", 7L),
                t("evt.num in (1, 2, 3)", true, "evt.num", 2L),
                t("evt.num in (1, 2, 3)", false, "evt.num", 4L),
                t("evt.num intersects (2)", true, "evt.num", 2L),
                t("evt.num exists", true, "evt.num", 0L),
                // unsigned 64-bit compares as unsigned
                t("evt.num > 0", true, "evt.num", -1L),
                t("evt.num = 18446744073709551615", true, "evt.num", -1L),
                // signed 64-bit
                t("proc.pid < 0", true, "proc.pid", -1L),
                t("proc.pid = -1", true, "proc.pid", -1L),
                t("evt.rawres < 0", true, "evt.rawres", -2L),
                t("user.loginuid = -1", true, "user.loginuid", -1L),
                // -1 into an unsigned 32-bit field wraps to 4294967295
                t("user.uid = -1", true, "user.uid", 4294967295L),
                t("user.uid = 4294967295", true, "user.uid", 4294967295L),
                t("user.uid != -1", false, "user.uid", 4294967295L),
                t("user.uid > 1000", true, "user.uid", 4294967295L),
                t("user.uid in (0, 1000)", true, "user.uid", 0L),
                // ports: digits or service names
                t("fd.sport = 22", true, "fd.sport", 22L),
                t("fd.sport = ssh", true, "fd.sport", 22L),
                t("fd.sport in (http, 443)", true, "fd.sport", 80L),
                t("fd.sport > 1024", false, "fd.sport", 80L));
    }

    static Stream<Arguments> booleans() {
        return Stream.of(
                t("evt.is_open_read = true", true, "evt.is_open_read", true),
                t("evt.is_open_read = true", false, "evt.is_open_read", false),
                t("evt.is_open_read = false", true, "evt.is_open_read", false),
                t("evt.is_open_read != true", true, "evt.is_open_read", false),
                t("evt.is_open_read != true", false, "evt.is_open_read", true),
                t("evt.is_open_read in (true)", true, "evt.is_open_read", true),
                t("evt.is_open_read intersects (false)", false, "evt.is_open_read", true),
                t("evt.is_open_read = false", false),
                t("not evt.is_open_read = true", true));
    }

    static Stream<Arguments> addresses() {
        List<IpAddress> both = List.of(ip("10.0.0.1"), ip("127.0.0.1"));
        List<IpAddress> pair = List.of(ip("10.0.0.1"), ip("10.0.0.2"));
        return Stream.of(
                t("fd.sip = 10.0.0.1", true, "fd.sip", ip("10.0.0.1")),
                t("fd.sip = 10.0.0.1", false, "fd.sip", ip("10.0.0.2")),
                t("fd.sip != 10.0.0.1", true, "fd.sip", ip("10.0.0.2")),
                t("fd.sip in (10.0.0.1, 10.0.0.2)", true, "fd.sip", ip("10.0.0.2")),
                t("fd.sip in (10.0.0.1, 10.0.0.2)", false, "fd.sip", ip("10.0.0.3")),
                t("fd.sip = ::1", true, "fd.sip", ip("::1")),
                t("fd.sip = \"2001:db8::1\"", true, "fd.sip", ip("2001:db8:0:0:0:0:0:1")),
                t("fd.sip exists", true, "fd.sip", ip("10.0.0.1")),
                // networks: the field's address is tested for containment in the CIDR operand
                t("fd.snet = 10.0.0.0/8", true, "fd.snet", ip("10.1.2.3")),
                t("fd.snet = 10.0.0.0/8", false, "fd.snet", ip("11.0.0.1")),
                t("fd.snet != 10.0.0.0/8", true, "fd.snet", ip("11.0.0.1")),
                t("fd.snet != 10.0.0.0/8", false, "fd.snet", ip("10.0.0.1")),
                t("fd.snet in (192.168.0.0/16, 10.0.0.0/8)", true, "fd.snet", ip("10.9.9.9")),
                t("fd.snet in (192.168.0.0/16, 10.0.0.0/8)", false, "fd.snet", ip("172.16.0.1")),
                t("fd.snet = 10.1.2.3/32", true, "fd.snet", ip("10.1.2.3")),
                t("fd.snet = 0.0.0.0/0", true, "fd.snet", ip("8.8.8.8")),
                t("fd.cnet = \"2001:db8::/32\"", true, "fd.cnet", ip("2001:db8::5")),
                t("fd.cnet = \"2001:db8::/32\"", false, "fd.cnet", ip("10.0.0.1")),
                // either endpoint: = / in when one side matches, != only when neither does
                t("fd.net = 127.0.0.0/8", true, "fd.net", both),
                t("fd.net in (\"127.0.0.1/24\")", true, "fd.net", both),
                t("fd.net != 127.0.0.0/8", false, "fd.net", both),
                t("fd.net != 127.0.0.0/8", true, "fd.net", pair),
                t("fd.ip = 10.0.0.2", true, "fd.ip", pair),
                t("fd.ip = 10.0.0.9", false, "fd.ip", pair),
                t("fd.ip != 10.0.0.2", false, "fd.ip", pair),
                t("fd.ip != 10.0.0.9", true, "fd.ip", pair),
                t("fd.ip in (10.0.0.9, 10.0.0.1)", true, "fd.ip", pair),
                t("fd.port = 80", true, "fd.port", List.of(40000L, 80L)),
                t("fd.port != 80", false, "fd.port", List.of(40000L, 80L)),
                t("fd.port != 22", true, "fd.port", List.of(40000L, 80L)),
                t("fd.port != 80", true, "fd.port", List.of(8080L)),
                t("fd.port > 30000", true, "fd.port", List.of(40000L, 80L)),
                t("fd.port < 80", false, "fd.port", List.of(40000L, 80L)),
                t("fd.port in (22, 80)", true, "fd.port", List.of(40000L, 80L)),
                t("fd.port = 80", false),
                t("fd.port != 80", false),
                t("fd.ip != 10.0.0.1", false));
    }

    static Stream<Arguments> bytes() {
        return Stream.of(
                t("evt.buffer bcontains 6c6c6f20", true, "evt.buffer", HELLO),
                t("evt.buffer bcontains 6c6c6f21", false, "evt.buffer", HELLO),
                t("evt.buffer bcontains 00", true, "evt.buffer", new byte[] {1, 0, 2}),
                t("evt.buffer bcontains 0002", true, "evt.buffer", new byte[] {1, 0, 2}),
                t("evt.buffer bstartswith 68656c", true, "evt.buffer", HELLO),
                t("evt.buffer bstartswith 656c", false, "evt.buffer", HELLO),
                t("evt.buffer contains world", true, "evt.buffer", HELLO),
                t("evt.buffer startswith hello", true, "evt.buffer", HELLO),
                t("evt.buffer endswith world", true, "evt.buffer", HELLO),
                t("evt.buffer endswith hello", false, "evt.buffer", HELLO),
                t("evt.buffer = \"hello world\"", true, "evt.buffer", HELLO),
                t("evt.buffer != \"hello world\"", false, "evt.buffer", HELLO),
                t("evt.buffer in (abc, \"hello world\")", true, "evt.buffer", HELLO),
                t("evt.buffer bcontains 68", false));
    }

    static Stream<Arguments> listFields() {
        return Stream.of(
                k("ka.req.pod.containers.image in (nginx, apache)", true, "ka.req.pod.containers.image", List.of("nginx")),
                k("ka.req.pod.containers.image in (nginx, apache)", true, "ka.req.pod.containers.image", List.of("nginx", "apache")),
                k("ka.req.pod.containers.image in (nginx, apache)", false, "ka.req.pod.containers.image", List.of("nginx", "redis")),
                k("ka.req.pod.containers.image in (nginx, apache)", false, "ka.req.pod.containers.image", List.of()),
                k("ka.req.pod.containers.image intersects (nginx)", true, "ka.req.pod.containers.image", List.of("redis", "nginx")),
                k("ka.req.pod.containers.image intersects (nginx)", false, "ka.req.pod.containers.image", List.of("redis")),
                k("ka.req.pod.containers.image intersects (nginx)", false, "ka.req.pod.containers.image", List.of()),
                k("ka.req.pod.containers.privileged intersects (true)", true, "ka.req.pod.containers.privileged",
                        List.of("false", "true")),
                k("ka.req.pod.containers.privileged in (true)", false, "ka.req.pod.containers.privileged", List.of("false", "true")),
                k("ka.req.pod.containers.image exists", true, "ka.req.pod.containers.image", List.of("a")),
                k("ka.req.pod.containers.image exists", false, "ka.req.pod.containers.image", List.of()),
                k("ka.req.pod.containers.image exists", false),
                k("not ka.req.pod.containers.image in (nginx)", true),
                k("ka.req.pod.containers.image[1] = redis", true, "ka.req.pod.containers.image[1]", "redis"),
                k("ka.req.pod.containers.image[1] startswith re", true, "ka.req.pod.containers.image[1]", "redis"));
    }

    static Stream<Arguments> ancestors() {
        List<String> chain = List.of("bash", "sshd", "systemd");
        return Stream.of(
                t("proc.aname = sshd", true, "proc.aname", chain),
                t("proc.aname = cat", false, "proc.aname", chain),
                t("proc.aname != bash", true, "proc.aname", List.of("bash", "sshd")),
                t("proc.aname != bash", false, "proc.aname", List.of("bash")),
                t("proc.aname in (cron, sshd)", true, "proc.aname", chain),
                t("proc.aname in (cron, init)", false, "proc.aname", chain),
                t("proc.aname startswith sys", true, "proc.aname", chain),
                t("proc.aname contains ss", true, "proc.aname", chain),
                t("proc.aname exists", true, "proc.aname", chain),
                t("proc.aname = sshd", false, "proc.aname", List.of()),
                t("proc.aname = sshd", false),
                t("proc.aname[2] = sshd", true, "proc.aname[2]", "sshd"),
                t("proc.aname[2] = sshd", false, "proc.aname[2]", "bash"),
                t("proc.aname[0] = cat", true, "proc.aname[0]", "cat"),
                t("proc.apid = 1", true, "proc.apid", List.of(100L, 1L)),
                t("proc.apid > 1000", false, "proc.apid", List.of(100L, 1L)),
                t("proc.aexepath endswith /sshd", true, "proc.aexepath", List.of("/bin/bash", "/usr/sbin/sshd")));
    }

    static Stream<Arguments> absent() {
        return Stream.of(
                t("proc.name = cat", false),
                t("proc.name != cat", false),
                t("not proc.name = cat", true),
                t("not proc.name != cat", true),
                t("proc.name contains a", false),
                t("proc.name icontains a", false),
                t("proc.name startswith a", false),
                t("proc.name endswith a", false),
                t("proc.name in (a)", false),
                t("proc.name intersects (a)", false),
                t("proc.name glob *", false),
                t("proc.name iglob *", false),
                t("proc.name regex \".*\"", false),
                t("proc.name pmatch (/)", false),
                t("proc.name < 5", false),
                t("proc.name exists", false),
                t("not proc.name exists", true),
                t("evt.num != 1", false),
                t("evt.num < 1", false),
                t("evt.num >= 0", false),
                t("fd.sip != 1.2.3.4", false),
                t("fd.snet != 10.0.0.0/8", false),
                t("tolower(proc.name) = x", false),
                t("tolower(proc.name) != x", false),
                t("proc.name = val(proc.pname)", false, "proc.name", "x"),
                t("proc.name != val(proc.pname)", false, "proc.name", "x"),
                t("proc.pname != val(proc.name)", false, "proc.name", "x"),
                t("proc.name = anyof (a, b)", false),
                t("proc.name != allof (a, b)", false),
                // an absent field makes its check false; the rest of the expression still counts
                t("proc.name = cat or proc.pname = bash", true, "proc.pname", "bash"),
                t("proc.name != cat and proc.pname = bash", false, "proc.pname", "bash"));
    }

    static Stream<Arguments> transformers() {
        return Stream.of(
                t("tolower(proc.name) = cat", true, "proc.name", "CaT"),
                t("toupper(proc.name) = CAT", true, "proc.name", "cat"),
                t("toupper(proc.name) = cat", false, "proc.name", "cat"),
                t("b64(proc.name) = hello", true, "proc.name", "aGVsbG8="),
                t("basename(proc.exepath) = bash", true, "proc.exepath", "/usr/bin/bash"),
                t("basename(proc.exepath) = bash", true, "proc.exepath", "bash"),
                t("toupper(basename(proc.exepath)) = BASH", true, "proc.exepath", "/bin/bash"),
                t("len(proc.name) = 3", true, "proc.name", "cat"),
                t("len(proc.name) > 3", false, "proc.name", "cat"),
                t("len(proc.name) = 0", true, "proc.name", ""),
                t("tolower(proc.name) in (cat, dog)", true, "proc.name", "DOG"),
                t("tolower(proc.name) startswith ca", true, "proc.name", "CAT"),
                t("tolower(proc.name) exists", true, "proc.name", "CAT"),
                t("concat(proc.name, \"-\", proc.pname) = cat-bash", true, "proc.name", "cat", "proc.pname", "bash"),
                t("concat(proc.name, \"-\", proc.pname) = cat-bash", false, "proc.name", "cat"),
                k("len(ka.req.pod.containers.image) = 2", true, "ka.req.pod.containers.image", List.of("a", "b")),
                k("len(ka.req.pod.containers.image) = 0", true, "ka.req.pod.containers.image", List.of()),
                k("join(\",\", ka.req.pod.containers.image) = \"a,b\"", true, "ka.req.pod.containers.image", List.of("a", "b")),
                k("tolower(ka.req.pod.containers.image) intersects (nginx)", true, "ka.req.pod.containers.image",
                        List.of("NGINX", "REDIS")),
                k("tolower(ka.req.pod.containers.image) in (nginx)", false, "ka.req.pod.containers.image",
                        List.of("NGINX", "REDIS")),
                k("tolower(ka.req.pod.containers.image) in (nginx)", true, "ka.req.pod.containers.image",
                        List.of("NGINX", "Nginx")));
    }

    static Stream<Arguments> fieldToField() {
        return Stream.of(
                t("proc.pname = val(proc.name)", true, "proc.name", "bash", "proc.pname", "bash"),
                t("proc.pname = val(proc.name)", false, "proc.name", "cat", "proc.pname", "bash"),
                t("proc.pname != val(proc.name)", true, "proc.name", "cat", "proc.pname", "bash"),
                t("proc.pname startswith val(proc.name)", true, "proc.name", "ba", "proc.pname", "bash"),
                t("proc.pname contains val(proc.name)", false, "proc.name", "sh!", "proc.pname", "bash"),
                t("proc.pid = val(proc.ppid)", true, "proc.pid", 5L, "proc.ppid", 5L),
                t("proc.pid < val(proc.ppid)", true, "proc.pid", 4L, "proc.ppid", 5L),
                t("proc.pid > val(proc.ppid)", false, "proc.pid", 4L, "proc.ppid", 5L),
                t("proc.name = tolower(proc.pname)", true, "proc.name", "cat", "proc.pname", "CAT"),
                t("tolower(proc.name) = tolower(proc.pname)", true, "proc.name", "Cat", "proc.pname", "CAT"));
    }

    static Stream<Arguments> modifiers() {
        return Stream.of(
                t("proc.name startswith anyof (ca, do)", true, "proc.name", "cat"),
                t("proc.name startswith anyof (ca, do)", false, "proc.name", "cow"),
                t("proc.name contains allof (a, t)", true, "proc.name", "cat"),
                t("proc.name contains allof (a, t)", false, "proc.name", "car"),
                t("proc.name startswith oneof (c, ca)", false, "proc.name", "cat"),
                t("proc.name startswith oneof (c, d)", true, "proc.name", "cat"),
                t("proc.name = anyof (cat, dog)", true, "proc.name", "dog"),
                t("proc.name glob anyof (c*, d*)", true, "proc.name", "dog"),
                t("proc.name regex anyof (\"c.t\", \"d.g\")", true, "proc.name", "dog"),
                t("proc.name endswith allof (t)", true, "proc.name", "cat"),
                // the operator applies to each value as written, '!=' included
                t("proc.name != anyof (cat, dog)", true, "proc.name", "cat"),
                t("proc.name != allof (cat, dog)", false, "proc.name", "cat"),
                t("proc.name != allof (cat, dog)", true, "proc.name", "cow"),
                t("proc.name != oneof (cat, dog)", true, "proc.name", "cat"),
                t("proc.name != oneof (cat, dog)", false, "proc.name", "cow"),
                // the modifier word without a list is a literal value
                t("proc.name = oneof", true, "proc.name", "oneof"),
                t("proc.name = anyof and proc.pname = x", true, "proc.name", "anyof", "proc.pname", "x"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"strings", "numbers", "booleans", "addresses", "bytes", "listFields", "ancestors", "absent",
        "transformers", "fieldToField", "modifiers"})
    void evaluates(Row row) {
        RuleSet rules = ruleSet(row.source, row.condition);
        SnapshotEvent ev = row.source.equals(SYSCALL)
                ? Events.syscall(rules.slots(), "open", row.fields)
                : Events.k8sAudit(rules.slots(), row.fields);
        assertThat(rules.firstMatch(ev) != null).as("%s", row.condition).isEqualTo(row.expected);
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of(SYSCALL, "proc.name bcontains 00", "'bcontains' operator not supported for string filters"),
                Arguments.of(SYSCALL, "proc.name bstartswith 00", "'bstartswith' operator not supported for string filters"),
                Arguments.of(SYSCALL, "evt.num contains 1", "'contains' operator not supported"),
                Arguments.of(SYSCALL, "evt.num glob 1", "'glob' operator not supported"),
                Arguments.of(SYSCALL, "evt.num = abc", "abc is not a valid number"),
                Arguments.of(SYSCALL, "evt.num = 0x10", "0x10 is not a valid number"),
                Arguments.of(SYSCALL, "evt.num < 1.5", "1.5 is not a valid number"),
                Arguments.of(SYSCALL, "evt.num in (1, x)", "x is not a valid number"),
                Arguments.of(SYSCALL, "fd.sport = nosuchservice", "not a valid port number or service name"),
                Arguments.of(SYSCALL, "evt.is_open_read = yes", "unrecognized boolean value"),
                Arguments.of(SYSCALL, "evt.is_open_read = TRUE", "unrecognized boolean value"),
                Arguments.of(SYSCALL, "evt.is_open_read contains t", "operator not supported"),
                Arguments.of(SYSCALL, "fd.sip = 10.0.0", "unrecognized IP address"),
                Arguments.of(SYSCALL, "fd.sip startswith 10", "operator not supported"),
                Arguments.of(SYSCALL, "fd.snet = 10.0.0.1", "unrecognized IP network"),
                Arguments.of(SYSCALL, "fd.snet = 10.0.0.0/33", "unrecognized IP network"),
                Arguments.of(SYSCALL, "evt.buffer bcontains zz", "not a valid hex string"),
                Arguments.of(SYSCALL, "evt.buffer icontains x", "operator not supported"),
                Arguments.of(K8S, "ka.req.pod.containers.image = nginx", "'=' operator not supported for list filters"),
                Arguments.of(K8S, "ka.req.pod.containers.image contains x", "operator not supported for list filters"),
                Arguments.of(K8S, "ka.req.pod.containers.image pmatch (/x)", "operator not supported for list filters"),
                Arguments.of(SYSCALL, "proc.name regex \"(\"", "invalid regular expression"),
                // Java syntax RE2 refuses
                Arguments.of(SYSCALL, "proc.name regex \"(a)\\\\1\"", "invalid regular expression '(a)\\1': backreferences are not supported (RE2 syntax): \\1"),
                Arguments.of(SYSCALL, "proc.name regex \"(?<x>a)\\\\k<x>\"", "backreferences are not supported (RE2 syntax): \\k"),
                Arguments.of(SYSCALL, "proc.name regex \"a(?=b)b\"", "lookaround is not supported (RE2 syntax): (?="),
                Arguments.of(SYSCALL, "proc.name regex \"a(?!b).\"", "lookaround is not supported (RE2 syntax): (?!"),
                Arguments.of(SYSCALL, "proc.name regex \".(?<=a)\"", "lookaround is not supported (RE2 syntax): (?<="),
                Arguments.of(SYSCALL, "proc.name regex \".(?<!a)\"", "lookaround is not supported (RE2 syntax): (?<!"),
                Arguments.of(SYSCALL, "proc.name regex \"(?>ab)\"", "atomic groups are not supported (RE2 syntax): (?>"),
                Arguments.of(SYSCALL, "proc.name regex \"a*+\"", "possessive quantifiers are not supported (RE2 syntax): *+"),
                Arguments.of(SYSCALL, "proc.name regex \"a?+\"", "possessive quantifiers are not supported (RE2 syntax): ?+"),
                Arguments.of(SYSCALL, "proc.name regex \"a{2,3}+\"", "possessive quantifiers are not supported (RE2 syntax): }+"),
                Arguments.of(SYSCALL, "proc.name regex \"(a)\\\\8\"", "backreferences are not supported (RE2 syntax): \\8"),
                Arguments.of(SYSCALL, "proc.name regex \"(?U)a+\"", "the ungreedy flag is not supported: (?U"),
                Arguments.of(SYSCALL, "proc.name regex \"(?x)a\"", "invalid or unsupported Perl syntax: (?x"),
                Arguments.of(SYSCALL, "proc.name regex anyof (a, \"(x)\\\\1\")", "backreferences are not supported"),
                Arguments.of(SYSCALL, "proc.name regex \"[[:letters:]]\"", "invalid character class range: [:letters:]"),
                Arguments.of(SYSCALL, "tolower(proc.aname) = x", "does not support transformers"),
                Arguments.of(SYSCALL, "tolower(fd.ip) = x", "does not support transformers"),
                Arguments.of(SYSCALL, "tolower(evt.num) = x", "needs a string or bytes argument"),
                Arguments.of(SYSCALL, "proc.name = val(proc.pid)", "field types do not match"),
                Arguments.of(SYSCALL, "fd.name pmatch val(proc.cwd)", "does not accept a field"),
                Arguments.of(SYSCALL, "proc.name regex val(proc.pname)", "does not accept a field"),
                Arguments.of(SYSCALL, "proc.name = val(proc.aname)", "cannot be used as a right-hand side"),
                Arguments.of(SYSCALL, "proc.aname = val(proc.name)", "cannot be compared with another field"),
                Arguments.of(SYSCALL, "fd.snet = val(fd.sip)", "cannot be compared with another field"),
                Arguments.of(SYSCALL, "proc.nobody = x", "filter_check called with nonexistent field proc.nobody"),
                Arguments.of(SYSCALL, "evt.type = nosuchevent", "unknown event type nosuchevent"),
                Arguments.of(SYSCALL, "proc.aname[x] = a", "numeric argument"),
                Arguments.of(SYSCALL, "evt.arg = x", "requires an argument"),
                Arguments.of(SYSCALL, "proc.name[1] = x", "nonexistent field proc.name[1]"),
                Arguments.of(K8S, "proc.name = cat", "nonexistent field proc.name"));
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("invalid")
    void rejects(String source, String condition, String message) {
        RuleEngine.LoadResult r = load(source, condition);
        assertThat(r.successful()).isFalse();
        assertThat(r.errors()).singleElement().satisfies(p -> {
            assertThat(p.code()).isEqualTo(ProblemCode.LOAD_ERR_COMPILE_CONDITION);
            assertThat(p.itemType()).isEqualTo("rule");
            assertThat(p.itemName()).isEqualTo("r");
            assertThat(p.message()).contains(message);
        });
    }

    // ---------------------------------------------------------------------------------------------

    private static RuleEngine.LoadResult load(String source, String condition) {
        return LOADS.computeIfAbsent(source + "\n" + condition, key -> {
            String yaml = "- rule: r\n  desc: d\n  condition: |-\n    " + condition + "\n  output: o\n  priority: INFO\n  source: "
                    + source + "\n  warn_evttypes: false\n";
            return RuleEngine.load(List.of(new RuleText("ops.yaml", yaml)), RuleEngine.Options.defaults().withSuggestedOutput(false));
        });
    }

    private static RuleSet ruleSet(String source, String condition) {
        RuleEngine.LoadResult r = load(source, condition);
        assertThat(r.errors()).as("%s\n%s", condition, Fixtures.describe(r)).isEmpty();
        return r.ruleSet(RuleSelection.all());
    }
}
