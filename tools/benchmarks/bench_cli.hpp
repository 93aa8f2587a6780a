#pragma once
// The benchmarks' command lines, through CLI11: --help lists a benchmark's
// options (it used to be ignored, and the full run started).
#include <cstdlib>

#include <CLI/CLI.hpp>

namespace gw::bench {

// Parses into what `app` binds; --help prints and exits 0, a bad option
// prints why and exits non-zero (CLI11's codes).
inline void parse_or_exit(CLI::App& app, int argc, char** argv) {
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        std::exit(app.exit(e));
    }
}

}  // namespace gw::bench
