#pragma once
// The boot number of event ids ("<gateway>-<boot>-<seq>") must never repeat
// for the life of the gateway, whatever happens to the store file. It is kept
// twice: in the store's meta table and in a small file next to the store
// (`boot.count`), written durably before the new boot is used. A store file
// replaced, deleted or cut to 0 bytes loses one copy, not the other:
// boot = max(file, store, salvaged store) + 1.
#include <cstdint>
#include <string>

#include "core/result.hpp"

namespace gw::store {

// `boot.count` in the store file's directory.
std::string default_boot_file(const std::string& store_path);
// The number in the file; 0 when there is no file. A file that holds no
// number is an error (the caller decides whether to go on without it).
Result<uint64_t> read_boot_file(const std::string& path);
// Durably (temp file, fsync, rename, fsync of the directory), mode 0640.
Status write_boot_file(const std::string& path, uint64_t boot);

}  // namespace gw::store
