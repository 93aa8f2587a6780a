#include "start_checks.hpp"

#include "core/file_io.hpp"
#include "secret_files.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace gw {
namespace {

// The gateway makes the folders of its store and socket (`path`, a file):
// the nearest part of the path that exists must be a folder.
void makeable_folder(const Config& c, const std::string& key, const std::string& path,
                     std::vector<std::string>& out) {
    namespace fs = std::filesystem;
    for (fs::path p = fs::path(path).parent_path(); !p.empty() && p != p.root_path();
         p = p.parent_path()) {
        struct stat st {};
        if (::stat(p.c_str(), &st) == 0) {
            if (!S_ISDIR(st.st_mode))
                out.push_back(c.file + ": " + key + ": " + path + ": " + p.string() +
                              " is not a folder");
            return;
        }
    }
}

}  // namespace

std::vector<std::string> start_problems(const Config& c) {
    std::vector<std::string> out;
    for (const auto& problem : tls_file_problems(c.uplink)) out.push_back(c.file + ": " + problem);
    // Read as the daemon reads them: a file it would refuse is refused here.
    if (!c.uplink.credentials_file.empty())
        if (auto r = read_credentials(c.uplink.credentials_file); !r)
            out.push_back(c.file + ": uplink.credentials_file: " + r.error());
    if (!c.commands.secret_file.empty())
        if (auto r = read_secret(c.commands.secret_file); !r)
            out.push_back(c.file + ": commands.secret_file: " + r.error());
    makeable_folder(c, "store.path", c.store.path, out);
    makeable_folder(c, "control.socket", c.control.socket, out);
    if (!c.control.group.empty()) {
        if (const group* g = ::getgrnam(c.control.group.c_str()); !g)
            out.push_back(c.file + ": control.group: group \"" + c.control.group +
                          "\" does not exist");
        else if (auto why = socket_group_problem(c.control.group, g->gr_gid, ProcessIds::own());
                 !why.empty())
            out.push_back(c.file + ": control.group: " + why);
    }
    const size_t max_socket = sizeof(sockaddr_un::sun_path) - 1;
    if (c.control.socket.size() > max_socket)
        out.push_back(c.file + ": control.socket: the path is " +
                      std::to_string(c.control.socket.size()) + " bytes, a Unix socket's at most " +
                      std::to_string(max_socket) + " (a shorter data_dir or control.socket)");
    return out;
}

std::vector<std::string> reload_problems(const Config& running, const Config& next) {
    std::vector<std::string> out;
    // The store holds the unsent rows, the command inbox and the boot
    // counter: a reload onto another file would strand them all (and the
    // reload's own reply, stored just before). Moving it is a stop, a move
    // of the files, and a start.
    if (next.store.path != running.store.path)
        out.push_back(next.file + ": store.path: " + next.store.path +
                      " is not the running store's " + running.store.path +
                      "; a reload cannot move the store (stop gatewayd, move the files, start it)");
    return out;
}

ProcessIds ProcessIds::own() {
    ProcessIds me{::geteuid(), ::getegid(), {}};
    const int n = ::getgroups(0, nullptr);
    if (n > 0) {
        me.groups.resize(static_cast<size_t>(n));
        const int got = ::getgroups(n, me.groups.data());
        me.groups.resize(static_cast<size_t>(std::max(got, 0)));
    }
    return me;
}

std::string socket_group_problem(const std::string& name, gid_t gid, const ProcessIds& me) {
    // chown() to a group needs CAP_CHOWN (root) or membership of it; the
    // packaged unit runs as an unprivileged user with no capabilities.
    if (me.euid == 0 || me.egid == gid ||
        std::find(me.groups.begin(), me.groups.end(), gid) != me.groups.end())
        return "";
    const passwd* pw = ::getpwuid(me.euid);
    const std::string user = pw ? pw->pw_name : "uid " + std::to_string(me.euid);
    return "gatewayd's user " + user + " is not a member of group \"" + name +
           "\", so it cannot give the control socket to that group (usermod -aG " + name + " " +
           user + ", then restart gatewayd)";
}

std::vector<std::string> tls_file_problems(const UplinkConfig& u) {
    std::vector<std::string> out;
    if (!u.tls) return out;
    auto readable = [&](const std::string& key, const std::string& path) {
        if (path.empty()) return;
        if (auto file = readable_regular_file(path); !file)
            out.push_back(key + ": " + path + ": " + file.error());
    };
    readable("uplink.tls.ca_file", u.tls->ca_file);
    readable("uplink.tls.cert_file", u.tls->cert_file);
    readable("uplink.tls.key_file", u.tls->key_file);
    return out;
}

}  // namespace gw
