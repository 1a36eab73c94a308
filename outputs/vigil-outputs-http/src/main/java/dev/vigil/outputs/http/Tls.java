package dev.vigil.outputs.http;

import dev.vigil.pipeline.ConfigException;
import dev.vigil.pipeline.OutputSettings;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The TLS settings shared by HTTP outputs and syslog: {@code checkcert} (default true; false
 * trusts any certificate and skips the host name check), {@code cacertfile} (PEM certificates
 * trusted besides the JDK's default ones), {@code clientcert} and {@code clientkey} (PEM
 * certificate chain and unencrypted PKCS#8 key for mutual TLS).
 */
final class Tls {
    static final Set<String> KEYS = Set.of("checkcert", "cacertfile", "clientcert", "clientkey");

    /** An SSL context and whether the peer's name is checked. */
    record Setup(SSLContext context, boolean verify) {}

    private Tls() {}

    static Setup setup(OutputSettings s) throws ConfigException {
        boolean verify = s.bool("checkcert", true);
        Path ca = s.path("cacertfile", false);
        Path cert = s.path("clientcert", false);
        Path key = s.path("clientkey", false);
        if ((cert == null) != (key == null)) {
            throw s.error(cert == null ? "clientcert" : "clientkey", "clientcert and clientkey go together");
        }
        try {
            TrustManager[] trust;
            if (!verify) {
                trust = new TrustManager[] {new TrustAll()};
            } else if (ca != null) {
                trust = withExtraCas(s, ca);
            } else {
                trust = null;
            }
            KeyManager[] keys = cert == null ? null : keyManagers(s, cert, key);
            if (trust == null && keys == null) {
                return new Setup(SSLContext.getDefault(), true);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(keys, trust, null);
            return new Setup(ctx, verify);
        } catch (GeneralSecurityException e) {
            throw new ConfigException("output '" + s.name() + "': cannot set up TLS: " + e.getMessage(), e);
        }
    }

    private static TrustManager[] withExtraCas(OutputSettings s, Path ca) throws ConfigException, GeneralSecurityException {
        TrustManagerFactory defaults = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        defaults.init((KeyStore) null);
        KeyStore store = KeyStore.getInstance("PKCS12");
        try {
            store.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
        int n = 0;
        for (TrustManager tm : defaults.getTrustManagers()) {
            if (tm instanceof X509TrustManager x) {
                for (X509Certificate c : x.getAcceptedIssuers()) {
                    store.setCertificateEntry("default-" + n++, c);
                }
            }
        }
        List<Certificate> extra = certificates(s, "cacertfile", ca);
        for (Certificate c : extra) {
            store.setCertificateEntry("extra-" + n++, c);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        return tmf.getTrustManagers();
    }

    private static KeyManager[] keyManagers(OutputSettings s, Path certFile, Path keyFile)
            throws ConfigException, GeneralSecurityException {
        List<Certificate> chain = certificates(s, "clientcert", certFile);
        PrivateKey key = privateKey(s, keyFile);
        KeyStore store = KeyStore.getInstance("PKCS12");
        char[] none = new char[0];
        try {
            store.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
        store.setKeyEntry("client", key, none, chain.toArray(Certificate[]::new));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, none);
        return kmf.getKeyManagers();
    }

    private static List<Certificate> certificates(OutputSettings s, String key, Path file) throws ConfigException {
        try (InputStream in = Files.newInputStream(file)) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty()) {
                throw s.error(key, file + " holds no PEM certificate");
            }
            return new ArrayList<>(certs);
        } catch (IOException e) {
            throw s.error(key, "cannot read " + file + ": " + e);
        } catch (GeneralSecurityException e) {
            throw s.error(key, file + " is not a PEM certificate file: " + e.getMessage());
        }
    }

    private static PrivateKey privateKey(OutputSettings s, Path file) throws ConfigException {
        String pem;
        try {
            pem = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw s.error("clientkey", "cannot read " + file + ": " + e);
        }
        String begin = "-----BEGIN PRIVATE KEY-----";
        int from = pem.indexOf(begin);
        int to = pem.indexOf("-----END PRIVATE KEY-----");
        if (from < 0 || to < from) {
            throw s.error("clientkey", file + " has no unencrypted PKCS#8 key ('" + begin
                    + "'); convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
        }
        byte[] der = Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to));
        for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // not this algorithm; try the next
            }
        }
        throw s.error("clientkey", file + " holds no RSA, EC or EdDSA key");
    }

    /** Accepts every certificate and, being an extended manager, also stands in for the host name check. */
    private static final class TrustAll extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
