#pragma once
// The file plumbing the store and the tools share: whole writes, errno
// messages, and small files (a boot counter, a provisioned config)
// replaced so that a power cut or kill -9 leaves the old content or the new,
// never a torn file.
#include <sys/stat.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace gw {

struct FileOwner {
    uid_t uid;
    gid_t gid;
};

// Written to a new temporary file next to it, synced, renamed over `path`,
// and the rename synced through the directory before success. `mode`
// whatever the umask. `owner`: chown to it where
// allowed (a non-root caller keeps its own, which is what it could create anyway).
Status replace_file_durably(const std::string& path, std::string_view text, mode_t mode,
                            std::optional<FileOwner> owner = std::nullopt);

// Unlinks `path` (gone already is success) and syncs its directory, so a
// power cut does not bring it back.
Status remove_durably(const std::string& path);

// The stat of `path` if it is a regular file this process may read, or why
// not: "cannot read: <strerror>" (missing, no permission, a folder) or "not
// a regular file" (a FIFO would block the reader until a writer came, a
// device such as /dev/zero never ends). The one check for every file the
// config names: the config itself, TLS files, credentials and secrets.
Result<struct stat> readable_regular_file(const std::string& path);

// "<what> <path>: <strerror(errno)>", the wording of file errors.
std::string errno_text(const std::string& what, const std::string& path);
// All of `text`, through short writes and EINTR.
Status write_all(int fd, std::string_view text, const std::string& path);
// The directory part of a path ("." for a bare name).
std::string dir_of(const std::string& path);

}  // namespace gw
