package io.oncallapprover.deployment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import jakarta.ws.rs.HttpMethod;

/**
 * Every HTTP route the service serves, read from its compiled JAX-RS resources (target/classes), without
 * starting it: a resource class's {@code @Path} joined with each resource method's, and its HTTP method. The
 * public-route tests check their path patterns against these.
 */
final class ApiRoutes {

    static final Path CLASSES = Path.of("target/classes");
    private static final Pattern PARAMETER = Pattern.compile("\\{\\s*(\\w+)\\s*(?::[^}]*)?}");
    /** Values tried for every path parameter: realistic ids and the webhook path's own words. */
    static final List<String> SAMPLES = List.of("acme", "01FAKEID000000000000000001", "webhooks", "incidentio",
            "x", "a-b");

    /** One route: its method, its path template and the regex JAX-RS would match it with. */
    record Route(String method, String template, Pattern pattern) {

        /** The template with each of {@link #SAMPLES} in every parameter. */
        List<String> samples() {
            List<String> paths = new ArrayList<>();
            for (String sample : SAMPLES) {
                paths.add(PARAMETER.matcher(template).replaceAll(Matcher.quoteReplacement(sample)));
            }
            return paths;
        }

        @Override
        public String toString() {
            return method + " " + template;
        }
    }

    private ApiRoutes() {
    }

    static List<Route> scan() {
        List<Route> routes = new ArrayList<>();
        try (Stream<Path> files = Files.walk(CLASSES)) {
            for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".class"))::iterator) {
                String name = CLASSES.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
                Class<?> type;
                try {
                    type = Class.forName(name, false, ApiRoutes.class.getClassLoader());
                } catch (ClassNotFoundException | LinkageError e) {
                    continue;
                }
                jakarta.ws.rs.Path root = type.getAnnotation(jakarta.ws.rs.Path.class);
                // resources only: REST client interfaces (outbound calls) carry @Path too
                if (root == null || type.isInterface() || Modifier.isAbstract(type.getModifiers())) {
                    continue;
                }
                for (Method method : type.getDeclaredMethods()) {
                    String verb = httpMethod(method);
                    if (verb == null) {
                        continue;
                    }
                    jakarta.ws.rs.Path sub = method.getAnnotation(jakarta.ws.rs.Path.class);
                    String template = join(root.value(), sub == null ? "" : sub.value());
                    routes.add(new Route(verb, template, toPattern(template)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return routes;
    }

    private static String httpMethod(Method method) {
        for (Annotation annotation : method.getAnnotations()) {
            HttpMethod verb = annotation.annotationType().getAnnotation(HttpMethod.class);
            if (verb != null) {
                return verb.value();
            }
        }
        return null;
    }

    private static String join(String root, String sub) {
        String path = "/" + root.replaceAll("^/+|/+$", "") + (sub.isBlank() ? "" : "/" + sub.replaceAll("^/+|/+$", ""));
        return path.replaceAll("/+", "/");
    }

    /** A template as JAX-RS matches it: a parameter is one or more characters other than '/'. */
    static Pattern toPattern(String template) {
        StringBuilder regex = new StringBuilder();
        Matcher m = PARAMETER.matcher(template);
        int at = 0;
        while (m.find()) {
            regex.append(Pattern.quote(template.substring(at, m.start()))).append("[^/]+");
            at = m.end();
        }
        regex.append(Pattern.quote(template.substring(at)));
        return Pattern.compile(regex + "/?");
    }
}
