package io.oncallapprover.testsupport;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A TCP proxy in front of the test PostgreSQL that counts the statements the service sends: every
 * simple query ({@code Q}) and every execution of an extended-protocol statement ({@code E}) of the
 * PostgreSQL wire protocol. The service's reactive datasource goes through it; so "this call issued
 * no SQL" is a number read off the wire, not a guess.
 * <p>
 * The count is published as a system property (a decimal string: other code reads the system
 * properties as strings), because Quarkus loads test resources and tests in different class loaders.
 */
public class StatementCountingProxy implements QuarkusTestResourceLifecycleManager {

    private static final String COUNTER = "oncall.test.sql-statements";
    private static final String LAST_COMMIT = "oncall.test.sql-last-commit";

    private ServerSocket server;

    private static final AtomicLong COUNT = new AtomicLong();

    /** Statements sent to PostgreSQL through the proxy so far. */
    public static long statements() {
        return Long.parseLong(System.getProperty(COUNTER, "0"));
    }

    /** The count of statements at the last {@code COMMIT} sent (itself included): what was sent since is after it. */
    public static long lastCommit() {
        return Long.parseLong(System.getProperty(LAST_COMMIT, "0"));
    }

    private static void count(boolean commit) {
        synchronized (COUNT) {
            long count = COUNT.incrementAndGet();
            System.setProperty(COUNTER, Long.toString(count));
            if (commit) {
                System.setProperty(LAST_COMMIT, Long.toString(count));
            }
        }
    }

    @Override
    public Map<String, String> start() {
        URI target = URI.create(System.getenv().getOrDefault("TEST_DB_URL", "postgresql://127.0.0.1:5432/test"));
        try {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Thread acceptor = new Thread(() -> accept(target.getHost(), target.getPort() < 0 ? 5432 : target.getPort()),
                "sql-counting-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
        return Map.of("quarkus.datasource.reactive.url",
                "postgresql://127.0.0.1:" + server.getLocalPort() + target.getPath());
    }

    private void accept(String host, int port) {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(host, port);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                daemon(() -> countAndForward(client, upstream));
                daemon(() -> forward(upstream, client));
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void daemon(Runnable task) {
        Thread thread = new Thread(task, "sql-counting-proxy-pipe");
        thread.setDaemon(true);
        thread.start();
    }

    /** Client to server: parses message boundaries and counts Q and E messages while forwarding them. */
    private static void countAndForward(Socket client, Socket upstream) {
        try (client; upstream) {
            DataInputStream in = new DataInputStream(client.getInputStream());
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(upstream.getOutputStream()));
            // Untyped start-up messages: an SSL or GSS request (answered by the server) may precede the start-up.
            while (true) {
                int length = in.readInt();
                int code = in.readInt();
                out.writeInt(length);
                out.writeInt(code);
                out.write(in.readNBytes(length - 8));
                out.flush();
                if (code != 80877103 && code != 80877104) {
                    break;
                }
            }
            while (true) {
                int type = in.read();
                if (type < 0) {
                    return;
                }
                int length = in.readInt();
                byte[] body = in.readNBytes(length - 4);
                if (type == 'Q' || type == 'E') {
                    // A transaction ends with the simple query COMMIT (the reactive client sends it so).
                    count(type == 'Q' && new String(body, java.nio.charset.StandardCharsets.US_ASCII).trim()
                            .replace("\0", "").equalsIgnoreCase("COMMIT"));
                }
                out.write(type);
                out.writeInt(length);
                out.write(body);
                if (in.available() == 0) {
                    out.flush();
                }
            }
        } catch (IOException e) {
            // connection closed
        }
    }

    private static void forward(Socket from, Socket to) {
        try (from; to) {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            in.transferTo(out);
        } catch (IOException e) {
            // connection closed
        }
    }

    @Override
    public void stop() {
        try {
            server.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
