#pragma once
// A private directory under $TMPDIR for one test, removed with everything in it.
#include <string>

namespace gw::test {

class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }
    // Writes `text` to name inside the directory and returns the full path.
    std::string write(const std::string& name, const std::string& text) const;

  private:
    std::string path_;
};

std::string read_file(const std::string& path);

}  // namespace gw::test
