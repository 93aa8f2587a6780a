#include "provision.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include <toml++/toml.h>

#include "config/loader.hpp"
#include "detectors/kinds.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>

namespace {

const std::string kExample =
    std::string(GW_SOURCE_DIR) + "/firmware/base/config/gateway.example.toml";

gw::Config load(const std::string& text) {
    auto r = gw::load_config_text(text, "provisioned.toml", gw::detectors::kinds());
    std::string errors;
    for (const auto& l : r.errors.lines) errors += l + "\n";
    CHECK_TEXT(r.ok(), errors.c_str());
    return *r.config;
}

std::string all_errors(const gw::ctl::Provisioned& p) {
    std::string s;
    for (const auto& l : p.errors.lines) s += l + "\n";
    return s;
}

gw::ctl::Provisioning site_b() {
    gw::ctl::Provisioning p;
    p.district = "minhang";
    p.site = "site-042";
    p.gateway_id = "gw-07";
    p.brokers =
        std::vector<std::string>{"ssl://center-a.example:8883", "ssl://center-b.example:8883"};
    p.ca_file = "/etc/city-edge-gateway/ca.crt";
    p.cert_file = "/etc/city-edge-gateway/client.crt";
    p.key_file = "/etc/city-edge-gateway/client.key";
    return p;
}

}  // namespace

TEST_GROUP(Provision) {
    std::string example = gw::test::read_file(kExample);
};

// provision parsed the file with toml++ before the loader's guards: a
// dotted key of 50,000 parts overflowed the stack (a crash, not an error).
TEST(Provision, AKeyOfTooManyPartsIsAnErrorNotACrash) {
    std::string key = "a";
    for (int i = 0; i < 50000; ++i) key += ".a";
    auto out = gw::ctl::provision_text(key + " = 1\n", "gw.toml", site_b());
    CHECK_FALSE(out.ok());
    STRCMP_EQUAL("gw.toml:1: (syntax): a dotted key of more than 64 parts\n",
                 all_errors(out).c_str());
}

TEST(Provision, SetsIdentityBrokersAndTlsFiles) {
    auto out = gw::ctl::provision_text(example, "gw.toml", site_b());
    CHECK_TEXT(out.ok(), all_errors(out).c_str());
    gw::Config c = load(out.text);
    STRCMP_EQUAL("minhang", c.identity.district.c_str());
    STRCMP_EQUAL("site-042", c.identity.site.c_str());
    STRCMP_EQUAL("gw-07", c.identity.gateway.c_str());
    LONGS_EQUAL(2, c.uplink.brokers.size());
    STRCMP_EQUAL("ssl://center-a.example:8883", c.uplink.brokers[0].c_str());
    STRCMP_EQUAL("ssl://center-b.example:8883", c.uplink.brokers[1].c_str());
    CHECK(c.uplink.tls.has_value());
    STRCMP_EQUAL("/etc/city-edge-gateway/ca.crt", c.uplink.tls->ca_file.c_str());
    STRCMP_EQUAL("/etc/city-edge-gateway/client.crt", c.uplink.tls->cert_file.c_str());
    STRCMP_EQUAL("/etc/city-edge-gateway/client.key", c.uplink.tls->key_file.c_str());
    // The client id follows the new identity unless the file sets one.
    STRCMP_EQUAL("site-042-gw-07", c.uplink.client_id.c_str());
}

TEST(Provision, KeepsEverythingElse) {
    const std::string provisioned = gw::ctl::provision_text(example, "gw.toml", site_b()).text;
    gw::Config before = load(example);
    gw::Config after = load(provisioned);
    STRCMP_EQUAL(before.data_dir.c_str(), after.data_dir.c_str());
    STRCMP_EQUAL(before.control.socket.c_str(), after.control.socket.c_str());
    STRCMP_EQUAL(before.uplink.topic_prefix.c_str(), after.uplink.topic_prefix.c_str());
    LONGS_EQUAL(before.uplink.inflight_window, after.uplink.inflight_window);
    LONGS_EQUAL(before.devices.size(), after.devices.size());
    LONGS_EQUAL(before.points.size(), after.points.size());
    LONGS_EQUAL(before.cameras.size(), after.cameras.size());
    LONGS_EQUAL(before.detectors.size(), after.detectors.size());
    for (size_t i = 0; i < before.points.size(); ++i) {
        STRCMP_EQUAL(before.points[i].id.c_str(), after.points[i].id.c_str());
        DOUBLES_EQUAL(before.points[i].scale, after.points[i].scale, 0.0);
    }
    // Loaded params are typed settings; what they are read from, each
    // [detectors.params] table, must come through unchanged.
    const toml::table before_doc = toml::parse(example);
    const toml::table after_doc = toml::parse(provisioned);
    for (size_t i = 0; i < before.detectors.size(); ++i) {
        CHECK(before.detectors[i].inputs == after.detectors[i].inputs);
        CHECK(before_doc["detectors"][i]["params"] == after_doc["detectors"][i]["params"]);
    }
}

