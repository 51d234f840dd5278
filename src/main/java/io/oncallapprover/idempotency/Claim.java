package io.oncallapprover.idempotency;

/**
 * The lease of one attempt on a key: the key of an organization, this attempt's token, and the path
 * of its request (the {@code instance} of a problem it answers with).
 */
record Claim(String orgId, String key, String token, String path) {
}
