package dev.lb.admin;

import dev.lb.core.route.Rule;
import dev.lb.core.table.Backend;
import dev.lb.core.table.Bind;
import dev.lb.core.table.Frontend;
import dev.lb.core.table.RoutingTable;
import dev.lb.core.table.Server;
import dev.lb.core.table.StatsSection;
import java.util.Locale;

/**
 * {@code GET /api/routes}: the live table as JSON (SPEC section 8) — version, sources,
 * frontends with their rules in order, backends with their servers and live state.
 */
final class RoutesJson {

    private RoutesJson() {
    }

    static String render(RoutingTable t) {
        return render(t, null);
    }

    /**
     * The table, and with {@code status} the state of each source (connected, revision, last
     * error, what it skipped) and the latest reload's errors, as the stats page lists them.
     */
    static String render(RoutingTable t, AdminStatus status) {
        JsonWriter w = new JsonWriter().beginObject();
        w.name("version").value(t.version());
        w.name("sources").beginArray();
        for (String s : t.sources()) {
            w.value(s);
        }
        w.endArray();
        if (status != null) {
            w.name("source_states").beginArray();
            for (String s : status.sources()) {
                w.value(s);
            }
            w.endArray();
            w.name("last_reload_errors").beginArray();
            for (String e : status.lastReloadErrors()) {
                w.value(e);
            }
            w.endArray();
        }
        w.name("frontends").beginArray();
        for (Frontend f : t.frontends()) {
            frontend(w, f);
        }
        w.endArray();
        w.name("backends").beginArray();
        for (Backend b : t.backends().values()) {
            backend(w, b);
        }
        w.endArray();
        w.name("stats").beginArray();
        for (StatsSection s : t.statsSections()) {
            w.beginObject().name("name").value(s.name()).name("binds").beginArray();
            for (Bind b : s.binds()) {
                w.value(b.describe());
            }
            w.endArray().name("uri").value(s.uri()).name("auth").value(!s.users().isEmpty()).endObject();
        }
        w.endArray();
        return w.endObject().toString();
    }

    private static void frontend(JsonWriter w, Frontend f) {
        w.beginObject().name("name").value(f.name()).name("mode").value(lower(f.mode().name()));
        w.name("location").value(f.location());
        w.name("binds").beginArray();
        for (Bind b : f.binds()) {
            w.value(b.describe());
        }
        w.endArray();
        w.name("rules").beginArray();
        for (Rule r : f.routes().rules()) {
            w.beginObject().name("condition").value(r.condition().describe())
                    .name("backend").value(r.backend().name())
                    .name("location").value(r.location()).endObject();
        }
        w.endArray();
        w.name("default_backend").value(f.defaultBackend().map(Backend::name).orElse(null));
        w.endObject();
    }

    private static void backend(JsonWriter w, Backend b) {
        w.beginObject().name("name").value(b.name()).name("mode").value(lower(b.mode().name()))
                .name("balance").value(b.algorithm().keyword()).name("location").value(b.location());
        w.name("servers").beginArray();
        for (Server s : b.servers()) {
            w.beginObject().name("name").value(s.name())
                    .name("address").value(s.address().getHostString() + ":" + s.address().getPort())
                    .name("weight").value(s.effectiveWeight())
                    .name("configured_weight").value(s.weight())
                    .name("backup").value(s.backup())
                    .name("state").value(ServerStatus.of(s))
                    .name("admin_state").value(s.adminState().name())
                    .name("check").value(s.check() ? s.state().lastCheck().map(c -> c.describe())
                            .orElse("not checked yet") : null)
                    .name("active_connections").value(s.state().active())
                    .endObject();
        }
        w.endArray().endObject();
    }

    private static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
