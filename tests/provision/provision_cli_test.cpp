// `gatewayctl provision` as a technician runs it: exit codes, messages, and
// the file on disk.
#include <sys/stat.h>

#include <string>

#include "config/loader.hpp"
#include "detectors/kinds.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>

namespace {

const std::string kExampleToml =
    std::string(GW_SOURCE_DIR) + "/firmware/base/config/gateway.example.toml";

}  // namespace

TEST_GROUP(ProvisionCli) {
    gw::test::TempDir dir;
    std::string config;
    std::string original;
    void setup() override {
        original = gw::test::read_file(kExampleToml);
        config = dir.write("gateway.toml", original);
        CHECK(chmod(config.c_str(), 0640) == 0);
    }
};

TEST(ProvisionCli, WritesAValidConfigAndKeepsItsMode) {
    auto r = gw::test::run(
        {GW_GATEWAYCTL, "provision", "--config", config, "--district", "minhang", "--site",
         "site-042", "--gateway-id", "gw-07", "--broker", "ssl://center-a.example:8883", "--broker",
         "ssl://center-b.example:8883", "--ca-file", "/etc/city-edge-gateway/ca.crt"});
    LONGS_EQUAL_TEXT(0, r.code, r.err.c_str());
    STRCMP_CONTAINS("provisioned", r.out.c_str());
    auto loaded = gw::load_config(config, gw::detectors::kinds());
    CHECK(loaded.ok());
    STRCMP_EQUAL("site-042", loaded.config->identity.site.c_str());
    LONGS_EQUAL(2, loaded.config->uplink.brokers.size());
    STRCMP_EQUAL("/etc/city-edge-gateway/ca.crt", loaded.config->uplink.tls->ca_file.c_str());
    struct stat st {};
    CHECK(stat(config.c_str(), &st) == 0);
    LONGS_EQUAL(0640, st.st_mode & 07777);
    // The loader accepts what provision wrote; the TLS files it names are
    // not on this machine, so the full check (a start's) refuses it.
    auto check = gw::test::run({GW_GATEWAYCTL, "config", "check", "--text-only", config});
    LONGS_EQUAL(0, check.code);
    auto full = gw::test::run({GW_GATEWAYCTL, "config", "check", config});
    LONGS_EQUAL(2, full.code);
    STRCMP_CONTAINS("uplink.tls.ca_file: /etc/city-edge-gateway/ca.crt", full.err.c_str());
}

TEST(ProvisionCli, RefusesAnInvalidResultWithExitTwoAndLeavesTheFile) {
    auto r = gw::test::run({GW_GATEWAYCTL, "provision", "--config", config, "--gateway-id", "gw 07",
                            "--broker", "mqtt:/center"});
    LONGS_EQUAL(2, r.code);
    STRCMP_CONTAINS("gateway.id: must be 1-64 characters", r.err.c_str());
    STRCMP_CONTAINS("uplink.brokers: \"mqtt:/center\" is not a broker URI", r.err.c_str());
    STRCMP_CONTAINS("not written", r.err.c_str());
    CHECK(original == gw::test::read_file(config));
}

TEST(ProvisionCli, NothingToChangeIsAUsageError) {
    auto r = gw::test::run({GW_GATEWAYCTL, "provision", "--config", config});
    LONGS_EQUAL(2, r.code);
    STRCMP_CONTAINS("nothing to change", r.err.c_str());
}

TEST(ProvisionCli, MissingConfigIsAUsageError) {
    auto r = gw::test::run(
        {GW_GATEWAYCTL, "provision", "--config", dir.file("absent.toml"), "--site", "s2"});
    LONGS_EQUAL(2, r.code);
    STRCMP_CONTAINS("absent.toml: cannot read: No such file or directory", r.err.c_str());
}

TEST(ProvisionCli, DryRunPrintsAndDoesNotWrite) {
    auto r = gw::test::run(
        {GW_GATEWAYCTL, "provision", "--config", config, "--site", "site-9", "--dry-run"});
    LONGS_EQUAL(0, r.code);
    STRCMP_CONTAINS("site = 'site-9'", r.out.c_str());
    CHECK(original == gw::test::read_file(config));
}

// Written as asked, with the warnings gatewayd would turn into refusals:
// it runs from / under systemd, and refuses credentials others can read.
TEST(ProvisionCli, WarnsOfRelativePathsAndCredentialsOthersCanRead) {
    const std::string creds = dir.write("mqtt.credentials", "user\npassword\n");
    CHECK(chmod(creds.c_str(), 0644) == 0);
    auto r = gw::test::run({GW_GATEWAYCTL, "provision", "--config", config, "--broker",
                            "ssl://center.example:8883", "--ca-file", "ca.crt",
                            "--credentials-file", creds});
    LONGS_EQUAL_TEXT(0, r.code, r.err.c_str());
    STRCMP_CONTAINS("warning: ca.crt is a relative path", r.err.c_str());
    STRCMP_CONTAINS(("warning: " + creds + ": ").c_str(), r.err.c_str());
    STRCMP_CONTAINS("gatewayd refuses it at start", r.err.c_str());
}

TEST(ProvisionCli, NoTlsConflictsWithTlsFiles) {
    auto r = gw::test::run(
        {GW_GATEWAYCTL, "provision", "--config", config, "--no-tls", "--ca-file", "/x"});
    LONGS_EQUAL(2, r.code);
    CHECK(original == gw::test::read_file(config));
}
