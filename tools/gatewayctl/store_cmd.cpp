// store stats, store export: what is waiting in the buffer for the center.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "core/file_io.hpp"
#include "daemon_link.hpp"
#include "output.hpp"
#include "store/record.hpp"

namespace gw::ctl {
namespace {

using nlohmann::json;

std::vector<std::string> lane_names() {
    std::vector<std::string> out;
    for (Lane lane : kAllLanes) out.emplace_back(to_string(lane));
    return out;
}

std::string mib(const json& bytes) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f MiB", bytes.get<double>() / (1024.0 * 1024.0));
    return buf;
}

void print_stats(const json& s) {
    Table t({"lane", "rows", "size", "cap", "oldest unsent"});
    for (Lane each : kAllLanes) {  // in delivery order
        const std::string lane = to_string(each);
        if (!s.contains(lane)) continue;  // a daemon from before the evidence lane was shown
        const json& l = s[lane];
        const json& age = l["oldest_unsent_age_ms"];
        t.add({lane, std::to_string(l.value("rows", 0L)), mib(l["bytes"]),
               mib(s[lane + "_max_bytes"]),
               age.is_number() ? human_duration_ms(age.get<long long>()) : "-"});
    }
    std::cout << t.render() << "\nfile " << s.value("path", std::string()) << ", boot "
              << s.value("boot", 0L) << ", " << s.value("commits", 0L) << " commits, "
              << s.value("evicted_rows", 0L) << " telemetry rows evicted, "
              << s.value("full_events", 0L) << " disk-full events\n";
}

// Pages through one lane; every record is one JSON line. Returns the rows
// written so far, this lane's added to `done` (the lanes before it), or -1
// after printing why.
long export_lane(const Target& target, const std::string& lane, std::ostream& out,
                 Progress& progress, long done, int& rc) {
    int64_t after = 0;
    for (;;) {
        json reply;
        rc = call(target,
                  {{"cmd", "store_export"}, {"lane", lane}, {"after", after}, {"limit", 500}},
                  reply, 15000);
        if (rc != kOk) return -1;
        for (const auto& r : reply["records"]) out << r.dump() << "\n";
        done += static_cast<long>(reply["records"].size());
        progress.update(done);
        after = reply["next"].get<int64_t>();
        if (reply["done"].get<bool>()) return done;
    }
}

// Written to FILE.part and renamed when whole: a failed export (the daemon
// went away, a full disk) leaves the previous FILE as it was.
int export_store(const Target& target, const std::string& path, const std::string& lanes) {
    if (int rc = refuse_store_file(target, path, "export"); rc != kOk) return rc;
    json stats;
    if (int rc = call(target, {{"cmd", "store_stats"}}, stats); rc != kOk) return rc;
    std::vector<std::string> which = lanes == "all" ? lane_names() : std::vector{lanes};
    long total = 0;
    for (const auto& l : which) total += stats[l].value("rows", 0L);
    const std::string part = path + ".part";
    std::ofstream out(part, std::ios::trunc);
    if (!out) {
        std::cerr << "gatewayctl: cannot write " << part << ": " << std::strerror(errno) << "\n";
        return kFailed;
    }
    auto give_up = [&](int rc) {
        out.close();
        std::remove(part.c_str());
        return rc;
    };
    long done = 0;
    {
        Progress progress("exporting", total);
        for (const auto& l : which) {
            int rc = kOk;
            done = export_lane(target, l, out, progress, done, rc);
            if (done < 0) return give_up(rc);
        }
    }
    out.close();
    if (!out) {
        std::cerr << "gatewayctl: writing " << part << " failed\n";
        return give_up(kFailed);
    }
    if (std::rename(part.c_str(), path.c_str()) != 0) {
        std::cerr << "gatewayctl: " << errno_text("cannot rename " + part + " to", path) << "\n";
        return give_up(kFailed);
    }
    std::cerr << "exported " << done << " rows to " << path << "\n";
    return kOk;
}

}  // namespace

void add_store_commands(CLI::App& app, Runner& run) {
    auto target = std::make_shared<Target>();
    auto* store = app.add_subcommand("store", "the store-and-forward buffer");
    store->require_subcommand(1);

    auto* stats = store->add_subcommand("stats", "rows, size and oldest unsent row per lane");
    add_target_options(stats, *target);
    stats->callback([&run, target] {
        run = [target] {
            json reply;
            if (int rc = call(*target, {{"cmd", "store_stats"}}, reply); rc != kOk) return rc;
            if (target->json) {
                reply.erase("ok");
                std::cout << reply.dump(2) << "\n";
            } else {
                print_stats(reply);
            }
            return kOk;
        };
    });

    auto* exp = store->add_subcommand("export", "unsent rows as JSON lines (nothing is removed)");
    add_target_options(exp, *target);
    auto out = std::make_shared<std::string>();
    auto lane = std::make_shared<std::string>("all");
    exp->add_option("-o,--out", *out, "output file (.jsonl)")->required();
    auto choices = lane_names();
    choices.emplace_back("all");
    std::string help;
    for (const auto& c : choices) help += (help.empty() ? "" : " | ") + c;
    exp->add_option("--lane", *lane, help)->check(CLI::IsMember(choices))->capture_default_str();
    exp->callback([&run, target, out, lane] {
        run = [target, out, lane] { return export_store(*target, *out, *lane); };
    });
}

}  // namespace gw::ctl
