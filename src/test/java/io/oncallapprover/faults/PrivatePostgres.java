package io.oncallapprover.faults;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A private PostgreSQL for one test profile, on a free port, in a directory under /tmp, that a
 * test may stop and start again ({@link #stopServer}, {@link #startServer}); the shared server of
 * the other tests is never touched. Started before Quarkus; its URLs replace the datasource's.
 * As root, the server runs as the {@code postgres} user (PostgreSQL refuses to run as root).
 */
public class PrivatePostgres implements QuarkusTestResourceLifecycleManager {

    public static final String DATA_DIR = "faults.pg.data-dir";
    public static final String PORT = "faults.pg.port";

    private Path root;
    private String dataDir;
    private int port;

    @Override
    public Map<String, String> start() {
        try {
            port = freePort();
            root = Files.createTempDirectory("faults-pg-");
            dataDir = root.resolve("data").toString();
            if (asRoot()) {
                run(List.of("chown", "-R", "postgres:postgres", root.toString()));
            }
            run(command(bin("initdb"), "-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"));
            startServer(dataDir, port);
        } catch (IOException e) {
            throw new IllegalStateException("could not start a private PostgreSQL", e);
        }
        return Map.of(
                "quarkus.datasource.reactive.url", "postgresql://127.0.0.1:" + port + "/postgres",
                "quarkus.datasource.jdbc.url", "jdbc:postgresql://127.0.0.1:" + port + "/postgres",
                "quarkus.datasource.username", "postgres",
                "quarkus.datasource.password", "postgres",
                DATA_DIR, dataDir,
                PORT, String.valueOf(port));
    }

    @Override
    public void stop() {
        try {
            if (dataDir != null) {
                run(command(bin("pg_ctl"), "-D", dataDir, "stop", "-m", "immediate", "-w"), true);
            }
        } finally {
            deleteQuietly(root);
        }
    }

    /** Stops the server (fast shutdown: sessions are ended, as in a restart or fail-over). */
    public static void stopServer(String dataDir) {
        run(command(bin("pg_ctl"), "-D", dataDir, "stop", "-m", "fast", "-w"));
    }

    public static void startServer(String dataDir, int port) {
        String log = Path.of(dataDir).resolveSibling("postgres.log").toString();
        run(command(bin("pg_ctl"), "-D", dataDir, "-o", "-p " + port + " -k /tmp -c listen_addresses=127.0.0.1",
                "-l", log, "-w", "-t", "30", "start"));
    }

    // --- plumbing ---------------------------------------------------------------------------------

    private static boolean asRoot() {
        return "root".equals(System.getProperty("user.name"))
                && (Files.isExecutable(Path.of("/usr/sbin/runuser")) || Files.isExecutable(Path.of("/sbin/runuser")));
    }

    /** As root: the same command as the postgres user. */
    private static List<String> command(String... args) {
        List<String> command = new ArrayList<>();
        if (asRoot()) {
            command.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        command.addAll(List.of(args));
        return command;
    }

    /** The newest /usr/lib/postgresql/N/bin/{name}, else {name} on the PATH. */
    static String bin(String name) {
        Path versions = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(versions)) {
            try (Stream<Path> dirs = Files.list(versions)) {
                return dirs.map(d -> d.resolve("bin").resolve(name)).filter(Files::isExecutable)
                        .max(Comparator.comparingInt(p -> versionOf(p.getParent().getParent())))
                        .map(Path::toString).orElse(name);
            } catch (IOException e) {
                return name;
            }
        }
        return name;
    }

    private static int versionOf(Path dir) {
        try {
            return Integer.parseInt(dir.getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void run(List<String> command) {
        run(command, false);
    }

    private static void run(List<String> command, boolean quiet) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("timed out: " + command);
            }
            if (process.exitValue() != 0 && !quiet) {
                throw new IllegalStateException("failed (" + process.exitValue() + "): " + command + "\n" + output);
            }
        } catch (IOException e) {
            if (!quiet) {
                throw new IllegalStateException("could not run " + command, e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
