#include "schema.hpp"

#include <vector>

#include "contract/contract.hpp"
#include "contract/routes.hpp"

namespace gw::store {
namespace {

std::string lane_table(const char* name) {
    return std::string("CREATE TABLE IF NOT EXISTS ") + name +
           "(seq INTEGER PRIMARY KEY AUTOINCREMENT, t_ms INTEGER NOT NULL,"
           " payload BLOB NOT NULL, topic TEXT NOT NULL);";
}

Status create_tables(sqlite::Db& db) {
    return db.exec(
        "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL)"
        " WITHOUT ROWID;" +
        lane_table("alarm") + lane_table("evidence") + lane_table("telemetry") +
        "PRAGMA user_version = " + std::to_string(kSchemaVersion) + ";");
}

// Evidence leaves the alarm table for its own, in its order. Only the seqs
// are held in memory, and only those of evidence rows.
Status move_evidence_out_of_alarms(sqlite::Db& db, int64_t& moved) {
    auto find = db.prepare(
        "SELECT seq FROM alarm WHERE substr(payload, 1, 12) = CAST('{\"evidence\":' AS BLOB)"
        " ORDER BY seq");
    if (!find) return fail(find.error());
    std::vector<int64_t> seqs;
    int rc;
    while ((rc = find->step()) == SQLITE_ROW) seqs.push_back(find->int_at(0));
    if (rc != SQLITE_DONE) return fail("finding evidence rows: " + db.errmsg());
    auto read = db.prepare("SELECT t_ms, payload FROM alarm WHERE seq = ?");
    auto ins = db.prepare("INSERT INTO evidence(t_ms, payload, topic) VALUES(?, ?, ?)");
    auto del = db.prepare("DELETE FROM alarm WHERE seq = ?");
    if (!read || !ins || !del) return fail("preparing the evidence move: " + db.errmsg());
    for (int64_t seq : seqs) {
        read->bind(1, seq);
        if (read->step() != SQLITE_ROW) return fail("reading alarm row: " + db.errmsg());
        const int64_t t_ms = read->int_at(0);
        const std::string payload = read->text_at(1);
        read->reset();
        Route route = schema1_route("alarm", payload);
        if (route.lane != Lane::evidence) continue;  // not valid evidence: stays an event
        ins->bind(1, t_ms);
        ins->bind_blob(2, payload);
        ins->bind_text(3, route.topic);
        del->bind(1, seq);
        if (ins->step() != SQLITE_DONE || del->step() != SQLITE_DONE)
            return fail("moving evidence: " + db.errmsg());
        ins->reset();
        del->reset();
        ++moved;
    }
    return Status::success();
}

Status migrate_from_1(sqlite::Db& db, Log& log) {
    if (auto s = db.exec("BEGIN IMMEDIATE"); !s) return s;
    int64_t moved = 0;
    // The defaults are the routes every schema-1 row of these tables had
    // (evidence aside), so no row is rewritten.
    Status s = db.exec(std::string("ALTER TABLE alarm ADD COLUMN topic TEXT NOT NULL DEFAULT '") +
                       contract::kEventRoute +
                       "';"
                       "ALTER TABLE telemetry ADD COLUMN topic TEXT NOT NULL DEFAULT '" +
                       contract::kTelemetryRoute + "';");
    if (s) s = create_tables(db);
    if (s) s = move_evidence_out_of_alarms(db, moved);
    if (s) s = db.exec("COMMIT");
    if (!s) {
        (void)db.exec("ROLLBACK");
        return fail("migrating the store from schema 1: " + s.error());
    }
    log.info("store", "migrated to schema 2 (a route per row, evidence in its own lane)",
             {{"evidence_rows_moved", moved}});
    return Status::success();
}

}  // namespace

Status ensure_schema(sqlite::Db& db, Log& log) {
    auto version = db.scalar("PRAGMA user_version");
    if (!version) return fail(version.error());
    if (*version > kSchemaVersion)
        return fail("the store was written by a newer gatewayd (schema " +
                    std::to_string(*version) + ", this one knows " +
                    std::to_string(kSchemaVersion) + "): not touched");
    if (*version == 0) {
        auto has_alarm =
            db.scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'alarm'");
        if (!has_alarm) return fail(has_alarm.error());
        if (*has_alarm > 0) return migrate_from_1(db, log);
    }
    return create_tables(db);
}

Route schema1_route(const std::string& table, const std::string& payload) {
    if (table == "telemetry") return {Lane::telemetry, contract::kTelemetryRoute};
    const std::string event_id = contract::evidence_event_id(payload);
    if (!event_id.empty()) return {Lane::evidence, contract::evidence_route(event_id)};
    return {Lane::alarm, contract::kEventRoute};
}

}  // namespace gw::store
