// gatewayd and gatewayctl as a technician runs them: exit codes, messages,
// signals.
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>

#include "support/notify_socket.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>

namespace {

const std::string kExample =
    std::string(GW_SOURCE_DIR) + "/firmware/base/config/gateway.example.toml";

std::string minimal_config(const std::string& data_dir) {
    return "[gateway]\ndistrict = \"d\"\nsite = \"s\"\nid = \"g\"\ndata_dir = \"" + data_dir +
           "\"\n[uplink]\nbrokers = [\"tcp://127.0.0.1:1\"]\n[control]\nsocket = \"" + data_dir +
           "/ctl.sock\"\n";
}

std::string with_ssl_broker(std::string config) {
    const std::string plain = "tcp://127.0.0.1:1";
    return config.replace(config.find(plain), plain.size(), "ssl://127.0.0.1:1");
}

}  // namespace

TEST_GROUP(DaemonCli){};

// Under systemd (Type=notify, WatchdogSec) gatewayd says when it is ready
// and pings the watchdog at half its period while its workers are alive
// (a broker that refuses connections is no reason to stop pinging).
TEST(DaemonCli, UnderSystemdItReportsReadyAndFeedsTheWatchdog) {
    gw::test::TempDir dir;
    std::string cfg = dir.write("gw.toml", minimal_config(dir.path()));
    gw::test::NotifySocket systemd(dir.file("notify"),
                                   1000000);  // WatchdogSec=1s: a ping every 0.5 s
    gw::test::Process p({GW_GATEWAYD, "--config", cfg}, dir.path(), "gatewayd-notify");
    LONGS_EQUAL_TEXT(1, systemd.wait_for("READY=1", 1, 20000), p.err().c_str());
    LONGS_EQUAL_TEXT(4, systemd.wait_for("WATCHDOG=1", 4, 10000), p.err().c_str());
    p.signal(SIGTERM);
    LONGS_EQUAL_TEXT(1, systemd.wait_for("STOPPING=1", 1, 5000), p.err().c_str());
    CHECK(p.wait(5000).has_value());
    CHECK_TEXT(p.err().find("stalled") == std::string::npos, p.err().c_str());
}

TEST(DaemonCli, VersionPrintsAndExitsZero) {
    auto r = gw::test::run({GW_GATEWAYD, "--version"});
    LONGS_EQUAL(0, r.code);
    STRCMP_CONTAINS("gatewayd ", r.out.c_str());
}

TEST(DaemonCli, CheckConfigAcceptsTheExample) {
    auto r = gw::test::run({GW_GATEWAYD, "--check-config", kExample});
    LONGS_EQUAL(0, r.code);
    STRCMP_EQUAL("ok\n", r.out.c_str());
}

TEST(DaemonCli, CheckConfigRejectsABadFileWithExitTwo) {
    gw::test::TempDir dir;
    std::string path = dir.write(
        "bad.toml", "[gateway]\ndistrict = \"d\"\nsite = \"s\"\nid = \"g\"\nflavour = 1\n");
    auto r = gw::test::run({GW_GATEWAYD, "--check-config", path});
    LONGS_EQUAL(2, r.code);
    STRCMP_CONTAINS((path + ":5: gateway.flavour: unknown key").c_str(), r.err.c_str());
    STRCMP_CONTAINS((path + ":1: uplink: required table is missing").c_str(), r.err.c_str());
}

TEST(DaemonCli, RefusesToStartOnABadConfig) {
    gw::test::TempDir dir;
    std::string path = dir.write("bad.toml", "[gateway]\n");
    auto r = gw::test::run({GW_GATEWAYD, "--config", path});
    LONGS_EQUAL(2, r.code);
    STRCMP_CONTAINS("gateway.district: required key is missing", r.err.c_str());
}

