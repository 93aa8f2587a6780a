#pragma once
// The embedded schema files (generated: cmake/EmbedSchemas.cmake). Use
// schemas.hpp; this is its raw material.
namespace gw::contract::detail {

struct SchemaText {
    const char* name;  // file name under docs/schema, e.g. "cmd-ack.json"
    const char* text;
};
// Ends with {nullptr, nullptr}.
extern const SchemaText kSchemaTexts[];

}  // namespace gw::contract::detail
