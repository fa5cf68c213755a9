package dev.htdemucs.pytorch.djl;

import java.io.IOException;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URL;
import java.net.URLConnection;
import java.net.URLStreamHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Records and refuses every attempt of this JVM to open a network URL, for tests that prove DJL stays offline.
 *
 * <p>All of DJL's network I/O (its EC2-metadata phone-home and its downloads) goes through
 * {@link URL#openConnection}; the phone-home passes {@link Proxy#NO_PROXY}, so a {@link ProxySelector}
 * alone would never see it. The trap therefore installs a JVM-wide {@link java.net.URLStreamHandlerFactory}
 * whose handlers for network protocols record the URL and throw before any socket exists, and also a
 * recording default ProxySelector for code that does consult it. {@code file:} and {@code jar:} URLs (class
 * path resources) are left to the JDK. Installed once per JVM; the JDK allows one factory only.
 */
final class NetworkTrap {
    private static final Set<String> NETWORK_PROTOCOLS = Set.of("http", "https", "ftp");
    private static final List<String> ATTEMPTS = new ArrayList<>();
    private static boolean installed;

    private NetworkTrap() {
    }

    static synchronized void install() {
        if (installed) {
            return;
        }
        try {
            URL.setURLStreamHandlerFactory(protocol ->
                    NETWORK_PROTOCOLS.contains(protocol.toLowerCase(Locale.ROOT)) ? new RefusingHandler() : null);
        } catch (Error e) {
            throw new IllegalStateException("cannot install the network trap: another URLStreamHandlerFactory is set", e);
        }
        ProxySelector.setDefault(new RecordingProxySelector());
        installed = true;
    }

    static List<String> attempts() {
        synchronized (ATTEMPTS) {
            return List.copyOf(ATTEMPTS);
        }
    }

    static void clear() {
        synchronized (ATTEMPTS) {
            ATTEMPTS.clear();
        }
    }

    private static void record(String attempt) {
        synchronized (ATTEMPTS) {
            ATTEMPTS.add(attempt);
        }
    }

    private static final class RefusingHandler extends URLStreamHandler {
        @Override protected URLConnection openConnection(URL u) throws IOException {
            return refuse(u, null);
        }

        @Override protected URLConnection openConnection(URL u, Proxy p) throws IOException {
            return refuse(u, p);
        }

        private static URLConnection refuse(URL u, Proxy p) throws IOException {
            record("openConnection " + u + (p == null ? "" : " via " + p));
            throw new IOException("network access refused by NetworkTrap: " + u);
        }
    }

    private static final class RecordingProxySelector extends ProxySelector {
        @Override public List<Proxy> select(URI uri) {
            record("ProxySelector.select " + uri);
            return List.of(Proxy.NO_PROXY);
        }

        @Override public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
            record("ProxySelector.connectFailed " + uri);
        }
    }
}
