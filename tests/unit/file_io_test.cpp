// Small files replaced whole: the new content at the asked mode whatever the
// umask, no temporary file left behind on success or failure, and nothing
// else next to the file touched.
#include "core/file_io.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>

namespace {

int entries(const std::string& dir) {
    int n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
    return n;
}

mode_t mode_of(const std::string& path) {
    struct stat st {};
    CHECK(::lstat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

}  // namespace

TEST_GROUP(FileIo) {
    gw::test::TempDir dir;
};

TEST(FileIo, ReplacesTheContentAtTheAskedModeWhateverTheUmask) {
    const std::string path = dir.write("boot.count", "41\n");
    const mode_t before = ::umask(0077);
    auto s = gw::replace_file_durably(path, "42\n", 0640);
    ::umask(before);
    CHECK_TEXT(s.ok(), s.ok() ? "" : s.error().c_str());
    STRCMP_EQUAL("42\n", gw::test::read_file(path).c_str());
    LONGS_EQUAL(0640, mode_of(path));
    LONGS_EQUAL(1, entries(dir.path()));
}

TEST(FileIo, AFailedRenameSaysWhereAndLeavesNoTemporaryFile) {
    // A directory cannot be renamed over by a file.
    const std::string target = dir.file("config.toml");
    std::filesystem::create_directory(target);
    auto s = gw::replace_file_durably(target, "x\n", 0644);
    CHECK_FALSE(s.ok());
    STRCMP_CONTAINS("cannot rename onto", s.error().c_str());
    STRCMP_CONTAINS(target.c_str(), s.error().c_str());
    CHECK(std::filesystem::is_directory(target));
    LONGS_EQUAL(1, entries(dir.path()));
}

// The temporary file has a name of its own: a file or link that happens to
// be called like one (gw.toml.tmp) is neither written through nor removed.
TEST(FileIo, FilesNextToItAreLeftAlone) {
    const std::string victim = dir.write("victim", "keep\n");
    CHECK(::symlink(victim.c_str(), dir.file("gw.toml.tmp").c_str()) == 0);
    const std::string path = dir.write("gw.toml", "old\n");
    auto s = gw::replace_file_durably(path, "new\n", 0644);
    CHECK_TEXT(s.ok(), s.ok() ? "" : s.error().c_str());
    STRCMP_EQUAL("new\n", gw::test::read_file(path).c_str());
    STRCMP_EQUAL("keep\n", gw::test::read_file(victim).c_str());
    LONGS_EQUAL(3, entries(dir.path()));  // victim, the link, gw.toml
}

TEST(FileIo, DirOfABareNameIsTheWorkingDirectory) {
    STRCMP_EQUAL(".", gw::dir_of("store.db").c_str());
    STRCMP_EQUAL("/", gw::dir_of("/store.db").c_str());
    STRCMP_EQUAL("/var/lib/gw", gw::dir_of("/var/lib/gw/store.db").c_str());
}
