#pragma once
// The store file's tables, and their migration.
//   schema 2  meta, and one table per lane (alarm, evidence, telemetry):
//             seq INTEGER PRIMARY KEY AUTOINCREMENT, t_ms, payload, topic.
//   schema 1  (before routes were stored) alarm and telemetry without topic;
//             evidence rode in the alarm table.
// PRAGMA user_version holds the schema (0 in files of schema 1).
#include <string>

#include "core/log.hpp"
#include "core/result.hpp"
#include "record.hpp"
#include "sqlite.hpp"

namespace gw::store {

constexpr int kSchemaVersion = 2;

// Brings an open, writable file to schema 2: creates the tables of a new
// file, migrates a schema-1 file in one transaction (a gateway upgraded in the
// field keeps its unsent rows), refuses a file of a newer schema.
Status ensure_schema(sqlite::Db& db, Log& log);

// Lane and route of a row read from a schema-1 table. The one place that
// looks into a payload for its route, and only for rows written before
// routes were stored: an evidence payload starts with {"evidence":"<id>".
struct Route {
    Lane lane;
    std::string topic;
};
Route schema1_route(const std::string& table, const std::string& payload);

}  // namespace gw::store
