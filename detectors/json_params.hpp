#pragma once
// gw::Params over the JSON the config loader resolved (DetectorConfig.params),
// so a detector reads its settings through the same XxxSettings::read(Params&)
// that validated them. Range or type problems are collected, never thrown.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/params.hpp"

namespace gw::detectors {

class JsonParams final : public Params {
  public:
    explicit JsonParams(const nlohmann::json& values) : values_(values) {}

    double number(const std::string& key, double def, double min, double max) override;
    long integer(const std::string& key, long def, long min, long max) override;
    bool flag(const std::string& key, bool def) override;
    std::string text(const std::string& key, const std::string& def,
                     const std::vector<std::string>& allowed) override;
    std::vector<double> numbers(const std::string& key, const std::vector<double>& def, double min,
                                double max) override;
    void problem(const std::string& key, const std::string& what) override;

    const std::vector<std::string>& problems() const { return problems_; }

  private:
    const nlohmann::json* find(const std::string& key) const;

    const nlohmann::json& values_;
    std::vector<std::string> problems_;
};

}  // namespace gw::detectors
