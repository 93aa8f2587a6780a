#pragma once
// The JSON Schema subset the contract's schemas (docs/schema/*.json) use,
// as production code: the gateway checks every command against these very
// files (embedded at build time, schemas.hpp) and tests/contract checks the
// encoder's output with the same function. One validator.
//
// Supported keywords: type (one or a list), required, properties,
// additionalProperties:false, enum, items, minimum, maximum, minLength,
// maxLength (in characters, i.e. UTF-8 code points), pattern (ECMAScript).
// Anything else in a schema is ignored, so keep the schemas to this subset.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace gw::contract {

// Every way `value` breaks `schema`, as "<path>: <what>" ($ is the root,
// $.a.b a field). Empty: valid.
std::vector<std::string> schema_errors(const nlohmann::json& schema, const nlohmann::json& value);

// Characters (UTF-8 code points) in `s`, as minLength and maxLength count them.
size_t code_points(const std::string& s);

}  // namespace gw::contract
