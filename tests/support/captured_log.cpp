#include "captured_log.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <stdexcept>

#include "temp_dir.hpp"

namespace gw::test {

namespace {
std::FILE* open_temporary(std::string& path) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/gw-log-XXXXXX";
    const int fd = ::mkstemp(pattern.data());
    if (fd < 0) throw std::runtime_error("no temporary file for the captured log");
    path = pattern;
    std::FILE* f = ::fdopen(fd, "w");
    if (!f) {
        ::close(fd);
        throw std::runtime_error("cannot write the captured log");
    }
    return f;
}
}  // namespace

CapturedLog::CapturedLog(LogLevel min) : file_(open_temporary(path_)), log_(min, file_.get()) {}

CapturedLog::~CapturedLog() {
    file_.reset();
    ::unlink(path_.c_str());
}

std::string CapturedLog::text() const {
    std::fflush(file_.get());  // the Log flushes each line; this is for lines under way
    return read_file(path_);
}

size_t CapturedLog::count(const std::string& what) const {
    const std::string all = text();
    size_t n = 0;
    for (size_t at = 0; (at = all.find(what, at)) != std::string::npos; at += what.size()) ++n;
    return n;
}

}  // namespace gw::test
