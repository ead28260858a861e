// Payload import and lookup (see header). The copy is hashed while it is
// written, so the name always matches the bytes that landed on disk.
#include "server/store/payload_dir.hpp"

#include "lib/util/digest.hpp"
#include "lib/util/file_util.hpp"
#include "lib/util/random.hpp"
#include "lib/util/unique_fd.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace uun::store {

std::string payload_dir::path_of(const std::string& sha256) const
{
    return dir_ + "/" + sha256;
}

result<void> payload_dir::check_writable() const
{
    struct stat st {};
    if (::stat(dir_.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return fail(cat(dir_, ": payload directory does not exist"));
    if (::access(dir_.c_str(), W_OK) != 0)
        return fail(cat(dir_, ": payload directory is not writable: ", std::strerror(errno)));
    return {};
}

result<payload_info> payload_dir::import(const std::string& source, std::uint64_t max_size) const
{
    unique_fd in(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in)
        return fail(cat(source, ": cannot open: ", std::strerror(errno)));
    struct stat st {};
    if (::fstat(in.get(), &st) != 0 || !S_ISREG(st.st_mode))
        return fail(cat(source, ": not a regular file"));
    if (static_cast<std::uint64_t>(st.st_size) > max_size)
        return fail(cat(source, ": ", st.st_size, " bytes is over the payload limit of ", max_size));
    if (st.st_size == 0)
        return fail(cat(source, ": the file is empty"));
    return copy_in(in.get(), source, max_size);
}

result<payload_info> payload_dir::import_stream(int fd, std::uint64_t max_size) const
{
    auto info = copy_in(fd, "the upload", max_size);
    if (info && info->size == 0) {
        ::unlink(path_of(info->sha256).c_str());
        return fail("the upload is empty");
    }
    return info;
}

result<payload_info> payload_dir::copy_in(int in, const std::string& source, std::uint64_t max_size) const
{
    std::string tmp = cat(dir_, "/.import-", to_hex(random_bytes(8)));
    unique_fd out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!out)
        return fail(cat(dir_, ": cannot write payload: ", std::strerror(errno)));
    auto abandon = [&](std::string why) -> result<payload_info> {
        ::unlink(tmp.c_str());
        return fail(std::move(why));
    };

    sha256_stream digest;
    std::uint64_t size = 0;
    char buf[1 << 16];
    for (;;) {
        ssize_t n = ::read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return abandon(cat(source, ": read error: ", std::strerror(errno)));
        if (n == 0)
            break;
        size += static_cast<std::uint64_t>(n);
        if (size > max_size)
            return abandon(cat(source, ": grew past the payload limit while being read"));
        digest.update(std::string_view(buf, static_cast<std::size_t>(n)));
        for (ssize_t off = 0; off < n;) {
            ssize_t w = ::write(out.get(), buf + off, static_cast<std::size_t>(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                return abandon(cat(dir_, ": cannot write payload: ", std::strerror(errno)));
            off += w;
        }
    }
    if (::fsync(out.get()) != 0)
        return abandon(cat(dir_, ": fsync failed: ", std::strerror(errno)));
    if (out.close() != 0)
        return abandon(cat(dir_, ": cannot write payload: ", std::strerror(errno)));
    payload_info info{digest.hex_digest(), size};
    if (::rename(tmp.c_str(), path_of(info.sha256).c_str()) != 0)
        return abandon(cat(dir_, ": cannot store payload: ", std::strerror(errno)));
    if (auto r = sync_parent_directory(path_of(info.sha256)); !r)
        return std::unexpected(r.error());
    return info;
}

}  // namespace uun::store
