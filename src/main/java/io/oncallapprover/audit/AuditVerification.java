package io.oncallapprover.audit;

import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.oncallapprover.common.DatabasePoolCreator;
import io.oncallapprover.common.DatabaseFailures;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Recomputes an organization's audit chain (V15) from its first event, a page at a time in chain order,
 * and reports the first link that does not hold: a position skipped (an event deleted), a {@code prev_hash}
 * that is not the previous event's hash (an event deleted or changed before it, its hash rewritten), or
 * a hash its fields no longer give (the event changed). Each page is one query under the database read
 * deadline; no connection is held between pages, and a page's rows are the only ones in memory.
 */
@ApplicationScoped
public class AuditVerification {

    static final int PAGE = 500;

    @Inject
    Pool pool;

    @Inject
    DatabasePoolCreator.DatabaseConfig database;

    /** The first event whose link does not hold, and why. */
    public record BrokenLink(long id, long seq, Instant occurredAt, String reason) {
    }

    /** {@code events}: how many were checked (all of them when verified); {@code lastHash}: the head's hash, hex. */
    public record Result(boolean verified, long events, String lastHash, BrokenLink firstBrokenLink) {
    }

    private record Progress(long seq, byte[] hash, long events) {
    }

    public Uni<Result> verify(String orgId) {
        return from(orgId, new Progress(0, AuditChain.genesis(), 0));
    }

    private Uni<Result> from(String orgId, Progress progress) {
        return page(orgId, progress.seq()).flatMap(rows -> {
            Progress at = progress;
            for (Row row : rows) {
                BrokenLink broken = check(orgId, row, at);
                if (broken != null) {
                    return Uni.createFrom().item(new Result(false, at.events() + 1, null, broken));
                }
                at = new Progress(row.getLong("chain_seq"), bytes(row, "hash"), at.events() + 1);
            }
            if (rows.size() < PAGE) {
                return Uni.createFrom().item(new Result(true, at.events(),
                        at.events() == 0 ? null : HexFormat.of().formatHex(at.hash()), null));
            }
            return from(orgId, at);
        });
    }

    private Uni<RowSet<Row>> page(String orgId, long afterSeq) {
        return pool.preparedQuery("""
                select id, chain_seq, request_id, action, subject, detail, occurred_at, prev_hash, hash
                from audit_event where org_id = $1 and chain_seq > $2 order by chain_seq limit $3""")
                .execute(Tuple.of(orgId, afterSeq, PAGE))
                .ifNoItem().after(database.readTimeout())
                .failWith(() -> new DatabaseFailures.ReadTimeoutException(database.readTimeout()));
    }

    private static BrokenLink check(String orgId, Row row, Progress previous) {
        long id = row.getLong("id");
        long seq = row.getLong("chain_seq");
        Instant at = row.getOffsetDateTime("occurred_at").toInstant();
        if (seq != previous.seq() + 1) {
            return new BrokenLink(id, seq, at, previous.seq() == 0
                    ? "the organization's first events are missing: the trail starts at position " + seq
                    : "events are missing before it: position " + seq + " follows " + previous.seq());
        }
        if (!MessageDigest.isEqual(bytes(row, "prev_hash"), previous.hash())) {
            return new BrokenLink(id, seq, at, "its prev_hash is not the hash of the event before it");
        }
        byte[] expected = AuditChain.hash(previous.hash(), new AuditChain.Link(seq, orgId, row.getString("request_id"),
                row.getString("action"), row.getString("subject"), row.getString("detail"), at));
        if (!MessageDigest.isEqual(bytes(row, "hash"), expected)) {
            return new BrokenLink(id, seq, at, "its fields do not give its hash: it was changed after it was written");
        }
        return null;
    }

    private static byte[] bytes(Row row, String column) {
        return row.getBuffer(column).getBytes();
    }
}
