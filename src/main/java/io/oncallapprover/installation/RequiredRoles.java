package io.oncallapprover.installation;

import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * The incident.io roles an installation's API key must hold (PRODUCT §3.1). Only organization-wide
 * {@code roles} count: {@code team_roles} are limited to some teams' resources.
 */
public final class RequiredRoles {

    /** A permission the service needs, and the incident.io roles that grant it. */
    public record Requirement(String role, String purpose, Set<String> grantedBy) {
    }

    public static final List<Requirement> ALL = List.of(
            new Requirement("viewer", "viewing data", Set.of("viewer")),
            new Requirement("incident_creator", "creating incidents", Set.of("incident_creator")),
            new Requirement("incident_editor", "editing incidents", Set.of("incident_editor")),
            new Requirement("manage_settings", "managing organization settings", Set.of("manage_settings")),
            new Requirement("catalog_viewer", "viewing catalog", Set.of("catalog_viewer", "catalog_editor")),
            new Requirement("schedules_reader", "reading schedules", Set.of("schedules_reader", "schedules_editor")));

    private RequiredRoles() {
    }

    /** The requirements none of whose granting roles the key holds; unknown roles are simply ignored. */
    public static List<Requirement> missing(Collection<String> roles) {
        Set<String> held = roles == null ? Set.of() : Set.copyOf(roles.stream().filter(r -> r != null).toList());
        return ALL.stream().filter(req -> req.grantedBy().stream().noneMatch(held::contains)).toList();
    }
}
