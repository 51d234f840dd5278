package io.oncallapprover.migration;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationVersion;

import io.oncallapprover.faults.PrivatePostgres;

/**
 * What the migration tests share: the migration files, Flyway configured as the service configures it
 * ({@code quarkus.flyway.*} of application.properties that Flyway's Java API has too), and a private
 * PostgreSQL (roles are cluster-wide: the shared server's are never touched).
 */
final class Migrations {

    static final Path DIRECTORY = Path.of("src/main/resources/db/migration");

    private static final Pattern VERSIONED = Pattern.compile("V(\\d+)__.+\\.sql");

    private Migrations() {
    }

    /** The versioned migration files, by version. */
    static List<Path> files() {
        try (Stream<Path> files = Files.list(DIRECTORY)) {
            return files.filter(f -> VERSIONED.matcher(f.getFileName().toString()).matches())
                    .sorted(Comparator.comparingInt(Migrations::version)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int version(Path file) {
        Matcher m = VERSIONED.matcher(file.getFileName().toString());
        if (!m.matches()) {
            throw new IllegalArgumentException(file + " is not a versioned migration");
        }
        return Integer.parseInt(m.group(1));
    }

    /** A property of application.properties (no profile), as written. */
    static String property(String name) {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(Path.of("src/main/resources/application.properties"))) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties.getProperty(name);
    }

    /** Flyway on {@code url} as {@code user}, with the service's init SQL, up to {@code target} (null: the latest). */
    static Flyway flyway(String url, String user, Integer target) {
        var config = Flyway.configure().dataSource(url, user, "").locations("filesystem:" + DIRECTORY)
                .initSql(property("quarkus.flyway.init-sql"));
        if (target != null) {
            config.target(MigrationVersion.fromVersion(String.valueOf(target)));
        }
        return config.load();
    }

    /** A private PostgreSQL cluster for one test class. */
    static final class Cluster implements AutoCloseable {

        private final PrivatePostgres server = new PrivatePostgres();
        private final int port;

        Cluster() {
            Map<String, String> started = server.start();
            port = Integer.parseInt(started.get(PrivatePostgres.PORT));
        }

        String url(String database) {
            return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
        }

        Connection connect(String database, String user) throws SQLException {
            return DriverManager.getConnection(url(database), user, "");
        }

        /** A new empty database, owned by {@code postgres}. */
        String createDatabase(String name) throws SQLException {
            try (Connection c = connect("postgres", "postgres")) {
                c.createStatement().execute("drop database if exists " + name);
                c.createStatement().execute("create database " + name);
            }
            return name;
        }

        @Override
        public void close() {
            server.stop();
        }
    }
}
