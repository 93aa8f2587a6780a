#pragma once
// Typed, range-checked reads from one TOML table that remember which keys were
// used, so whatever is left over is reported as an unknown key (a typo in a
// key name must never silently fall back to a default).
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <toml++/toml.h>
#include <nlohmann/json.hpp>

#include "core/params.hpp"

namespace gw {

class Diagnostics {
  public:
    explicit Diagnostics(std::string file) : file_(std::move(file)) {}
    void add(long line, const std::string& path, const std::string& what);
    const std::vector<std::string>& lines() const { return lines_; }
    const std::string& file() const { return file_; }

  private:
    std::string file_;
    std::vector<std::string> lines_;
};

class TomlReader {
  public:
    TomlReader(const toml::table& table, std::string path, Diagnostics& diag)
        : table_(&table), path_(std::move(path)), diag_(&diag) {}

    std::string key_path(const std::string& key) const;
    long line() const;
    long line_of(const std::string& key) const;
    const std::string& path() const { return path_; }
    void rename(std::string path) { path_ = std::move(path); }
    bool has(const std::string& key) const { return table_->contains(key); }

    std::string text(const std::string& key, const std::string& def, bool required = false);
    std::string choice(const std::string& key, const std::string& def,
                       const std::vector<std::string>& allowed);
    long integer(const std::string& key, long def, long min, long max, bool required = false);
    double number(const std::string& key, double def, double min, double max,
                  bool required = false);
    std::optional<double> optional_number(const std::string& key);
    bool flag(const std::string& key, bool def);
    std::vector<std::string> texts(const std::string& key, bool required = false);
    std::vector<double> numbers(const std::string& key, const std::vector<double>& def, double min,
                                double max);
    std::optional<TomlReader> table(const std::string& key, bool required = false);
    std::vector<TomlReader> tables(const std::string& key);
    // Key/value pairs of a table of strings, e.g. detector inputs.
    std::vector<std::pair<std::string, std::string>> string_map(const std::string& key,
                                                                long& line_out);

    void problem(const std::string& key, const std::string& what);
    void problem_at(long line, const std::string& key, const std::string& what);
    // Reports every key that no read asked for.
    void finish();

  private:
    const toml::node* take(const std::string& key);
    void wrong_type(const std::string& key, const toml::node& node, const std::string& expected);

    const toml::table* table_;
    std::string path_;
    Diagnostics* diag_;
    std::set<std::string> used_;
};

// Params over a TOML table: detectors and drivers read their own settings
// through it; every value read (or defaulted) is recorded in `resolved`.
class TomlParams final : public Params {
  public:
    explicit TomlParams(TomlReader reader) : r_(std::move(reader)) {}
    double number(const std::string& key, double def, double min, double max) override;
    long integer(const std::string& key, long def, long min, long max) override;
    bool flag(const std::string& key, bool def) override;
    std::string text(const std::string& key, const std::string& def,
                     const std::vector<std::string>& allowed) override;
    std::vector<double> numbers(const std::string& key, const std::vector<double>& def, double min,
                                double max) override;
    void problem(const std::string& key, const std::string& what) override;
    void finish() { r_.finish(); }
    nlohmann::json resolved = nlohmann::json::object();

  private:
    TomlReader r_;
};

}  // namespace gw
