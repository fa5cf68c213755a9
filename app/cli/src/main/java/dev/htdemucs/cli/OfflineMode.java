package dev.htdemucs.cli;

/**
 * Nothing in this product may open a network connection. DJL calls home when its engine loads
 * unless offline mode is set before any DJL class loads, so the CLI sets it first thing.
 */
final class OfflineMode {
    private OfflineMode() {}

    static void enable() {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
    }
}
