#include "json_params.hpp"

namespace gw::detectors {

const nlohmann::json* JsonParams::find(const std::string& key) const {
    if (!values_.is_object()) return nullptr;
    auto it = values_.find(key);
    return it == values_.end() ? nullptr : &*it;
}

double JsonParams::number(const std::string& key, double def, double min, double max) {
    const auto* v = find(key);
    if (!v) return def;
    if (!v->is_number()) {
        problem(key, "must be a number");
        return def;
    }
    double x = v->get<double>();
    if (x < min || x > max) {
        problem(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
        return def;
    }
    return x;
}

long JsonParams::integer(const std::string& key, long def, long min, long max) {
    const auto* v = find(key);
    if (!v) return def;
    if (!v->is_number_integer()) {
        problem(key, "must be an integer");
        return def;
    }
    long x = v->get<long>();
    if (x < min || x > max) {
        problem(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
        return def;
    }
    return x;
}

bool JsonParams::flag(const std::string& key, bool def) {
    const auto* v = find(key);
    if (!v) return def;
    if (!v->is_boolean()) {
        problem(key, "must be true or false");
        return def;
    }
    return v->get<bool>();
}

std::string JsonParams::text(const std::string& key, const std::string& def,
                             const std::vector<std::string>& allowed) {
    const auto* v = find(key);
    if (!v) return def;
    if (!v->is_string()) {
        problem(key, "must be a string");
        return def;
    }
    auto s = v->get<std::string>();
    if (!allowed.empty()) {
        bool known = false;
        for (const auto& a : allowed) known = known || a == s;
        if (!known) {
            problem(key, "\"" + s + "\" is not an allowed value");
            return def;
        }
    }
    return s;
}

std::vector<double> JsonParams::numbers(const std::string& key, const std::vector<double>& def,
                                        double min, double max) {
    const auto* v = find(key);
    if (!v) return def;
    if (!v->is_array()) {
        problem(key, "must be a list of numbers");
        return def;
    }
    std::vector<double> out;
    for (const auto& x : *v) {
        if (!x.is_number() || x.get<double>() < min || x.get<double>() > max) {
            problem(key, "must be numbers between " + std::to_string(min) + " and " +
                             std::to_string(max));
            return def;
        }
        out.push_back(x.get<double>());
    }
    if (!def.empty() && out.size() != def.size()) {
        problem(key, "must have " + std::to_string(def.size()) + " entries");
        return def;
    }
    return out;
}

void JsonParams::problem(const std::string& key, const std::string& what) {
    problems_.push_back(key + ": " + what);
}

}  // namespace gw::detectors
