#pragma once
// A Log whose lines a test can read back while other threads still write:
// a temporary file, read through a descriptor of its own, removed at the end.
#include <cstdio>
#include <memory>
#include <string>

#include "core/log.hpp"

namespace gw::test {

class CapturedLog {
  public:
    explicit CapturedLog(LogLevel min = LogLevel::info);
    ~CapturedLog();
    CapturedLog(const CapturedLog&) = delete;
    CapturedLog& operator=(const CapturedLog&) = delete;

    Log& log() { return log_; }
    // Everything written so far.
    std::string text() const;
    // How many times `what` occurs in it.
    size_t count(const std::string& what) const;

  private:
    struct Closer {
        void operator()(std::FILE* f) const { std::fclose(f); }
    };
    std::string path_;
    std::unique_ptr<std::FILE, Closer> file_;
    Log log_;
};

}  // namespace gw::test
