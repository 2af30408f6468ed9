package dev.lb.admin.stats;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the renderings back in tests: CSV rows by proxy and server, Prometheus samples by labels. */
final class StatsText {

    private StatsText() {
    }

    /** The CSV rows as column → value maps, in order. */
    static List<Map<String, String>> csvRows(String csv) {
        String[] lines = csv.split("\n");
        String[] header = lines[0].substring(2).split(",", -1);
        List<Map<String, String>> rows = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            String[] v = lines[i].split(",", -1);
            Map<String, String> row = new LinkedHashMap<>();
            for (int k = 0; k < header.length && k < v.length; k++) {
                if (!header[k].isEmpty()) {
                    row.put(header[k], v[k]);
                }
            }
            rows.add(row);
        }
        return rows;
    }

    /** The row of {@code pxname}/{@code svname}, failing with the whole CSV when absent. */
    static Map<String, String> csvRow(String csv, String pxname, String svname) {
        for (Map<String, String> r : csvRows(csv)) {
            if (pxname.equals(r.get("pxname")) && svname.equals(r.get("svname"))) {
                return r;
            }
        }
        throw new AssertionError("no CSV row " + pxname + "/" + svname + " in:\n" + csv);
    }

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    /**
     * The value of the sample {@code name} whose labels include {@code labels} (pairs), or null
     * when there is none.
     */
    static Double sample(String text, String name, String... labels) {
        for (String line : text.split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches() || !m.group(1).equals(name)) {
                continue;
            }
            Map<String, String> have = new LinkedHashMap<>();
            if (m.group(3) != null) {
                Matcher l = LABEL.matcher(m.group(3));
                while (l.find()) {
                    have.put(l.group(1), l.group(2));
                }
            }
            boolean all = true;
            for (int i = 0; i < labels.length; i += 2) {
                all &= labels[i + 1].equals(have.get(labels[i]));
            }
            if (all) {
                return Double.parseDouble(m.group(4));
            }
        }
        return null;
    }
}
