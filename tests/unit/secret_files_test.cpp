// The readers of the broker login and the command secret: what the daemon
// refuses, --check-config refuses too, from the same code.
#include "config/secret_files.hpp"

#include <sys/stat.h>

#include <string>

#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>

TEST_GROUP(SecretFiles) {
    gw::test::TempDir dir;
    std::string file(const std::string& name, const std::string& text, mode_t mode) {
        const std::string path = dir.write(name, text);
        chmod(path.c_str(), mode);
        return path;
    }
};

TEST(SecretFiles, CredentialsAreReadFromAPrivateFile) {
    auto c = gw::read_credentials(file("creds", "gateway\r\ns3cret\r\n", 0600));
    CHECK_TEXT(c.ok(), c.ok() ? "" : c.error().c_str());
    STRCMP_EQUAL("gateway", c->username.c_str());
    STRCMP_EQUAL("s3cret", c->password.c_str());
    auto empty = gw::read_credentials(file("empty", "", 0600));
    CHECK_FALSE(empty.ok());
    STRCMP_CONTAINS("expected \"username\\npassword\"", empty.error().c_str());
}

TEST(SecretFiles, AFileOthersCanReadOrWriteIsRefused) {
    const std::string readable = file("open", "gateway\npw\n", 0644);
    auto r = gw::read_credentials(readable);
    CHECK_FALSE(r.ok());
    STRCMP_EQUAL((readable +
                  " is world-readable (mode 0644): refusing to use it; run `chmod "
                  "o-rwx " +
                  readable + "`")
                     .c_str(),
                 r.error().c_str());
    auto w = gw::read_secret(file("writable", "0123456789abcdef\n", 0602));
    CHECK_FALSE(w.ok());
    STRCMP_CONTAINS("is world-writable (mode 0602)", w.error().c_str());
}

TEST(SecretFiles, ASecretIsItsFirstLineAndNotShort) {
    auto s = gw::read_secret(file("secret", "0123456789abcdef\r\nignored\n", 0600));
    CHECK_TEXT(s.ok(), s.ok() ? "" : s.error().c_str());
    STRCMP_EQUAL("0123456789abcdef", s->c_str());
    auto shortish = gw::read_secret(file("short", "12345\n", 0600));
    CHECK_FALSE(shortish.ok());
    STRCMP_CONTAINS("the secret must be at least 16 characters", shortish.error().c_str());
    auto missing = gw::read_secret(dir.path() + "/none");
    CHECK_FALSE(missing.ok());
    STRCMP_CONTAINS("No such file or directory", missing.error().c_str());
}

// A FIFO blocked --check-config and the start until a writer came.
TEST(SecretFiles, AFifoIsRefusedNotWaitedOn) {
    const std::string fifo = dir.file("secret.fifo");
    CHECK_EQUAL(0, ::mkfifo(fifo.c_str(), 0600));
    auto s = gw::read_secret(fifo);
    CHECK_FALSE(s.ok());
    STRCMP_EQUAL((fifo + ": not a regular file").c_str(), s.error().c_str());
    CHECK_FALSE(gw::read_credentials(fifo).ok());
}
