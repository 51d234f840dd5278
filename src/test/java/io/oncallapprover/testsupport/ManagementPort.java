package io.oncallapprover.testsupport;

import java.net.URI;

import io.quarkus.test.common.http.TestHTTPResourceManager;
import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;

/**
 * Requests to the management interface (health, metrics), which listens on a port of its own, never the
 * API's: in tests a free port ({@code %test.quarkus.management.test-port=0}) that Quarkus publishes as
 * {@code test.management.url} once it listens.
 */
public final class ManagementPort {

    private ManagementPort() {
    }

    /** The management interface's base, e.g. {@code http://localhost:41234}. */
    public static URI uri() {
        return URI.create(TestHTTPResourceManager.getManagementUri());
    }

    /** A RestAssured request to the management port (the API tests' defaults otherwise apply). */
    public static RequestSpecification given() {
        URI uri = uri();
        return RestAssured.given().baseUri(uri.getScheme() + "://" + uri.getHost()).port(uri.getPort());
    }
}
