package io.oncallapprover.audit;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;

/**
 * The hash of an audit event in its organization's chain, exactly as migration V15's
 * {@code audit_event_hash} computes it in the database: SHA-256 over {@code "oncall-audit-v1"}, the
 * previous event's hash, the event's position (8 bytes, big-endian), then each text field (absent: one
 * 0 byte; present: a 1 byte, its UTF-8 length in 4 bytes big-endian, its UTF-8 bytes) and the instant in
 * microseconds since the epoch (8 bytes). Length prefixes make the encoding unambiguous: no two events
 * encode alike, whatever their fields hold.
 */
public final class AuditChain {

    private static final int HASH_BYTES = 32;

    private static final byte[] DOMAIN = "oncall-audit-v1".getBytes(StandardCharsets.UTF_8);

    private AuditChain() {
    }

    /** What the first event of an organization links to: 32 zero bytes (a new array each time). */
    public static byte[] genesis() {
        return new byte[HASH_BYTES];
    }

    /** The fields of an event the hash covers (its id does not: the chain orders by {@code seq}). */
    public record Link(long seq, String orgId, String requestId, String action, String subject, String detail,
            Instant occurredAt) {
    }

    public static byte[] hash(byte[] prev, Link event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.writeBytes(DOMAIN);
        out.writeBytes(prev);
        out.writeBytes(ByteBuffer.allocate(8).putLong(event.seq()).array());
        text(out, event.orgId());
        text(out, event.requestId());
        text(out, event.action());
        text(out, event.subject());
        text(out, event.detail());
        out.writeBytes(ByteBuffer.allocate(8).putLong(micros(event.occurredAt())).array());
        return sha256(out.toByteArray());
    }

    /** Microseconds since the epoch, as PostgreSQL keeps a timestamp (the service writes whole microseconds). */
    static long micros(Instant at) {
        return Math.addExact(Math.multiplyExact(at.getEpochSecond(), 1_000_000L), at.getNano() / 1_000);
    }

    private static void text(ByteArrayOutputStream out, String value) {
        if (value == null) {
            out.write(0);
            return;
        }
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        out.write(1);
        out.writeBytes(ByteBuffer.allocate(4).putInt(bytes.length).array());
        out.writeBytes(bytes);
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
