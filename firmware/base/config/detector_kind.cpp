#include "detector_kind.hpp"

#include <algorithm>

namespace gw {

std::vector<InputProblem> DetectorKind::check_inputs(
    const std::map<std::string, std::string>& inputs) const {
    std::vector<InputProblem> out;
    auto takes = [](const std::vector<std::string>& roles, const std::string& role) {
        return std::find(roles.begin(), roles.end(), role) != roles.end();
    };
    for (const auto& role : required_roles)
        if (!inputs.count(role)) out.push_back({"inputs." + role, "required input is missing"});
    for (const auto& [role, point] : inputs)
        if (!takes(required_roles, role) && !takes(optional_roles, role))
            out.push_back({"inputs." + role, "unknown input role for a " + name + " detector"});
    auto mapped = [&](const std::string& role) { return inputs.count(role) > 0; };
    if (!one_of_roles.empty() && std::none_of(one_of_roles.begin(), one_of_roles.end(), mapped))
        out.push_back({"inputs", "a " + name + " detector needs " + one_of_text(one_of_roles)});
    else if (inputs.empty() && required_roles.empty() && !needs_camera)
        out.push_back({"inputs", "a " + name + " detector needs at least one input"});
    return out;
}

std::string one_of_text(const std::vector<std::string>& roles) {
    if (roles.size() == 2) return roles[0] + ", " + roles[1] + " or both";
    std::string text;
    for (size_t i = 0; i < roles.size(); ++i)
        text += (i == 0 ? "" : i + 1 < roles.size() ? ", " : " or ") + roles[i];
    return text;
}

}  // namespace gw
