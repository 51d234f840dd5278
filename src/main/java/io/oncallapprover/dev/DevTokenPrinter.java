package io.oncallapprover.dev;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.oncallapprover.security.Caller;
import io.oncallapprover.security.Roles;
import io.quarkus.arc.profile.IfBuildProfile;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.jwt.build.Jwt;

/**
 * Dev mode only: prints a bearer token for organization "acme" with both roles, signed with the
 * published dev key pair in {@code dev/jwt}, and writes it to {@code target/dev-token.txt}.
 */
@Singleton
@IfBuildProfile("dev")
public class DevTokenPrinter {

    private static final Logger LOG = Logger.getLogger(DevTokenPrinter.class);

    @ConfigProperty(name = "mp.jwt.verify.issuer")
    String issuer;

    @ConfigProperty(name = "mp.jwt.verify.audiences")
    List<String> audiences;

    void print(@Observes StartupEvent started) throws IOException {
        String token = Jwt.issuer(issuer)
                .audience(Set.copyOf(audiences))
                .subject("dev-admin@example.com")
                .claim(Caller.ORGS_CLAIM, List.of("acme"))
                .groups(Set.of(Roles.ADMIN, Roles.SERVICE))
                .expiresIn(Duration.ofHours(12))
                .sign();
        Path file = Path.of("target", "dev-token.txt");
        Files.createDirectories(file.getParent());
        Files.writeString(file, token);
        LOG.infof("Dev token (org acme, roles admin+service, 12 h), also in %s:%n%s", file, token);
    }
}
