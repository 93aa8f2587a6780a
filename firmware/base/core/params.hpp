#pragma once
// How a detector or driver reads its own settings without knowing the config
// file format. The config loader implements it over a TOML table; every read
// declares its default and valid range, so a bad value is reported with file,
// line and key, and the module that owns a parameter is the one place that
// defines it (a new detector touches only its own folder).
#include <string>
#include <vector>

namespace gw {

// A number as config messages show it: at most 6 significant digits, no
// trailing zeros ("150", "1234.57"). For modules' problems too.
std::string config_number(double v);

class Params {
  public:
    virtual ~Params() = default;
    virtual double number(const std::string& key, double def, double min, double max) = 0;
    virtual long integer(const std::string& key, long def, long min, long max) = 0;
    virtual bool flag(const std::string& key, bool def) = 0;
    virtual std::string text(const std::string& key, const std::string& def,
                             const std::vector<std::string>& allowed = {}) = 0;
    // A list of numbers, e.g. level thresholds; as many entries as `def` has
    // when `def` is not empty.
    virtual std::vector<double> numbers(const std::string& key, const std::vector<double>& def,
                                        double min, double max) = 0;
    // Lets a module report a cross-field problem ("alarm must exceed warning").
    virtual void problem(const std::string& key, const std::string& what) = 0;
};

// Defaults only: used where no config exists (unit tests, ad-hoc tools).
class DefaultParams final : public Params {
  public:
    double number(const std::string&, double def, double, double) override { return def; }
    long integer(const std::string&, long def, long, long) override { return def; }
    bool flag(const std::string&, bool def) override { return def; }
    std::string text(const std::string&, const std::string& def,
                     const std::vector<std::string>&) override {
        return def;
    }
    std::vector<double> numbers(const std::string&, const std::vector<double>& def, double,
                                double) override {
        return def;
    }
    void problem(const std::string& key, const std::string& what) override {
        problems.push_back(key + ": " + what);
    }
    std::vector<std::string> problems;
};

}  // namespace gw
