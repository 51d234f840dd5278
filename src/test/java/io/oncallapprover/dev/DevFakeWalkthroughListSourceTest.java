package io.oncallapprover.dev;

import io.oncallapprover.testsupport.ListSource;
import io.quarkiverse.wiremock.devservice.ConnectWireMock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The README's walk-through again, with who is on call read from the dev fake's schedule list, as dev
 * mode and production read it: the fake's list and its entries must tell the same story.
 */
@QuarkusTest
@ConnectWireMock
@TestProfile(ListSource.class)
class DevFakeWalkthroughListSourceTest extends DevFakeWalkthroughTest {
}
