#pragma once
// `gatewayctl provision`: sets a site's identity, brokers and TLS files in a
// config file. The edit is validated by the daemon's own loader before
// anything is written, and the file is replaced atomically.
#include <optional>
#include <string>
#include <vector>

#include "config/loader.hpp"
#include "core/result.hpp"

namespace gw::ctl {

// What to change; unset fields keep the file's value.
struct Provisioning {
    std::optional<std::string> district;
    std::optional<std::string> site;
    std::optional<std::string> gateway_id;
    std::optional<std::vector<std::string>> brokers;  // replaces the list
    std::optional<std::string> ca_file;
    std::optional<std::string> cert_file;
    std::optional<std::string> key_file;
    std::optional<std::string> credentials_file;
    bool remove_tls = false;  // drop [uplink.tls] (plain tcp:// brokers)

    bool empty() const;
};

struct Provisioned {
    std::string text;     // the new file's content
    ConfigErrors errors;  // the loader's complaints; text is unusable if any
    bool ok() const { return errors.lines.empty(); }
};

// Applies `p` to the TOML `text` and validates the result with load_config_text.
// `name` labels error lines. Comments of the original are not kept: toml++
// re-serializes the document (the commented example ships in the package docs).
Provisioned provision_text(const std::string& text, const std::string& name, const Provisioning& p);

// Replaces `path` by `text` atomically (temp file in the same folder, fsync,
// rename), keeping the file's mode, owner and group.
Status replace_file(const std::string& path, const std::string& text);

}  // namespace gw::ctl
