package io.oncallapprover.deployment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.oncallapprover.deployment.StrictKubernetesYaml.ManifestException;

/**
 * The subset of {@code kustomize build} that deployment/ uses, so the build renders the overlays without a
 * kustomize binary. Whatever a kustomization holds beyond this subset is refused rather than ignored, so the
 * rendering the test validates is the one {@code kubectl apply -k} would apply
 * ({@link KubernetesKustomizeParityTest} compares both when kubectl is installed).
 * <p>
 * Supported: {@code resources} (files and directories holding a kustomization), {@code namespace},
 * {@code images} (name, newName, newTag, digest) and {@code patches} holding JSON 6902 operations (add,
 * remove, replace, test) with a {@code target} of group, version, kind, name and namespace. In the order
 * kustomize applies them: patches, namespace, images. Stricter than kustomize: a patch or an image entry
 * that matches nothing is an error, not a silent no-op.
 */
final class Kustomize {

    static final Set<String> FIELDS = Set.of("apiVersion", "kind", "resources", "namespace", "images", "patches");
    private static final Set<String> IMAGE_FIELDS = Set.of("name", "newName", "newTag", "digest");
    private static final Set<String> PATCH_FIELDS = Set.of("path", "patch", "target");
    private static final Set<String> TARGET_FIELDS = Set.of("group", "version", "kind", "name", "namespace");

    /** What one kustomization refers to: its resource files and its patch files (for the file inventory). */
    record Inventory(Set<Path> resources, Set<Path> patches) {
    }

    private Kustomize() {
    }

    /** Renders the kustomization in {@code directory}: the objects, as trees, in resource order. */
    static List<ObjectNode> build(Path directory) {
        return build(directory, new Inventory(new LinkedHashSet<>(), new LinkedHashSet<>()));
    }

    /** Renders, and records in {@code files} every file this kustomization and its bases read. */
    static List<ObjectNode> build(Path directory, Inventory files) {
        return build(directory, files, UnaryOperator.identity());
    }

    /**
     * Renders the kustomization in {@code directory} as {@code edit} changes it (its bases as they are): a
     * variant an operator would get by editing its kustomization.yaml, e.g. by swapping one resource file for
     * another ({@link #swapResource}).
     */
    static List<ObjectNode> build(Path directory, Inventory files, UnaryOperator<ObjectNode> edit) {
        Path dir = directory.toAbsolutePath().normalize();
        ObjectNode kustomization = edit.apply(kustomization(dir));
        List<ObjectNode> objects = new ArrayList<>();
        for (JsonNode entry : list(kustomization, "resources", dir)) {
            String ref = text(entry, "resources entry", dir);
            if (ref.contains("://") || ref.startsWith("github.com/")) {
                throw new ManifestException(dir + ": remote resource '" + ref + "' is not supported");
            }
            Path resource = dir.resolve(ref).normalize();
            if (Files.isDirectory(resource)) {
                objects.addAll(build(resource, files));
            } else if (Files.isRegularFile(resource)) {
                if (!resource.startsWith(dir)) {
                    throw new ManifestException(dir + ": resource file '" + ref + "' is outside the kustomization");
                }
                files.resources().add(resource);
                objects.addAll(StrictKubernetesYaml.readDocuments(read(resource), resource.toString()));
            } else {
                throw new ManifestException(dir + ": resource '" + ref + "' does not exist");
            }
        }
        Map<String, ObjectNode> byId = new LinkedHashMap<>();
        for (ObjectNode object : objects) {
            if (byId.put(id(object), object) != null) {
                throw new ManifestException(dir + ": " + id(object) + " is defined twice");
            }
        }
        for (JsonNode patch : list(kustomization, "patches", dir)) {
            applyPatch(patch, objects, dir, files);
        }
        if (kustomization.has("namespace")) {
            String namespace = text(kustomization.get("namespace"), "namespace", dir);
            for (ObjectNode object : objects) {
                metadata(object).put("namespace", namespace);
            }
        }
        for (JsonNode image : list(kustomization, "images", dir)) {
            applyImage(image, objects, dir);
        }
        return objects;
    }

    /** An edit of a kustomization that lists resource {@code replacement} where it listed {@code listed}. */
    static UnaryOperator<ObjectNode> swapResource(String listed, String replacement) {
        return kustomization -> {
            ObjectNode copy = kustomization.deepCopy();
            ArrayNode resources = (ArrayNode) copy.get("resources");
            for (int i = 0; i < resources.size(); i++) {
                if (resources.get(i).asText().equals(listed)) {
                    resources.set(i, copy.textNode(replacement));
                    return copy;
                }
            }
            throw new ManifestException("the kustomization lists no resource '" + listed + "'");
        };
    }

