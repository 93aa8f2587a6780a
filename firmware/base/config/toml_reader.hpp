#pragma once
// Typed, range-checked reads from one TOML table that remember which keys were
// used, so whatever is left over is reported as an unknown key (a typo in a
// key name must never silently fall back to a default).
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "core/enum_names.hpp"
#include "core/params.hpp"

namespace gw {

class Diagnostics {
  public:
    struct Problem {
        long line;
        std::string path;  // key.path
        std::string what;
    };
    explicit Diagnostics(std::string file) : file_(std::move(file)) {}
    void add(long line, const std::string& path, const std::string& what);
    // Each "FILE:LINE: key.path: what".
    std::vector<std::string> lines() const;
    const std::vector<Problem>& problems() const { return problems_; }
    const std::string& file() const { return file_; }

  private:
    std::string file_;
    std::vector<Problem> problems_;
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
    // One of an enum's names (its table lists the allowed values).
    template <typename E, size_t N>
    E choice(const std::string& key, E def, const EnumNames<E, N>& names) {
        auto v = choice(key, std::string(name_of(names, def)), names_of(names));
        return value_of(names, v).value_or(def);
    }
    long integer(const std::string& key, long def, long min, long max, bool required = false);
    double number(const std::string& key, double def, double min, double max,
                  bool required = false);
    std::optional<double> optional_number(const std::string& key);
    bool flag(const std::string& key, bool def);
    std::vector<std::string> texts(const std::string& key, bool required = false);
    std::vector<double> numbers(const std::string& key, const std::vector<double>& def, double min,
                                double max);
    std::optional<TomlReader> table(const std::string& key, bool required = false);
    // A reader over `other` (e.g. an empty table standing in for an absent
    // optional one) that reports to the same diagnostics under key.path.
    TomlReader sub_reader(const toml::table& other, const std::string& key) const {
        return TomlReader(other, key_path(key), *diag_);
    }
    std::vector<TomlReader> tables(const std::string& key);
    // Key/value pairs of a table of strings, e.g. detector inputs.
    std::vector<std::pair<std::string, std::string>> string_map(const std::string& key,
                                                                long& line_out);

    void problem(const std::string& key, const std::string& what);
    void problem_at(long line, const std::string& key, const std::string& what);
    // Marks a key as dealt with (its problem already said), so finish()
    // does not call it unknown too.
    void ignore(const std::string& key) { used_.insert(key); }
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

// Params over a TOML table: detectors read their own settings through it,
// with the same typed, range-checked reads as the rest of the file.
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

  private:
    TomlReader r_;
};

}  // namespace gw
