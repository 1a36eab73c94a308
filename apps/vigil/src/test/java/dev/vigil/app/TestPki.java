package dev.vigil.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Test certificates made by keytool in a directory: CAs {@code ca} and {@code otherca}, a server
 * certificate for 127.0.0.1/localhost ({@code server.key}, {@code server-chain.pem}), a client
 * {@code client} signed by ca and a {@code rogue} client signed by otherca.
 */
final class TestPki {
    private static final String KEYTOOL = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/keytool";
    private static final char[] PASS = "changeit".toCharArray();

    private final Path pki;

    private TestPki(Path dir) {
        this.pki = dir;
    }

    Path dir() {
        return pki;
    }

    static TestPki create(Path dir) throws Exception {
        TestPki t = new TestPki(dir);
        t.make();
        return t;
    }

    private void make() throws Exception {
        Path kt = Path.of(System.getProperty("vigil.keytool", KEYTOOL));
        if (!Files.isExecutable(kt)) {
            kt = Path.of(System.getProperty("java.home"), "bin", "keytool");
        }
        assertThat(kt).as("keytool (needed to make the test certificates)").isExecutable();
        for (String ca : List.of("ca", "otherca")) {
            keytool(kt, "-genkeypair", "-keystore", ca + ".p12", "-alias", ca, "-dname", "CN=" + ca, "-ext", "bc:c");
            keytool(kt, "-exportcert", "-rfc", "-keystore", ca + ".p12", "-alias", ca, "-file", ca + ".pem");
        }
        leaf(kt, "server", "ca", "CN=localhost", "-ext", "san=ip:127.0.0.1,dns:localhost", "-ext", "eku=serverAuth");
        leaf(kt, "client", "ca", "CN=kube-apiserver", "-ext", "eku=clientAuth");
        leaf(kt, "rogue", "otherca", "CN=kube-apiserver", "-ext", "eku=clientAuth");
        // what an operator hands to --tls-key / --tls-cert: PKCS#8 PEM key, leaf-first chain
        Files.writeString(pki.resolve("server.key"), pem("PRIVATE KEY", key("server").getEncoded()));
        Files.writeString(pki.resolve("server-chain.pem"), Files.readString(pki.resolve("server.crt")) + Files.readString(pki.resolve("ca.pem")));
    }

    private void leaf(Path kt, String name, String ca, String dname, String... ext) throws Exception {
        keytool(kt, "-genkeypair", "-keystore", name + ".p12", "-alias", name, "-dname", dname);
        keytool(kt, "-certreq", "-keystore", name + ".p12", "-alias", name, "-file", name + ".csr");
        List<String> g = new ArrayList<>(List.of("-gencert", "-rfc", "-keystore", ca + ".p12", "-alias", ca, "-infile", name + ".csr",
                "-outfile", name + ".crt"));
        g.addAll(List.of(ext));
        keytool(kt, g.toArray(String[]::new));
    }

    private void keytool(Path kt, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(kt.toString()));
        cmd.addAll(List.of(args));
        if (!List.of(args).contains("-exportcert")) {
            cmd.addAll(List.of("-validity", "2"));
        }
        if (args[0].equals("-genkeypair")) {
            cmd.addAll(List.of("-keyalg", "EC", "-groupname", "secp256r1", "-storetype", "PKCS12"));
        }
        cmd.addAll(List.of("-storepass", new String(PASS)));
        Process p = new ProcessBuilder(cmd).directory(pki.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("keytool finished").isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + "\n" + output).isZero();
    }

    PrivateKey key(String name) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(pki.resolve(name + ".p12"))) {
            ks.load(in, PASS);
        }
        return (PrivateKey) ks.getKey(name, PASS);
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    Certificate cert(String file) throws Exception {
        return CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(Files.readAllBytes(pki.resolve(file))));
    }

    /** An HTTPS client trusting the test CA, presenting {@code clientCert} (signed by {@code clientCa}) when not null. */
    HttpClient client(String clientCert, String clientCa) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", cert("ca.pem"));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (clientCert != null) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("client", key(clientCert), PASS, new Certificate[] {cert(clientCert + ".crt"), cert(clientCa + ".pem")});
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, PASS);
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(ctx).connectTimeout(Duration.ofSeconds(20)).build();
    }
}
