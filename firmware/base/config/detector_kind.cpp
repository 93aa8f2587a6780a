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
        if (!inputs.count(role)) out.push_back({InputProblem::What::missing, role});
    for (const auto& [role, point] : inputs)
        if (!takes(required_roles, role) && !takes(optional_roles, role))
            out.push_back({InputProblem::What::unknown, role});
    if (inputs.empty() && required_roles.empty() && !needs_camera)
        out.push_back({InputProblem::What::none, ""});
    return out;
}

}  // namespace gw
