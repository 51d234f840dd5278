import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.sun.net.httpserver.HttpServer;

/**
 * A stand-in for the approval backend in the dev walk-through: receives pushed events, checks each one's
 * signature (Standard Webhooks, as incident.io signs its own) and prints one line per event. Answers 204 to a
 * verified event, 401 otherwise. JDK only:
 *
 *   java dev/EventReceiver.java 8099 whsec_...      # port, and the secret POST /event-destinations showed
 */
public class EventReceiver {

    public static void main(String[] args) throws IOException {
        if (args.length != 2 || !args[1].startsWith("whsec_")) {
            System.err.println("usage: java dev/EventReceiver.java <port> <whsec_ secret>");
            System.exit(2);
        }
        byte[] key = Base64.getDecoder().decode(args[1].substring("whsec_".length()));
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])), 0);
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String id = exchange.getRequestHeaders().getFirst("webhook-id");
            String timestamp = exchange.getRequestHeaders().getFirst("webhook-timestamp");
            String signatures = exchange.getRequestHeaders().getFirst("webhook-signature");
            boolean verified = id != null && timestamp != null && signatures != null
                    && Math.abs(System.currentTimeMillis() / 1000 - Long.parseLong(timestamp)) <= 300
                    && matches(key, id, timestamp, body, signatures);
            String json = new String(body, StandardCharsets.UTF_8);
            System.out.println((verified ? "verified " : "REFUSED (bad signature) ") + eventType(json)
                    + " request=" + field(json, "requestId") + " status=" + field(json, "status")
                    + (field(json, "endedReason").isEmpty() ? "" : " endedReason=" + field(json, "endedReason")));
            exchange.sendResponseHeaders(verified ? 204 : 401, -1);
            exchange.close();
        });
        server.start();
        System.out.println("receiving events on http://127.0.0.1:" + args[0] + "/");
    }

    private static boolean matches(byte[] key, String id, String timestamp, byte[] body, String signatures) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
            byte[] expected = mac.doFinal(body);
            boolean matched = false;
            for (String entry : signatures.trim().split(" +")) {
                if (entry.startsWith("v1,")) {
                    matched |= MessageDigest.isEqual(expected, Base64.getDecoder().decode(entry.substring(3)));
                }
            }
            return matched;
        } catch (Exception e) {
            return false;
        }
    }

    /** The event's type (the request's resource has a "type" too). */
    private static String eventType(String json) {
        Matcher m = Pattern.compile("\"type\"\\s*:\\s*\"(access_request\\.[a-z_]+)\"").matcher(json);
        return m.find() ? m.group(1) : "";
    }

    /** The first string value of {@code name} in the JSON (enough for printing; a real backend parses it). */
    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(json);
        return m.find() ? m.group(1) : "";
    }
}