// Files the config names are checked before the gateway starts: a missing
// credentials file, CA or command secret, or a control socket path too long
// for a Unix socket, is a config error (exit 2: the service does not
// restart in a loop on it), said by --check-config too, which used to
// print "ok" for such a file.
TEST(DaemonCli, FilesTheConfigNamesAreCheckedBeforeItStarts) {
    gw::test::TempDir dir;
    const std::string missing = dir.path() + "/nowhere";
    // TLS needs an ssl:// broker (else the loader stops before the files).
    std::string text = with_ssl_broker(minimal_config(dir.path()));
    text.replace(text.find("[control]"), 0,
                 "credentials_file = \"" + missing + "/creds\"\n[uplink.tls]\nca_file = \"" +
                     missing + "/ca.pem\"\n");
    text += "[commands]\nsecret_file = \"" + missing + "/secret\"\n";
    const std::string path = dir.write("files.toml", text);
    auto check = gw::test::run({GW_GATEWAYD, "--check-config", path});
    LONGS_EQUAL(2, check.code);
    STRCMP_CONTAINS("uplink.credentials_file: ", check.err.c_str());
    STRCMP_CONTAINS("uplink.tls.ca_file: ", check.err.c_str());
    STRCMP_CONTAINS("commands.secret_file: ", check.err.c_str());
    STRCMP_CONTAINS("No such file or directory", check.err.c_str());
    auto start = gw::test::run({GW_GATEWAYD, "--config", path});
    LONGS_EQUAL(2, start.code);
    STRCMP_CONTAINS("uplink.tls.ca_file: ", start.err.c_str());

    std::string long_socket = minimal_config(dir.path());
    const std::string sock = dir.path() + "/ctl.sock";
    long_socket.replace(long_socket.find(sock), sock.size(),
                        dir.path() + "/" + std::string(120, 's') + ".sock");
    auto too_long =
        gw::test::run({GW_GATEWAYD, "--check-config", dir.write("sock.toml", long_socket)});
    LONGS_EQUAL(2, too_long.code);
    STRCMP_CONTAINS("control.socket: the path is ", too_long.err.c_str());

    // A folder passes access(R_OK); Paho failed on it only at connect time.
    std::string folder_ca = with_ssl_broker(minimal_config(dir.path()));
    folder_ca.replace(folder_ca.find("[control]"), 0,
                      "[uplink.tls]\nca_file = \"" + dir.path() + "\"\n");
    auto folder =
        gw::test::run({GW_GATEWAYD, "--check-config", dir.write("folder.toml", folder_ca)});
    LONGS_EQUAL(2, folder.code);
    STRCMP_CONTAINS(("uplink.tls.ca_file: " + dir.path() + ": cannot read: Is a directory").c_str(),
                    folder.err.c_str());
}

// A command secret or broker login the daemon would refuse (short, open to
// others) is refused by --check-config too: the start used to fail with
// exit 1 after "ok", and the service restarted it over and over.
TEST(DaemonCli, SecretFilesTheDaemonWouldRefuseAreConfigErrors) {
    gw::test::TempDir dir;
    const std::string secret = dir.write("secret", "12345\n");
    chmod(secret.c_str(), 0600);
    const std::string creds = dir.write("creds", "gateway\npw\n");
    chmod(creds.c_str(), 0644);
    std::string text = minimal_config(dir.path());
    text.replace(text.find("[control]"), 0, "credentials_file = \"" + creds + "\"\n");
    text += "[commands]\nsecret_file = \"" + secret + "\"\n";
    const std::string path = dir.write("secrets.toml", text);
    auto check = gw::test::run({GW_GATEWAYD, "--check-config", path});
    LONGS_EQUAL(2, check.code);
    STRCMP_CONTAINS("commands.secret_file: ", check.err.c_str());
    STRCMP_CONTAINS("the secret must be at least 16 characters", check.err.c_str());
    STRCMP_CONTAINS("uplink.credentials_file: ", check.err.c_str());
    STRCMP_CONTAINS("is world-readable (mode 0644)", check.err.c_str());
    LONGS_EQUAL(2, gw::test::run({GW_GATEWAYD, "--config", path}).code);
    // gatewayctl config check said "ok" to it (it checked the file alone).
    auto ctl = gw::test::run({GW_GATEWAYCTL, "config", "check", path});
    LONGS_EQUAL(2, ctl.code);
    STRCMP_EQUAL(check.err.c_str(), ctl.err.c_str());
}

// A relative data_dir is made from the working folder on, its first part too
// (a one-letter first folder was skipped, and the start failed).
TEST(DaemonCli, ARelativeDataDirIsMade) {
    gw::test::TempDir dir;
    const std::string cfg = dir.write("gw.toml", minimal_config("d/gw"));
    gw::test::Process p(
        {"/bin/sh", "-c",
         "cd " + dir.path() + " && exec " + gw::test::shell_program(GW_GATEWAYD) + " -c " + cfg},
        dir.path(), "gatewayd-relative");
    CHECK_TEXT(p.wait_for_output("msg=ready", 10000), p.err().c_str());
    struct stat st {};
    CHECK(::stat((dir.path() + "/d/gw/ctl.sock").c_str(), &st) == 0);
    p.signal(SIGTERM);
    CHECK(p.wait(5000).has_value());
}

