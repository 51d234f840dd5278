package io.oncallapprover.testsupport;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression reads, for checking alert rules against what the service exports. Strings,
 * label matchers, ranges and label lists ({@code by (...)}, {@code on (...)}) are taken out first; what is left is
 * functions (an identifier before "("; it must be a known one, so a typo is not taken for a function), keywords,
 * numbers and metric names.
 */
public final class PromQl {

    static final Set<String> FUNCTIONS = Set.of("abs", "absent", "absent_over_time", "avg", "avg_over_time", "bottomk",
            "ceil", "changes", "clamp", "clamp_max", "clamp_min", "count", "count_over_time", "count_values", "delta",
            "deriv", "floor", "group", "histogram_quantile", "idelta", "increase", "irate", "label_replace",
            "last_over_time", "max", "max_over_time", "min", "min_over_time", "predict_linear", "quantile",
            "quantile_over_time", "rate", "resets", "round", "scalar", "sgn", "sort", "sort_desc", "stddev",
            "stddev_over_time", "sum", "sum_over_time", "time", "timestamp", "topk", "vector");

    static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "inf", "nan", "by", "without",
            "on", "ignoring", "group_left", "group_right");

    private static final Pattern STRING = Pattern.compile("\"(\\\\.|[^\"\\\\])*\"|'(\\\\.|[^'\\\\])*'|`[^`]*`");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
    private static final Pattern LABEL_LIST = Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern OFFSET = Pattern.compile("\\boffset\\s+-?[0-9a-z]+");
    private static final Pattern NUMBER = Pattern.compile("(?<![A-Za-z0-9_:.])\\d+(\\.\\d*)?([eE][+-]?\\d+)?");
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_:][A-Za-z0-9_:]*");

    private PromQl() {
    }

    public static Set<String> metricNames(String expr) {
        String rest = STRING.matcher(expr).replaceAll(" ");
        rest = MATCHERS.matcher(rest).replaceAll(" ");
        rest = RANGE.matcher(rest).replaceAll(" ");
        rest = LABEL_LIST.matcher(rest).replaceAll(" ");
        rest = OFFSET.matcher(rest).replaceAll(" ");
        rest = NUMBER.matcher(rest).replaceAll(" ");
        Set<String> names = new TreeSet<>();
        Matcher m = IDENTIFIER.matcher(rest);
        while (m.find()) {
            String word = m.group();
            boolean call = rest.substring(m.end()).stripLeading().startsWith("(");
            if (call) {
                if (!FUNCTIONS.contains(word)) {
                    throw new IllegalArgumentException("'" + word + "(' is not a PromQL function, in: " + expr);
                }
                continue;
            }
            if (!KEYWORDS.contains(word.toLowerCase())) {
                names.add(word);
            }
        }
        return names;
    }
}
