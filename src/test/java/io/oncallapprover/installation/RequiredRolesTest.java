package io.oncallapprover.installation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.oncallapprover.installation.RequiredRoles.Requirement;

class RequiredRolesTest {

    private static final List<String> ALL_SIX = List.of("viewer", "incident_creator", "incident_editor",
            "manage_settings", "catalog_viewer", "schedules_reader");

    private static List<String> missingRoles(List<String> held) {
        return RequiredRoles.missing(held).stream().map(Requirement::role).toList();
    }

    @Test
    void allSixPresentMeansNoneMissing() {
        assertThat(RequiredRoles.missing(ALL_SIX)).isEmpty();
    }

    @Test
    void thereAreExactlySixRequirements() {
        assertThat(RequiredRoles.ALL).extracting(Requirement::role).containsExactlyElementsOf(ALL_SIX);
    }

    @Test
    void eachRoleAloneIsReportedMissingWhenAbsent() {
        for (String role : ALL_SIX) {
            List<String> held = new ArrayList<>(ALL_SIX);
            held.remove(role);

            assertThat(missingRoles(held)).as("without %s", role).containsExactly(role);
        }
    }

    @Test
    void catalogEditorSatisfiesCatalogViewer() {
        List<String> held = List.of("viewer", "incident_creator", "incident_editor", "manage_settings", "catalog_editor",
                "schedules_reader");

        assertThat(RequiredRoles.missing(held)).isEmpty();
    }

    @Test
    void schedulesEditorSatisfiesSchedulesReader() {
        List<String> held = List.of("viewer", "incident_creator", "incident_editor", "manage_settings", "catalog_viewer",
                "schedules_editor");

        assertThat(RequiredRoles.missing(held)).isEmpty();
    }

    @Test
    void editorRolesDoNotSatisfyUnrelatedRequirements() {
        assertThat(missingRoles(List.of("catalog_editor", "schedules_editor")))
                .containsExactly("viewer", "incident_creator", "incident_editor", "manage_settings");
    }

    @Test
    void emptyRolesMissAllSix() {
        assertThat(missingRoles(List.of())).containsExactlyElementsOf(ALL_SIX);
    }

    @Test
    void nullRolesMissAllSix() {
        assertThat(missingRoles(null)).containsExactlyElementsOf(ALL_SIX);
    }

    @Test
    void nullElementsAreIgnored() {
        List<String> held = new ArrayList<>(ALL_SIX);
        held.add(null);

        assertThat(RequiredRoles.missing(held)).isEmpty();
        assertThat(missingRoles(Arrays.asList(null, "viewer"))).doesNotContain("viewer").hasSize(5);
    }

    @Test
    void unknownExtraRolesAreIgnored() {
        List<String> held = new ArrayList<>(ALL_SIX);
        held.addAll(List.of("owner", "admin", "something_new"));

        assertThat(RequiredRoles.missing(held)).isEmpty();
        assertThat(missingRoles(List.of("owner", "admin"))).containsExactlyElementsOf(ALL_SIX);
    }

    @Test
    void rolesAreMatchedExactly() {
        assertThat(missingRoles(List.of("Viewer", "viewer ", "schedules_reader_x"))).contains("viewer", "schedules_reader");
    }

    @Test
    void missingListNamesTheRoleAndItsPurpose() {
        List<Requirement> missing = RequiredRoles.missing(List.of("viewer", "incident_creator", "incident_editor",
                "manage_settings", "catalog_viewer"));

        assertThat(missing).singleElement().satisfies(req -> {
            assertThat(req.role()).isEqualTo("schedules_reader");
            assertThat(req.purpose()).isEqualTo("reading schedules");
            assertThat(req.grantedBy()).containsExactlyInAnyOrder("schedules_reader", "schedules_editor");
        });
    }

    @Test
    void everyRequirementHasAPurposeAndIsGrantedByItself() {
        assertThat(RequiredRoles.ALL).allSatisfy(req -> {
            assertThat(req.purpose()).isNotBlank();
            assertThat(req.grantedBy()).contains(req.role());
        });
    }
}
