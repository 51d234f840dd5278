package io.oncallapprover.policy;

/** What an access request asks for: {@code type} (e.g. "role"), the integration/service, the resource name. */
public record RequestedResource(String type, String service, String name) {
}
