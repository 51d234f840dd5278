package io.oncallapprover.installation;

import java.util.List;
import java.util.Optional;

import io.oncallapprover.incidentio.IncidentIoDtos.CatalogType;
import io.oncallapprover.incidentio.IncidentIoDtos.CustomField;

/**
 * Whether an existing incident.io custom field can hold what incident creation sends: the approver
 * schedules as catalog entries of the "Schedule" catalog type (a {@code single_select} or
 * {@code multi_select} field backed by that type), or as text (a {@code text} field). Any other
 * field would make every create body one incident.io refuses. Pure: the catalog types are given.
 */
final class CustomFieldFit {

    private final List<CatalogType> catalogTypes;
    private final String scheduleTypeName;
    private final Optional<String> scheduleTypeId;

    CustomFieldFit(List<CatalogType> catalogTypes, String scheduleTypeName) {
        this.catalogTypes = catalogTypes;
        this.scheduleTypeName = scheduleTypeName;
        this.scheduleTypeId = scheduleTypeId(catalogTypes, scheduleTypeName);
    }

    /** The id of the catalog type whose entries are the schedules, found by its name. */
    static Optional<String> scheduleTypeId(List<CatalogType> types, String scheduleTypeName) {
        return types.stream()
                .filter(t -> t != null && t.id() != null && scheduleTypeName.equals(t.name()))
                .map(CatalogType::id)
                .findFirst();
    }

    static boolean isText(CustomField field) {
        return "text".equals(field.fieldType());
    }

    static boolean isSelect(CustomField field) {
        return "single_select".equals(field.fieldType()) || "multi_select".equals(field.fieldType());
    }

    /** Empty when the field can be reused; otherwise what is wrong with it, e.g. "is a link field, ...". */
    Optional<String> problem(CustomField field) {
        String type = field.fieldType() == null ? "(no type)" : field.fieldType();
        if (isText(field)) {
            return Optional.empty();
        }
        if (!isSelect(field)) {
            return Optional.of("is a " + type + " field, which cannot hold schedules");
        }
        if (field.catalogTypeId() == null || field.catalogTypeId().isBlank()) {
            return Optional.of("is a " + type + " field with its own options, not backed by the \"" + scheduleTypeName
                    + "\" catalog type");
        }
        if (scheduleTypeId.isPresent() && scheduleTypeId.get().equals(field.catalogTypeId())) {
            return Optional.empty();
        }
        String backing = catalogTypes.stream()
                .filter(t -> t != null && field.catalogTypeId().equals(t.id()) && t.name() != null)
                .map(t -> "catalog type \"" + t.name() + "\" (" + t.id() + ")")
                .findFirst()
                .orElse("catalog type " + field.catalogTypeId());
        return Optional.of("is a " + type + " field backed by " + backing + ", not by the \"" + scheduleTypeName
                + "\" catalog type");
    }
}
