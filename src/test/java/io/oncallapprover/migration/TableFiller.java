package io.oncallapprover.migration;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One row in every table of the schema, whatever the tables are, read from the catalog: the columns that
 * must have a value (NOT NULL without a default) get one of their type, the first value a single-column
 * CHECK names (a status), or the key of the parent row (a foreign key; parents are filled first). Text is
 * {@code '{}'}, which is also valid JSON and an empty array, so a later migration that casts it to jsonb or
 * an array meets what the service wrote. A new table is covered without a line here.
 */
final class TableFiller {

    private static final Pattern LITERAL = Pattern.compile("'([^']*)'");

    private record Column(String name, String dataType, boolean required) {
    }

    private record Reference(String table, String column) {
    }

    private TableFiller() {
    }

    /** The schema's tables but Flyway's own history. */
    static List<String> tables(Connection c) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (ResultSet rs = c.createStatement().executeQuery("""
                select c.relname from pg_class c where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
                  and c.relname <> 'flyway_schema_history' order by c.relname""")) {
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
        }
        return tables;
    }

    /** Inserts a row into every table (parents first) and returns the tables in that order. */
    static List<String> fillEveryTable(Connection c) throws SQLException {
        List<String> tables = tables(c);
        Map<String, Map<String, Reference>> references = references(c);
        Map<String, Map<String, String>> checked = checkedValues(c);
        List<String> order = parentsFirst(tables, references);
        try (Statement s = c.createStatement()) {
            for (String table : order) {
                s.execute(insert(table, columns(c, table), references.getOrDefault(table, Map.of()),
                        checked.getOrDefault(table, Map.of())));
            }
        }
        return order;
    }

    /** The tables among {@code tables} holding no row. */
    static List<String> empty(Connection c, List<String> tables) throws SQLException {
        List<String> empty = new ArrayList<>();
        for (String table : tables) {
            try (ResultSet rs = c.createStatement().executeQuery("select count(*) from " + table)) {
                rs.next();
                if (rs.getLong(1) == 0) {
                    empty.add(table);
                }
            }
        }
        return empty;
    }

    static String insert(String table, List<Column> columns, Map<String, Reference> references, Map<String, String> checked) {
        List<String> names = new ArrayList<>();
        List<String> values = new ArrayList<>();
        for (Column column : columns) {
            if (!column.required()) {
                continue;
            }
            names.add(column.name());
            Reference parent = references.get(column.name());
            if (parent != null) {
                values.add("(select " + parent.column() + " from " + parent.table() + " limit 1)");
            } else if (checked.containsKey(column.name())) {
                values.add("'" + checked.get(column.name()) + "'");
            } else {
                values.add(valueOf(column.dataType()));
            }
        }
        return names.isEmpty() ? "insert into " + table + " default values"
                : "insert into " + table + " (" + String.join(", ", names) + ") values (" + String.join(", ", values) + ")";
    }

    private static String valueOf(String type) {
        return switch (type) {
            case "smallint", "integer", "bigint", "numeric" -> "1";
            case "real", "double precision" -> "0";
            case "boolean" -> "false";
            case "uuid" -> "gen_random_uuid()";
            case "bytea" -> "'\\x00'::bytea";
            case "date", "timestamp with time zone", "timestamp without time zone" -> "now()";
            // text, character varying, ARRAY, json, jsonb
            default -> "'{}'";
        };
    }

    private static List<Column> columns(Connection c, String table) throws SQLException {
        List<Column> columns = new ArrayList<>();
        try (var ps = c.prepareStatement("""
                select column_name, data_type, is_nullable = 'NO' and column_default is null and is_identity = 'NO'
                from information_schema.columns where table_schema = 'public' and table_name = ? order by ordinal_position""")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(new Column(rs.getString(1), rs.getString(2), rs.getBoolean(3)));
                }
            }
        }
        return columns;
    }

    private static Map<String, Map<String, Reference>> references(Connection c) throws SQLException {
        Map<String, Map<String, Reference>> references = new HashMap<>();
        try (ResultSet rs = c.createStatement().executeQuery("""
                select cl.relname, a.attname, rcl.relname, ra.attname
                from pg_constraint k
                join pg_class cl on cl.oid = k.conrelid
                join pg_class rcl on rcl.oid = k.confrelid
                cross join lateral unnest(k.conkey, k.confkey) as u(col, refcol)
                join pg_attribute a on a.attrelid = k.conrelid and a.attnum = u.col
                join pg_attribute ra on ra.attrelid = k.confrelid and ra.attnum = u.refcol
                where k.contype = 'f' and cl.relnamespace = 'public'::regnamespace""")) {
            while (rs.next()) {
                references.computeIfAbsent(rs.getString(1), t -> new LinkedHashMap<>())
                        .put(rs.getString(2), new Reference(rs.getString(3), rs.getString(4)));
            }
        }
        return references;
    }

    /** For each column with a CHECK of its own naming literals (a status), the first literal. */
    private static Map<String, Map<String, String>> checkedValues(Connection c) throws SQLException {
        Map<String, Map<String, String>> checked = new HashMap<>();
        try (ResultSet rs = c.createStatement().executeQuery("""
                select cl.relname, a.attname, pg_get_constraintdef(k.oid)
                from pg_constraint k
                join pg_class cl on cl.oid = k.conrelid
                join pg_attribute a on a.attrelid = k.conrelid and a.attnum = k.conkey[1]
                where k.contype = 'c' and array_length(k.conkey, 1) = 1 and cl.relnamespace = 'public'::regnamespace""")) {
            while (rs.next()) {
                Matcher literal = LITERAL.matcher(rs.getString(3));
                if (literal.find()) {
                    checked.computeIfAbsent(rs.getString(1), t -> new HashMap<>()).put(rs.getString(2), literal.group(1));
                }
            }
        }
        return checked;
    }

    private static List<String> parentsFirst(List<String> tables, Map<String, Map<String, Reference>> references) {
        Set<String> done = new LinkedHashSet<>();
        while (done.size() < tables.size()) {
            int before = done.size();
            for (String table : tables) {
                boolean ready = references.getOrDefault(table, Map.of()).values().stream()
                        .allMatch(r -> r.table().equals(table) || done.contains(r.table()) || !tables.contains(r.table()));
                if (!done.contains(table) && ready) {
                    done.add(table);
                }
            }
            if (done.size() == before) {
                throw new IllegalStateException("foreign keys in a cycle among " + tables);
            }
        }
        return new ArrayList<>(done);
    }
}
