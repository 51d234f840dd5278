package io.oncallapprover.testsupport;

import java.util.Set;
import java.util.TreeSet;


/**
 * The Prometheus text the service exposes, as a scraper gets it. The one place that knows where metrics are
 * served: when they move to the management interface, only this changes.
 */
public final class MetricsScrape {

    private MetricsScrape() {
    }

    public static String text() {
        return ManagementPort.given().when().get("/q/metrics").then().statusCode(200)
                .extract().asString();
    }

    /** The names of every series in {@code text} (histograms as {@code _bucket}, {@code _count}, {@code _sum}). */
    public static Set<String> seriesNames(String text) {
        Set<String> names = new TreeSet<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int end = 0;
            while (end < line.length() && (Character.isLetterOrDigit(line.charAt(end)) || line.charAt(end) == '_'
                    || line.charAt(end) == ':')) {
                end++;
            }
            names.add(line.substring(0, end));
        }
        return names;
    }

    /** The value of the one series of {@code name} with exactly these {@code labels} (as written, e.g. {@code queue="x"}). */
    public static double value(String text, String name, String labels) {
        for (String line : text.split("\n")) {
            if (line.startsWith(name + "{") && line.contains(labels)) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no series " + name + " with " + labels + " in the metrics");
    }
}
