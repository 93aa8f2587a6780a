#include "provision.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include <toml++/toml.h>

#include "core/file_io.hpp"
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

}  // namespace

bool Provisioning::empty() const {
    return !district && !site && !gateway_id && !brokers && !ca_file && !cert_file && !key_file &&
           !credentials_file && !remove_tls;
}

Provisioned provision_text(const std::string& text, const std::string& name,
                           const Provisioning& p) {
    Provisioned out;
    if (auto refused = unparsable_toml(text, name); !refused.empty()) {
        out.errors.lines = std::move(refused);
        return out;
    }
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
    // The new file keeps the old one's mode and owner.
    return replace_file_durably(path, text, old.st_mode & 07777, FileOwner{old.st_uid, old.st_gid});
}

}  // namespace gw::ctl