    private static ObjectNode kustomization(Path dir) {
        Path file = dir.resolve("kustomization.yaml");
        if (!Files.isRegularFile(file)) {
            throw new ManifestException(dir + ": no kustomization.yaml");
        }
        List<ObjectNode> documents = StrictKubernetesYaml.readDocuments(read(file), file.toString());
        if (documents.size() != 1) {
            throw new ManifestException(file + ": expected one document");
        }
        ObjectNode kustomization = documents.get(0);
        for (Iterator<String> it = kustomization.fieldNames(); it.hasNext();) {
            String field = it.next();
            if (!FIELDS.contains(field)) {
                throw new ManifestException(file + ": field '" + field + "' is not supported by the test's renderer"
                        + " (supported: " + FIELDS + ")");
            }
        }
        if (!kustomization.path("apiVersion").asText("kustomize.config.k8s.io/v1beta1")
                .equals("kustomize.config.k8s.io/v1beta1")
                || !kustomization.path("kind").asText("Kustomization").equals("Kustomization")) {
            throw new ManifestException(file + ": not a kustomize.config.k8s.io/v1beta1 Kustomization");
        }
        return kustomization;
    }

    private static void applyPatch(JsonNode entry, List<ObjectNode> objects, Path dir, Inventory files) {
        checkFields(entry, PATCH_FIELDS, "patches entry", dir);
        String content;
        String source;
        if (entry.has("path") == entry.has("patch")) {
            throw new ManifestException(dir + ": a patch has either 'path' or 'patch'");
        }
        if (entry.has("path")) {
            Path file = dir.resolve(text(entry.get("path"), "patch path", dir)).normalize();
            if (!file.startsWith(dir) || !Files.isRegularFile(file)) {
                throw new ManifestException(dir + ": patch file '" + entry.get("path").asText() + "' does not exist");
            }
            files.patches().add(file);
            content = read(file);
            source = file.toString();
        } else {
            content = text(entry.get("patch"), "patch", dir);
            source = dir + " (inline patch)";
        }
        JsonNode operations;
        try {
            operations = StrictKubernetesYaml.MAPPER.readTree(content);
        } catch (IOException e) {
            throw new ManifestException(source + ": not valid YAML: " + e.getMessage(), e);
        }
        if (operations == null || !operations.isArray()) {
            throw new ManifestException(source + ": only JSON 6902 patches (a list of operations) are supported"
                    + " by the test's renderer, not strategic merge patches");
        }
        JsonNode target = entry.get("target");
        if (target == null || !target.isObject()) {
            throw new ManifestException(source + ": a JSON 6902 patch needs a target");
        }
        checkFields(target, TARGET_FIELDS, "patch target", dir);
        int matched = 0;
        for (ObjectNode object : objects) {
            if (matches(target, object)) {
                matched++;
                for (JsonNode operation : operations) {
                    JsonPatch.apply(object, operation, source + " on " + id(object));
                }
            }
        }
        if (matched == 0) {
            throw new ManifestException(source + ": the target " + target + " matches no resource");
        }
    }

    private static boolean matches(JsonNode target, ObjectNode object) {
        String apiVersion = object.path("apiVersion").asText();
        int slash = apiVersion.indexOf('/');
        String group = slash < 0 ? "" : apiVersion.substring(0, slash);
        String version = slash < 0 ? apiVersion : apiVersion.substring(slash + 1);
        return field(target, "group", group) && field(target, "version", version)
                && field(target, "kind", object.path("kind").asText())
                && field(target, "name", object.path("metadata").path("name").asText())
                && field(target, "namespace", object.path("metadata").path("namespace").asText());
    }

    private static boolean field(JsonNode target, String name, String actual) {
        return !target.has(name) || target.get(name).asText().equals(actual);
    }

    private static void applyImage(JsonNode entry, List<ObjectNode> objects, Path dir) {
        checkFields(entry, IMAGE_FIELDS, "images entry", dir);
        String name = text(entry.get("name"), "image name", dir);
        int replaced = 0;
        for (ObjectNode object : objects) {
            JsonNode podSpec = object.path("spec").path("template").path("spec");
            for (String list : List.of("initContainers", "containers")) {
                for (JsonNode container : podSpec.path(list)) {
                    String image = container.path("image").asText(null);
                    if (image == null || !(image.equals(name) || image.startsWith(name + ":")
                            || image.startsWith(name + "@"))) {
                        continue;
                    }
                    String reference = image.substring(name.length()); // "", ":tag" or "@digest"
                    if (entry.has("digest")) {
                        reference = "@" + text(entry.get("digest"), "digest", dir);
                    } else if (entry.has("newTag")) {
                        reference = ":" + text(entry.get("newTag"), "newTag", dir);
                    }
                    String newName = entry.has("newName") ? text(entry.get("newName"), "newName", dir) : name;
                    ((ObjectNode) container).put("image", newName + reference);
                    replaced++;
                }
            }
        }
        if (replaced == 0) {
            throw new ManifestException(dir + ": the image entry '" + name + "' matches no container");
        }
    }

    /** "group/version kind namespace/name", as kustomize identifies a resource. */
    static String id(JsonNode object) {
        return object.path("apiVersion").asText() + " " + object.path("kind").asText() + " "
                + object.path("metadata").path("namespace").asText("") + "/"
                + object.path("metadata").path("name").asText();
    }

