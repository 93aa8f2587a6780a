#include "provision.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>

#include <toml++/toml.h>

#include "core/unique_fd.hpp"
#include "detectors/kinds.hpp"

namespace gw::ctl {
namespace {

toml::table& subtable(toml::table& parent, const std::string& key) {
    if (!parent[key].is_table()) parent.insert_or_assign(key, toml::table{});
    return *parent[key].as_table();
}

void set_text(toml::table& table, const std::string& key, const std::optional<std::string>& value) {
    if (value) table.insert_or_assign(key, *value);
}

void apply(toml::table& doc, const Provisioning& p) {
    toml::table& gateway = subtable(doc, "gateway");
    set_text(gateway, "district", p.district);
    set_text(gateway, "site", p.site);
    set_text(gateway, "id", p.gateway_id);
    toml::table& uplink = subtable(doc, "uplink");
    if (p.brokers) {
        toml::array brokers;
        for (const auto& b : *p.brokers) brokers.push_back(b);
        uplink.insert_or_assign("brokers", std::move(brokers));
    }
    set_text(uplink, "credentials_file", p.credentials_file);
    if (p.remove_tls) {
        uplink.erase("tls");
    } else if (p.ca_file || p.cert_file || p.key_file) {
        toml::table& tls = subtable(uplink, "tls");
        set_text(tls, "ca_file", p.ca_file);
        set_text(tls, "cert_file", p.cert_file);
        set_text(tls, "key_file", p.key_file);
    }
}

std::string errno_text(const std::string& what, const std::string& path) {
    return what + " " + path + ": " + std::strerror(errno);
}

// Owns a file descriptor (and the temp file's name until it is renamed).
class TempFile {
  public:
    explicit TempFile(const std::string& target) : path_(target + ".provision.XXXXXX") {
        fd_ = mkstemp(path_.data());
    }
    ~TempFile() {
        if (fd_ >= 0) close(fd_);
        if (!renamed_) unlink(path_.c_str());
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    int fd() const { return fd_; }
    const std::string& path() const { return path_; }
    void renamed() { renamed_ = true; }

  private:
    std::string path_;
    int fd_ = -1;
    bool renamed_ = false;
};

Status write_all(int fd, const std::string& text, const std::string& path) {
    size_t done = 0;
    while (done < text.size()) {
        ssize_t n = write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail(errno_text("cannot write", path));
        done += static_cast<size_t>(n);
    }
    return Status::success();
}

}  // namespace

bool Provisioning::empty() const {
    return !district && !site && !gateway_id && !brokers && !ca_file && !cert_file && !key_file &&
           !credentials_file && !remove_tls;
}

Provisioned provision_text(const std::string& text, const std::string& name,
                           const Provisioning& p) {
    Provisioned out;
    toml::table doc;
    try {
        doc = toml::parse(text, name);
    } catch (const toml::parse_error& e) {
        // The loader words syntax errors the way the daemon does.
        out.errors = load_config_text(text, name, detectors::kinds()).errors;
        return out;
    }
    apply(doc, p);
    std::ostringstream serialized;
    serialized << "# Written by gatewayctl provision. The commented example is\n"
                  "# /usr/share/doc/city-edge-gateway/examples/gateway.example.toml\n\n"
               << doc << "\n";
    out.text = serialized.str();
    // The rewritten text is checked: its lines are not the file's (comments
    // go, keys are sorted), so the errors say which text they count in.
    out.errors = load_config_text(out.text, name + " as provisioned", detectors::kinds()).errors;
    return out;
}

Status replace_file(const std::string& link_or_path, const std::string& text) {
    // A config that is a symlink (into a shared config tree, say) is
    // rewritten where it points; renamed onto the link it became a copy and
    // the real file kept its old values.
    char* real = ::realpath(link_or_path.c_str(), nullptr);
    if (!real) return fail(errno_text("cannot resolve", link_or_path));
    const std::string path(real);
    std::free(real);
    struct stat old {};
    if (stat(path.c_str(), &old) != 0) return fail(errno_text("cannot stat", path));
    TempFile tmp(path);
    if (tmp.fd() < 0) return fail(errno_text("cannot create a temporary file next to", path));
    if (auto w = write_all(tmp.fd(), text, tmp.path()); !w) return w;
    // mkstemp makes 0600 files owned by us: give the new file the old one's.
    if (fchmod(tmp.fd(), old.st_mode & 07777) != 0)
        return fail(errno_text("cannot chmod", tmp.path()));
    if (fchown(tmp.fd(), old.st_uid, old.st_gid) != 0 && errno != EPERM)
        return fail(errno_text("cannot chown", tmp.path()));
    if (fsync(tmp.fd()) != 0) return fail(errno_text("cannot fsync", tmp.path()));
    if (rename(tmp.path().c_str(), path.c_str()) != 0)
        return fail(errno_text("cannot rename onto", path));
    tmp.renamed();
    // The rename itself must reach the disk before we report success.
    const auto folder = std::filesystem::path(path).parent_path();
    if (UniqueFd dir(open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY)); dir)
        (void)fsync(dir.get());
    return Status::success();
}

}  // namespace gw::ctl
