#include "toml_reader.hpp"

#include <cmath>
#include <sstream>

namespace gw {
namespace {

// A number node as a double. toml++ gives no double for an integer beyond
// 2^53 (it would lose digits), and value_or() then made it the default
// silently: scale = 9007199254740993 was read as 1.
double as_double(const toml::node& n) {
    if (const auto* i = n.as_integer()) return static_cast<double>(i->get());
    return n.value<double>().value_or(std::nan(""));
}

// "\u0000" is a valid TOML escape, but every C interface the value reaches
// (a path, an MQTT topic, a device name) would cut it there, and the gateway
// would open another file or publish elsewhere than the config says.
constexpr const char* kNulProblem = "must not contain a NUL character (\\u0000)";

bool has_nul(const std::string& s) {
    return s.find('\0') != std::string::npos;
}

const char* type_name(const toml::node& n) {
    switch (n.type()) {
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a number";
        case toml::node_type::boolean:
            return "a boolean";
        case toml::node_type::table:
            return "a table";
        case toml::node_type::array:
            return "an array";
        default:
            return "a date/time";
    }
}

}  // namespace

std::string config_number(double v) {
    std::ostringstream os;
    os << v;
    return os.str();
}

void Diagnostics::add(long line, const std::string& path, const std::string& what) {
    problems_.push_back({line, path, what});
}

std::vector<std::string> Diagnostics::lines() const {
    std::vector<std::string> out;
    for (const auto& p : problems_)
        out.push_back(file_ + ":" + std::to_string(p.line) + ": " + p.path + ": " + p.what);
    return out;
}

std::string TomlReader::key_path(const std::string& key) const {
    return path_.empty() ? key : path_ + "." + key;
}

long TomlReader::line() const {
    return static_cast<long>(table_->source().begin.line);
}

long TomlReader::line_of(const std::string& key) const {
    const toml::node* n = table_->get(key);
    return n ? static_cast<long>(n->source().begin.line) : line();
}

const toml::node* TomlReader::take(const std::string& key) {
    used_.insert(key);
    return table_->get(key);
}

void TomlReader::wrong_type(const std::string& key, const toml::node& node,
                            const std::string& expected) {
    problem_at(node.source().begin.line, key,
               std::string("expected ") + expected + ", got " + type_name(node));
}

void TomlReader::problem(const std::string& key, const std::string& what) {
    problem_at(line_of(key), key, what);
}

void TomlReader::problem_at(long line, const std::string& key, const std::string& what) {
    diag_->add(line, key.empty() ? path_ : key_path(key), what);
}

std::string TomlReader::text(const std::string& key, const std::string& def, bool required) {
    const toml::node* n = take(key);
    if (!n) {
        if (required) problem(key, "required key is missing");
        return def;
    }
    if (!n->is_string()) {
        wrong_type(key, *n, "a string");
        return def;
    }
    std::string v = n->value<std::string>().value_or(def);
    if (required && v.empty()) problem(key, "must not be empty");
    if (has_nul(v)) problem(key, kNulProblem);
    return v;
}

std::string TomlReader::choice(const std::string& key, const std::string& def,
                               const std::vector<std::string>& allowed) {
    std::string v = text(key, def);
    for (const auto& a : allowed)
        if (a == v) return v;
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    problem(key, "must be one of " + list + ", got \"" + v + "\"");
    return def;
}

long TomlReader::integer(const std::string& key, long def, long min, long max, bool required) {
    const toml::node* n = take(key);
    if (!n) {
        if (required) problem(key, "required key is missing");
        return def;
    }
    if (!n->is_integer()) {
        wrong_type(key, *n, "an integer");
        return def;
    }
    // Compared as read, in 64 bits: on armhf `long` has 32, and a cast
    // first turned port = 4294967297 into 1, which passed.
    const int64_t v = n->value<int64_t>().value_or(def);
    if (v < min || v > max) {
        problem(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                         ", got " + std::to_string(v));
        return def;
    }
    return static_cast<long>(v);
}

double TomlReader::number(const std::string& key, double def, double min, double max,
                          bool required) {
    const toml::node* n = take(key);
    if (!n) {
        if (required) problem(key, "required key is missing");
        return def;
    }
    if (!n->is_number()) {
        wrong_type(key, *n, "a number");
        return def;
    }
    double v = as_double(*n);
    if (!std::isfinite(v) || v < min || v > max) {
        problem(key, "must be between " + config_number(min) + " and " + config_number(max) +
                         ", got " + config_number(v));
        return def;
    }
    return v;
}

std::optional<double> TomlReader::optional_number(const std::string& key) {
    const toml::node* n = take(key);
    if (!n) return std::nullopt;
    if (!n->is_number()) {
        wrong_type(key, *n, "a number");
        return std::nullopt;
    }
    double v = as_double(*n);
    if (!std::isfinite(v)) {
        problem(key, "must be a finite number");
        return std::nullopt;
    }
    return v;
}

bool TomlReader::flag(const std::string& key, bool def) {
    const toml::node* n = take(key);
    if (!n) return def;
    if (!n->is_boolean()) {
        wrong_type(key, *n, "a boolean (true or false)");
        return def;
    }
    return n->value<bool>().value_or(def);
}

std::vector<std::string> TomlReader::texts(const std::string& key, bool required) {
    std::vector<std::string> out;
    const toml::node* n = take(key);
    if (!n) {
        if (required) problem(key, "required key is missing");
        return out;
    }
    const toml::array* arr = n->as_array();
    if (!arr) {
        wrong_type(key, *n, "an array of strings");
        return out;
    }
    for (size_t i = 0; i < arr->size(); ++i) {
        const toml::node& item = *arr->get(i);
        if (!item.is_string()) {
            problem_at(item.source().begin.line, key + "[" + std::to_string(i) + "]",
                       std::string("expected a string, got ") + type_name(item));
            continue;
        }
        out.push_back(item.value<std::string>().value_or(""));
        if (has_nul(out.back()))
            problem_at(item.source().begin.line, key + "[" + std::to_string(i) + "]", kNulProblem);
    }
    if (required && out.empty() && arr->empty()) problem(key, "must not be empty");
    return out;
}

std::vector<double> TomlReader::numbers(const std::string& key, const std::vector<double>& def,
                                        double min, double max) {
    const toml::node* n = take(key);
    if (!n) return def;
    const toml::array* arr = n->as_array();
    if (!arr) {
        wrong_type(key, *n, "an array of numbers");
        return def;
    }
    std::vector<double> out;
    for (size_t i = 0; i < arr->size(); ++i) {
        const toml::node& item = *arr->get(i);
        const std::string item_key = key + "[" + std::to_string(i) + "]";
        if (!item.is_number()) {
            problem_at(item.source().begin.line, item_key,
                       std::string("expected a number, got ") + type_name(item));
            return def;
        }
        double v = as_double(item);
        if (!std::isfinite(v) || v < min || v > max) {
            problem_at(item.source().begin.line, item_key,
                       "must be between " + config_number(min) + " and " + config_number(max) +
                           ", got " + config_number(v));
            return def;
        }
        out.push_back(v);
    }
    if (!def.empty() && out.size() != def.size()) {
        problem(key, "must have " + std::to_string(def.size()) + " entries, got " +
                         std::to_string(out.size()));
        return def;
    }
    return out;
}

std::optional<TomlReader> TomlReader::table(const std::string& key, bool required) {
    const toml::node* n = take(key);
    if (!n) {
        if (required) problem(key, "required table is missing");
        return std::nullopt;
    }
    const toml::table* t = n->as_table();
    if (!t) {
        wrong_type(key, *n, "a table");
        return std::nullopt;
    }
    return TomlReader(*t, key_path(key), *diag_);
}

std::vector<TomlReader> TomlReader::tables(const std::string& key) {
    std::vector<TomlReader> out;
    const toml::node* n = take(key);
    if (!n) return out;
    const toml::array* arr = n->as_array();
    if (!arr) {
        wrong_type(key, *n, "an array of tables ([[" + key_path(key) + "]])");
        return out;
    }
    for (size_t i = 0; i < arr->size(); ++i) {
        const toml::node& item = *arr->get(i);
        const std::string item_path = key_path(key) + "[" + std::to_string(i) + "]";
        if (const toml::table* t = item.as_table()) {
            out.emplace_back(*t, item_path, *diag_);
        } else {
            diag_->add(item.source().begin.line, item_path,
                       std::string("expected a table, got ") + type_name(item));
        }
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> TomlReader::string_map(const std::string& key,
                                                                        long& line_out) {
    std::vector<std::pair<std::string, std::string>> out;
    line_out = line_of(key);
    auto sub = table(key);
    if (!sub) return out;
    for (auto&& [k, v] : *sub->table_) {
        std::string name(k.str());
        if (!v.is_string()) {
            sub->problem_at(v.source().begin.line, name,
                            std::string("expected a point id (string), got ") + type_name(v));
            continue;
        }
        out.emplace_back(name, v.value<std::string>().value_or(""));
    }
    return out;
}

void TomlReader::finish() {
    for (auto&& [k, v] : *table_) {
        std::string name(k.str());
        if (!used_.count(name)) problem_at(k.source().begin.line, name, "unknown key");
    }
}

double TomlParams::number(const std::string& key, double def, double min, double max) {
    return r_.number(key, def, min, max);
}

long TomlParams::integer(const std::string& key, long def, long min, long max) {
    return r_.integer(key, def, min, max);
}

bool TomlParams::flag(const std::string& key, bool def) {
    return r_.flag(key, def);
}

std::string TomlParams::text(const std::string& key, const std::string& def,
                             const std::vector<std::string>& allowed) {
    return allowed.empty() ? r_.text(key, def) : r_.choice(key, def, allowed);
}

std::vector<double> TomlParams::numbers(const std::string& key, const std::vector<double>& def,
                                        double min, double max) {
    return r_.numbers(key, def, min, max);
}

void TomlParams::problem(const std::string& key, const std::string& what) {
    r_.problem(key, what);
}

}  // namespace gw
