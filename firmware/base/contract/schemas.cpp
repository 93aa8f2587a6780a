#include "schemas.hpp"

#include <map>

#include "schema_texts.hpp"

namespace gw::contract {

const nlohmann::json* schema(const std::string& file_name) {
    // Parsed once (thread-safe static init); a schema that does not parse is
    // a build defect, caught by tests/contract.
    static const std::map<std::string, nlohmann::json> parsed = [] {
        std::map<std::string, nlohmann::json> m;
        for (const auto* s = detail::kSchemaTexts; s->name; ++s)
            m.emplace(s->name, nlohmann::json::parse(s->text, nullptr, false));
        return m;
    }();
    auto it = parsed.find(file_name);
    return it == parsed.end() || it->second.is_discarded() ? nullptr : &it->second;
}

}  // namespace gw::contract
