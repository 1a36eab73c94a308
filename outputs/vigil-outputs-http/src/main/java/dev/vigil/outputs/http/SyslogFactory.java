package dev.vigil.outputs.http;

/** {@code syslog}: syslog RFC 5424 over UDP, TCP or TLS (octet counting), JSON or CEF messages. */
public final class SyslogFactory extends BaseFactory {
    public SyslogFactory() {
        super("syslog", "syslog RFC 5424 over UDP, TCP or TLS (octet counting), JSON or CEF messages",
                SyslogSink.KEYS,
                SyslogSink::create);
    }
}