TEST(Provision, ChangesOnlyWhatIsGiven) {
    gw::ctl::Provisioning p;
    p.site = "site-777";
    gw::Config c = load(gw::ctl::provision_text(example, "gw.toml", p).text);
    STRCMP_EQUAL("site-777", c.identity.site.c_str());
    STRCMP_EQUAL("xuhui", c.identity.district.c_str());
    STRCMP_EQUAL("gw-01", c.identity.gateway.c_str());
    STRCMP_EQUAL("tcp://127.0.0.1:1883", c.uplink.brokers.at(0).c_str());
    CHECK_FALSE(c.uplink.tls.has_value());
}

TEST(Provision, RejectsAnIdThatCannotBeATopicLevel) {
    gw::ctl::Provisioning p;
    p.site = "site/042";
    auto out = gw::ctl::provision_text(example, "gw.toml", p);
    CHECK_FALSE(out.ok());
    STRCMP_CONTAINS("gateway.site: must be 1-64 characters", all_errors(out).c_str());
    // The line counts in the rewritten text, not in gw.toml: the name says so.
    STRCMP_CONTAINS("gw.toml as provisioned:", all_errors(out).c_str());
}

TEST(Provision, RejectsABrokerThatIsNotAUri) {
    gw::ctl::Provisioning p;
    p.brokers = std::vector<std::string>{"center.example:1883"};
    auto out = gw::ctl::provision_text(example, "gw.toml", p);
    CHECK_FALSE(out.ok());
    STRCMP_CONTAINS("uplink.brokers: \"center.example:1883\" is not a broker URI",
                    all_errors(out).c_str());
}

TEST(Provision, RejectsAnEmptyBrokerList) {
    gw::ctl::Provisioning p;
    p.brokers = std::vector<std::string>{};
    CHECK_FALSE(gw::ctl::provision_text(example, "gw.toml", p).ok());
}

TEST(Provision, RejectsAClientCertificateWithoutKey) {
    gw::ctl::Provisioning p;
    p.ca_file = "/etc/ca.crt";
    p.cert_file = "/etc/client.crt";
    auto out = gw::ctl::provision_text(example, "gw.toml", p);
    CHECK_FALSE(out.ok());
    STRCMP_CONTAINS("cert_file and key_file go together", all_errors(out).c_str());
}

TEST(Provision, NoTlsRemovesTheTlsTable) {
    std::string with_tls = gw::ctl::provision_text(example, "gw.toml", site_b()).text;
    gw::ctl::Provisioning p;
    p.remove_tls = true;
    p.brokers = std::vector<std::string>{"tcp://10.1.2.3:1883"};
    gw::Config c = load(gw::ctl::provision_text(with_tls, "gw.toml", p).text);
    CHECK_FALSE(c.uplink.tls.has_value());
}

TEST(Provision, ReportsASyntaxErrorInTheOriginal) {
    gw::ctl::Provisioning p;
    p.site = "s2";
    auto out = gw::ctl::provision_text("[gateway\nsite = 1\n", "broken.toml", p);
    CHECK_FALSE(out.ok());
    STRCMP_CONTAINS("broken.toml:1:", all_errors(out).c_str());
}

TEST(Provision, ReplaceFileKeepsModeAndLeavesNoTemporaryFile) {
    gw::test::TempDir dir;
    std::string path = dir.write("gw.toml", "old\n");
    CHECK(chmod(path.c_str(), 0640) == 0);
    CHECK(gw::ctl::replace_file(path, "new\n").ok());
    STRCMP_EQUAL("new\n", gw::test::read_file(path).c_str());
    struct stat st {};
    CHECK(stat(path.c_str(), &st) == 0);
    LONGS_EQUAL(0640, st.st_mode & 07777);
    size_t files = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path()))
        ++files;
    LONGS_EQUAL(1, files);
}

// A config that is a symlink is rewritten where it points; the link stays.
TEST(Provision, ReplaceFileWritesThroughASymlink) {
    gw::test::TempDir dir;
    std::string real = dir.write("real.toml", "old\n");
    const std::string link = dir.file("gw.toml");
    CHECK(symlink(real.c_str(), link.c_str()) == 0);
    CHECK(gw::ctl::replace_file(link, "new\n").ok());
    STRCMP_EQUAL("new\n", gw::test::read_file(real).c_str());
    struct stat st {};
    CHECK(lstat(link.c_str(), &st) == 0);
    CHECK(S_ISLNK(st.st_mode));
}

TEST(Provision, ReplaceFileRefusesAMissingFile) {
    gw::test::TempDir dir;
    auto status = gw::ctl::replace_file(dir.file("absent.toml"), "x\n");
    CHECK_FALSE(status.ok());
    STRCMP_CONTAINS("absent.toml", status.error().c_str());
}