    private static ObjectNode metadata(ObjectNode object) {
        JsonNode metadata = object.get("metadata");
        if (metadata == null || !metadata.isObject()) {
            throw new ManifestException(id(object) + ": no metadata");
        }
        return (ObjectNode) metadata;
    }

    private static Iterable<JsonNode> list(ObjectNode kustomization, String field, Path dir) {
        JsonNode node = kustomization.get(field);
        if (node == null) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new ManifestException(dir + ": '" + field + "' is not a list");
        }
        return (ArrayNode) node;
    }

    private static void checkFields(JsonNode node, Set<String> allowed, String what, Path dir) {
        if (node == null || !node.isObject()) {
            throw new ManifestException(dir + ": " + what + " is not a mapping");
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext();) {
            String field = it.next();
            if (!allowed.contains(field)) {
                throw new ManifestException(dir + ": " + what + " field '" + field + "' is not supported"
                        + " (supported: " + allowed + ")");
            }
        }
    }

    private static String text(JsonNode node, String what, Path dir) {
        if (node == null || !node.isTextual() || node.asText().isEmpty()) {
            throw new ManifestException(dir + ": " + what + " is not a non-empty string: " + node);
        }
        return node.asText();
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** RFC 6902 add, remove, replace and test, on a tree. */
    static final class JsonPatch {
        private JsonPatch() {
        }

        static void apply(ObjectNode document, JsonNode operation, String where) {
            Set<String> fields = new LinkedHashSet<>();
            operation.fieldNames().forEachRemaining(fields::add);
            String op = operation.path("op").asText("");
            Set<String> expected = op.equals("remove") ? Set.of("op", "path") : Set.of("op", "path", "value");
            if (!Set.of("add", "remove", "replace", "test").contains(op)) {
                throw new ManifestException(where + ": unsupported JSON patch operation '" + op + "'");
            }
            if (!fields.equals(expected)) {
                throw new ManifestException(where + ": operation " + op + " needs exactly the fields " + expected
                        + ", has " + fields);
            }
            String path = operation.get("path").asText();
            List<String> tokens = pointer(path, where);
            if (tokens.isEmpty()) {
                throw new ManifestException(where + ": patching the whole document is not supported");
            }
            JsonNode parent = document;
            for (String token : tokens.subList(0, tokens.size() - 1)) {
                parent = child(parent, token);
                if (parent == null) {
                    throw new ManifestException(where + ": " + op + " " + path + ": '" + token + "' does not exist");
                }
            }
            String last = tokens.get(tokens.size() - 1);
            JsonNode current = "-".equals(last) ? null : child(parent, last);
            JsonNode value = operation.get("value");
            switch (op) {
                case "test" -> {
                    if (current == null || !current.equals(value)) {
                        throw new ManifestException(where + ": test " + path + " failed: expected " + value
                                + ", found " + current);
                    }
                }
                case "remove", "replace" -> {
                    if (current == null) {
                        throw new ManifestException(where + ": " + op + " " + path + ": nothing there");
                    }
                    if (parent.isArray()) {
                        int index = Integer.parseInt(last);
                        if (op.equals("remove")) {
                            ((ArrayNode) parent).remove(index);
                        } else {
                            ((ArrayNode) parent).set(index, value.deepCopy());
                        }
                    } else if (op.equals("remove")) {
                        ((ObjectNode) parent).remove(last);
                    } else {
                        ((ObjectNode) parent).set(last, value.deepCopy());
                    }
                }
                default -> { // add
                    if (parent.isArray()) {
                        ArrayNode array = (ArrayNode) parent;
                        if ("-".equals(last)) {
                            array.add(value.deepCopy());
                        } else {
                            int index = index(last, array.size() + 1, where);
                            array.insert(index, value.deepCopy());
                        }
                    } else if (parent.isObject()) {
                        ((ObjectNode) parent).set(last, value.deepCopy());
                    } else {
                        throw new ManifestException(where + ": add " + path + ": the parent is not a container");
                    }
                }
            }
        }

        private static JsonNode child(JsonNode node, String token) {
            if (node.isObject()) {
                return node.get(token);
            }
            if (node.isArray() && token.matches("0|[1-9][0-9]*")) {
                int index = Integer.parseInt(token);
                return index < node.size() ? node.get(index) : null;
            }
            return null;
        }

        private static int index(String token, int bound, String where) {
            if (!token.matches("0|[1-9][0-9]*") || Integer.parseInt(token) >= bound) {
                throw new ManifestException(where + ": '" + token + "' is not an index of the list");
            }
            return Integer.parseInt(token);
        }

        private static List<String> pointer(String path, String where) {
            if (!path.startsWith("/")) {
                throw new ManifestException(where + ": '" + path + "' is not a JSON pointer");
            }
            List<String> tokens = new ArrayList<>();
            for (String token : path.substring(1).split("/", -1)) {
                tokens.add(token.replace("~1", "/").replace("~0", "~"));
            }
            return tokens;
        }
    }
}
