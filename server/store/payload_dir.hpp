// Content-addressed payload files: <dir>/<sha256>. uun-publish imports a file
// (streamed, hashed, temp + fsync + rename); uun-server serves them by name.
// A name is only ever a validated sha256, never something a client chose.
#pragma once

#include "lib/util/result.hpp"

#include <cstdint>
#include <string>

namespace uun::store {

struct payload_info {
    std::string sha256;
    std::uint64_t size = 0;
};

class payload_dir {
public:
    explicit payload_dir(std::string dir) : dir_(std::move(dir)) {}

    // Copies source into the directory; refuses files over max_size.
    result<payload_info> import(const std::string& source, std::uint64_t max_size) const;
    // The same from a pipe (uun-publish --serve's stdin), read to its end.
    result<payload_info> import_stream(int fd, std::uint64_t max_size) const;
    // Path of a stored payload; sha256 must already be validated hex.
    std::string path_of(const std::string& sha256) const;
    // The directory exists and is writable.
    result<void> check_writable() const;
    const std::string& dir() const { return dir_; }

private:
    result<payload_info> copy_in(int fd, const std::string& source, std::uint64_t max_size) const;
    std::string dir_;
};

}  // namespace uun::store
