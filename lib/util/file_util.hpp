// File helpers with the durability rules uun keeps everywhere: reads have a
// size limit checked before allocating; writes go to a temp file in the same
// directory, are fsynced, renamed over the target, and the directory fsynced.
#pragma once

#include "lib/util/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>

#include <sys/types.h>

namespace uun {

result<std::string> read_file(const std::string& path, std::uint64_t max_bytes);

// Atomically replaces (or creates) path with data. exclusive: fail if path exists.
result<void> write_file_atomic(const std::string& path, std::string_view data, mode_t mode = 0644,
                               bool exclusive = false);

// fsyncs the directory holding path so a rename in it survives a crash.
result<void> sync_parent_directory(const std::string& path);

std::string parent_directory(const std::string& path);

// A secret (a key, a password) must be the owner's alone: an error naming
// the file and its mode when group or others may read or write it.
result<void> check_private_mode(const std::string& path);

}  // namespace uun
