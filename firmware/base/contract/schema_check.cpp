#include "schema_check.hpp"

#include <regex>

namespace gw::contract {
namespace {

using nlohmann::json;

bool type_is(const json& v, const std::string& t) {
    if (t == "object") return v.is_object();
    if (t == "array") return v.is_array();
    if (t == "string") return v.is_string();
    if (t == "integer") return v.is_number_integer();
    if (t == "number") return v.is_number();
    if (t == "boolean") return v.is_boolean();
    if (t == "null") return v.is_null();
    return false;
}

void check_type(const json& schema, const json& v, const std::string& path,
                std::vector<std::string>& errs) {
    const json& t = schema["type"];
    bool ok = false;
    for (const auto& one : t.is_array() ? t : json::array({t}))
        ok = ok || (one.is_string() && type_is(v, one.get<std::string>()));
    if (!ok) errs.push_back(path + ": must be of type " + t.dump() + ", not " + v.type_name());
}

void check_number(const json& schema, const json& v, const std::string& path,
                  std::vector<std::string>& errs) {
    if (!v.is_number()) return;
    if (schema.contains("minimum") && v.get<double>() < schema["minimum"].get<double>())
        errs.push_back(path + ": must be at least " + schema["minimum"].dump());
    if (schema.contains("maximum") && v.get<double>() > schema["maximum"].get<double>())
        errs.push_back(path + ": must be at most " + schema["maximum"].dump());
}

void check_string(const json& schema, const json& v, const std::string& path,
                  std::vector<std::string>& errs) {
    if (!v.is_string()) return;
    const auto& s = v.get_ref<const std::string&>();
    const size_t n = code_points(s);
    if (schema.contains("minLength") && n < schema["minLength"].get<size_t>())
        errs.push_back(path + ": must be at least " + schema["minLength"].dump() +
                       " characters long");
    if (schema.contains("maxLength") && n > schema["maxLength"].get<size_t>())
        errs.push_back(path + ": must be at most " + schema["maxLength"].dump() +
                       " characters long");
    if (schema.contains("pattern")) {
        const auto& p = schema["pattern"].get_ref<const std::string&>();
        if (!std::regex_search(s, std::regex(p, std::regex::ECMAScript)))
            errs.push_back(path + ": does not match " + p);
    }
}

void validate(const json& schema, const json& v, const std::string& path,
              std::vector<std::string>& errs) {
    if (schema.contains("type")) check_type(schema, v, path, errs);
    if (schema.contains("enum")) {
        bool ok = false;
        for (const auto& e : schema["enum"]) ok = ok || e == v;
        if (!ok) errs.push_back(path + ": must be one of " + schema["enum"].dump());
    }
    check_number(schema, v, path, errs);
    check_string(schema, v, path, errs);
    if (v.is_object()) {
        for (const auto& r : schema.value("required", json::array()))
            if (!v.contains(r.get<std::string>()))
                errs.push_back(path + ": missing required field " + r.get<std::string>());
        const json props = schema.value("properties", json::object());
        const bool closed = schema.value("additionalProperties", true) == false;
        for (auto it = v.begin(); it != v.end(); ++it) {
            if (props.contains(it.key()))
                validate(props[it.key()], it.value(), path + "." + it.key(), errs);
            else if (closed)
                errs.push_back(path + ": unknown field " + it.key());
        }
    }
    if (v.is_array() && schema.contains("items"))
        for (size_t i = 0; i < v.size(); ++i)
            validate(schema["items"], v[i], path + "[" + std::to_string(i) + "]", errs);
}

}  // namespace

// JSON Schema counts characters, not bytes: continuation bytes do not count.
size_t code_points(const std::string& s) {
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
}

std::vector<std::string> schema_errors(const json& schema, const json& value) {
    std::vector<std::string> errs;
    validate(schema, value, "$", errs);
    return errs;
}

}  // namespace gw::contract
