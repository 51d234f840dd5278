package io.oncallapprover;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

/**
 * The architecture rules, checked on the compiled main classes: no cycles between packages; the
 * pure decision cores import no framework; resources open no sessions or transactions; only the
 * client package talks HTTP to incident.io.
 */
class ArchitectureTest {

    private static JavaClasses classes;

    /**
     * The plain-Java decision cores: on-call computation, policy evaluation and rotation checks,
     * approval rules, incident composition, the rules of idempotency keys.
     */
    private static final String[] PURE_CORES = {
            "io.oncallapprover.oncall.OnCallCalculator", "io.oncallapprover.oncall.OnCallSet",
            "io.oncallapprover.oncall.OnCallShift", "io.oncallapprover.oncall.ScheduleEntry",
            "io.oncallapprover.policy.AccessPolicy", "io.oncallapprover.policy.PolicyEvaluator",
            "io.oncallapprover.policy.RequestedResource", "io.oncallapprover.policy.RotationCheck",
            "io.oncallapprover.approval.DecisionTable", "io.oncallapprover.approval.AutoApprovalRules",
            "io.oncallapprover.approval.ApproverRules", "io.oncallapprover.approval.Evidence",
            "io.oncallapprover.approval.RuleRef", "io.oncallapprover.approval.AutoApprovalDecision",
            "io.oncallapprover.approval.ApproverDecision", "io.oncallapprover.approval.CheckCode",
            "io.oncallapprover.escalation.IncidentComposer", "io.oncallapprover.escalation.EscalationPages",
            "io.oncallapprover.policy.PagedSchedule", "io.oncallapprover.common.Emails",
            "io.oncallapprover.replica.ShareClaims", "io.oncallapprover.replica.LocalShare",
            "io.oncallapprover.oncall.ListedSchedules", "io.oncallapprover.delivery.DestinationRules",
            "io.oncallapprover.idempotency.IdempotencyRules", "io.oncallapprover.idempotency.IdempotencyKey",
            "io.oncallapprover.idempotency.Fingerprint", "io.oncallapprover.queue.RetryPolicy",
            "io.oncallapprover.queue.QueueSettings", "io.oncallapprover.common.Backoff" };

    private static final String[] FRAMEWORKS = { "io.quarkus..", "io.vertx..", "io.smallrye..", "org.hibernate..",
            "jakarta.ws.rs..", "jakarta.persistence..", "jakarta.enterprise..", "jakarta.inject..",
            "org.eclipse.microprofile.." };

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.oncallapprover");
    }

    @Test
    void packagesAreFreeOfCycles() {
        slices().matching("io.oncallapprover.(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void pureCoresImportNoFramework() {
        noClasses().that(com.tngtech.archunit.base.DescribedPredicate.describe("are pure decision cores",
                (com.tngtech.archunit.core.domain.JavaClass c) -> isPureCore(c.getName())))
                .should().dependOnClassesThat().resideInAnyPackage(FRAMEWORKS)
                .check(classes);
    }

    @Test
    void resourcesOpenNoSessionOrTransaction() {
        noClasses().that().areAnnotatedWith(jakarta.ws.rs.Path.class)
                .should().dependOnClassesThat().haveFullyQualifiedName("io.quarkus.hibernate.reactive.panache.Panache")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("io.quarkus.hibernate.reactive.panache.common.WithTransaction")
                .check(classes);
    }

    @Test
    void onlyTheClientTalksToIncidentIoAndOnlyTheEventSenderToEventDestinations() {
        noClasses().that().resideOutsideOfPackage("io.oncallapprover.incidentio..")
                .and().doNotHaveFullyQualifiedName("io.oncallapprover.delivery.EventSender")
                .should().dependOnClassesThat(com.tngtech.archunit.base.DescribedPredicate.describe(
                        "are the incident.io API or an outbound HTTP client",
                        (com.tngtech.archunit.core.domain.JavaClass c) -> isOutboundHttp(c.getName())))
                .check(classes);
        noClasses().that().resideOutsideOfPackage("io.oncallapprover.incidentio..")
                .should().dependOnClassesThat().haveFullyQualifiedName("io.oncallapprover.incidentio.IncidentIoApi")
                .check(classes);
    }

    private static boolean isOutboundHttp(String name) {
        return name.equals("io.oncallapprover.incidentio.IncidentIoApi")
                || name.startsWith("org.eclipse.microprofile.rest.client.") || name.startsWith("io.quarkus.rest.client.")
                || name.startsWith("io.vertx.ext.web.client.") || name.startsWith("io.vertx.mutiny.ext.web.client.")
                || name.startsWith("io.vertx.core.http.HttpClient") || name.startsWith("java.net.http.");
    }

    private static boolean isPureCore(String className) {
        for (String core : PURE_CORES) {
            if (className.equals(core) || className.startsWith(core + "$")) {
                return true;
            }
        }
        return false;
    }
}
