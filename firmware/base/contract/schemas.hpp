#pragma once
// The contract's JSON Schemas (docs/schema/*.json), embedded at build time
// (cmake/EmbedSchemas.cmake): the gateway validates commands against the
// very files the center is given.
#include <string>

#include <nlohmann/json.hpp>

namespace gw::contract {

// The parsed schema of that file name ("cmd-ack.json", "reply.json"), or
// nullptr if there is no such file.
const nlohmann::json* schema(const std::string& file_name);

}  // namespace gw::contract