// Paths the gateway cannot use are config errors that name their key (exit
// 2, checked by --check-config too), not a start that fails with exit 1 and
// a bare system error, which the service restarted over and over.
TEST(DaemonCli, PathsTheGatewayCannotUseAreConfigErrors) {
    gw::test::TempDir dir;
    const std::string sock = dir.path() + "/ctl.sock";
    auto check = [&](const std::string& name, std::string text) {
        return gw::test::run({GW_GATEWAYD, "--check-config", dir.write(name, text)});
    };
    std::string empty_socket = minimal_config(dir.path());
    empty_socket.replace(empty_socket.find(sock), sock.size(), "");
    auto r = check("empty.toml", empty_socket);
    LONGS_EQUAL(2, r.code);
    STRCMP_CONTAINS(":9: control.socket: must name the socket file", r.err.c_str());

    auto no_group = check("group.toml", minimal_config(dir.path()) + "group = \"no-such-grp\"\n");
    LONGS_EQUAL(2, no_group.code);
    STRCMP_CONTAINS("control.group: group \"no-such-grp\" does not exist", no_group.err.c_str());

    const std::string file = dir.write("plain-file", "x");
    std::string under_file = minimal_config(file);
    auto not_folder = check("file.toml", under_file);
    LONGS_EQUAL(2, not_folder.code);
    STRCMP_CONTAINS(("store.path: " + file + "/store.db: " + file + " is not a folder").c_str(),
                    not_folder.err.c_str());
    auto start = gw::test::run({GW_GATEWAYD, "--config", dir.file("file.toml")});
    LONGS_EQUAL(2, start.code);
}

// SIGHUP does what the reload command does: an unchanged file is nothing to
// apply (it used to restart every part, resetting the detectors), a changed
// one restarts the parts with it.
TEST(DaemonCli, SighupAppliesAChangedFileAndLeavesAnUnchangedOne) {
    gw::test::TempDir dir;
    std::string cfg = dir.write("gw.toml", minimal_config(dir.path()));
    gw::test::Process p({GW_GATEWAYD, "--config", cfg}, dir.path(), "gatewayd-hup");
    CHECK_TEXT(p.wait_for_output("msg=ready", 10000), p.err().c_str());
    p.signal(SIGHUP);
    CHECK_TEXT(p.wait_for_output("nothing to apply", 10000), p.err().c_str());
    CHECK_TEXT(p.err().find("restarting") == std::string::npos, p.err().c_str());
    dir.write("gw.toml", minimal_config(dir.path()) + "# edited\n");
    p.signal(SIGHUP);
    CHECK_TEXT(p.wait_for_output("restarting with the new config", 10000), p.err().c_str());
    p.signal(SIGTERM);
    CHECK(p.wait(5000).has_value());
}

// A reload onto another store would strand its unsent rows, its command
// inbox and the reload's own reply: refused, the running config kept.
TEST(DaemonCli, AReloadCannotMoveTheStore) {
    gw::test::TempDir dir;
    std::string cfg = dir.write("gw.toml", minimal_config(dir.path()));
    gw::test::Process p({GW_GATEWAYD, "--config", cfg}, dir.path(), "gatewayd-move");
    CHECK_TEXT(p.wait_for_output("msg=ready", 10000), p.err().c_str());
    std::string moved = minimal_config(dir.path());
    const std::string key = "data_dir = \"" + dir.path() + "\"";
    moved.replace(moved.find(key), key.size(), "data_dir = \"" + dir.path() + "/moved\"");
    dir.write("gw.toml", moved);
    p.signal(SIGHUP);
    CHECK_TEXT(p.wait_for_output("a reload cannot move the store", 10000), p.err().c_str());
    CHECK_TEXT(p.err().find("restarting") == std::string::npos, p.err().c_str());
    p.signal(SIGTERM);
    CHECK(p.wait(5000).has_value());
}

TEST(DaemonCli, UnknownOptionIsAUsageError) {
    auto r = gw::test::run({GW_GATEWAYD, "--frobnicate"});
    LONGS_EQUAL(2, r.code);
}

TEST(DaemonCli, StopsCleanlyOnSigtermWithinTwoSeconds) {
    gw::test::TempDir dir;
    std::string cfg = dir.write("gw.toml", minimal_config(dir.path()));
    for (int sig : {SIGTERM, SIGINT}) {
        gw::test::Process p({GW_GATEWAYD, "--config", cfg}, dir.path(),
                            "gatewayd" + std::to_string(sig));
        CHECK_TEXT(p.wait_for_output("msg=ready", 10000), p.err().c_str());
        auto t0 = std::chrono::steady_clock::now();
        p.signal(sig);
        auto code = p.wait(2000);
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - t0)
                      .count();
        CHECK_TEXT(code.has_value(), "gatewayd did not stop within 2 s");
        LONGS_EQUAL(0, *code);
        CHECK(ms < 2000);
        STRCMP_CONTAINS("msg=stopped", p.err().c_str());
    }
}

TEST(DaemonCli, GatewayctlConfigCheck) {
    auto ok = gw::test::run({GW_GATEWAYCTL, "config", "check", kExample});
    LONGS_EQUAL(0, ok.code);
    STRCMP_EQUAL("ok\n", ok.out.c_str());
    auto missing = gw::test::run({GW_GATEWAYCTL, "config", "check", "/nonexistent.toml"});
    LONGS_EQUAL(2, missing.code);
    STRCMP_CONTAINS("cannot read", missing.err.c_str());
    auto bad = gw::test::run({GW_GATEWAYCTL, "frobnicate"});
    LONGS_EQUAL(2, bad.code);
}
