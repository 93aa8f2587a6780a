// Fuzz target `config`: the one config loader, as `gatewayd --check-config`,
// `gatewayctl config check` and `gatewayctl provision` call it, with every
// detector kind the daemon knows. Any text must give a config or errors in
// the documented form "NAME:LINE: key.path: what is wrong"; never a crash,
// a hang or an exception.
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "config/loader.hpp"
#include "detectors/kinds.hpp"

namespace {

// "fuzz.toml:<digits>: <something>"
bool well_formed(const std::string& line) {
    const std::string name = "fuzz.toml:";
    if (line.rfind(name, 0) != 0) return false;
    size_t i = name.size();
    const size_t digits = i;
    while (i < line.size() && std::isdigit(static_cast<unsigned char>(line[i]))) ++i;
    return i > digits && line.compare(i, 2, ": ") == 0 && line.size() > i + 2;
}

[[noreturn]] void broken(const char* what, const std::string& detail) {
    std::fprintf(stderr, "config fuzz: %s: %s\n", what, detail.c_str());
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const gw::LoadResult r = gw::load_config_text(text, "fuzz.toml", gw::detectors::kinds());
    if (r.ok() && !r.errors.lines.empty()) broken("a config and errors", r.errors.lines.front());
    if (!r.ok() && r.errors.lines.empty()) broken("no config and no error", text);
    for (const auto& line : r.errors.lines)
        if (!well_formed(line)) broken("error not in FILE:LINE: form", line);
    if (r.ok() && r.config->hash.empty()) broken("config without hash", text);
    return 0;
}
