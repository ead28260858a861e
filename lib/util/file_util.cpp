// Atomic, durable file writes and bounded reads (see header).
#include "lib/util/file_util.hpp"

#include "lib/util/digest.hpp"
#include "lib/util/random.hpp"
#include "lib/util/unique_fd.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace uun {

namespace {

result<void> write_all(int fd, std::string_view data, const std::string& path)
{
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return fail(cat(path, ": write failed: ", std::strerror(errno)));
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

}  // namespace

std::string parent_directory(const std::string& path)
{
    auto slash = path.find_last_of('/');
    if (slash == std::string::npos)
        return ".";
    if (slash == 0)
        return "/";
    return path.substr(0, slash);
}

result<std::string> read_file(const std::string& path, std::uint64_t max_bytes)
{
    unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        return fail(cat(path, ": cannot open: ", std::strerror(errno)));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        return fail(cat(path, ": cannot stat: ", std::strerror(errno)));
    if (!S_ISREG(st.st_mode))
        return fail(cat(path, ": not a regular file"));
    if (static_cast<std::uint64_t>(st.st_size) > max_bytes)
        return fail(cat(path, ": larger than the limit of ", max_bytes, " bytes"));
    std::string out;
    out.reserve(static_cast<std::size_t>(st.st_size));
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return fail(cat(path, ": read error: ", std::strerror(errno)));
        }
        if (n == 0)
            break;
        if (out.size() + static_cast<std::size_t>(n) > max_bytes)
            return fail(cat(path, ": larger than the limit of ", max_bytes, " bytes"));
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

result<void> sync_parent_directory(const std::string& path)
{
    std::string dir = parent_directory(path);
    unique_fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd)
        return fail(cat(dir, ": cannot open directory: ", std::strerror(errno)));
    if (::fsync(fd.get()) != 0)
        return fail(cat(dir, ": fsync failed: ", std::strerror(errno)));
    return {};
}

result<void> write_file_atomic(const std::string& path, std::string_view data, mode_t mode, bool exclusive)
{
    std::string tmp = cat(parent_directory(path), "/.", to_hex(random_bytes(8)), ".tmp");
    unique_fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
    if (!fd)
        return fail(cat(tmp, ": cannot create: ", std::strerror(errno)));
    auto cleanup = [&](error e) -> result<void> {
        fd.reset();
        ::unlink(tmp.c_str());
        return std::unexpected(std::move(e));
    };
    if (auto w = write_all(fd.get(), data, path); !w)
        return cleanup(w.error());
    if (::fchmod(fd.get(), mode) != 0)
        return cleanup(error{cat(path, ": chmod failed: ", std::strerror(errno))});
    if (::fsync(fd.get()) != 0)
        return cleanup(error{cat(path, ": fsync failed: ", std::strerror(errno))});
    if (fd.close() != 0) {
        ::unlink(tmp.c_str());
        return fail(cat(path, ": close failed: ", std::strerror(errno)));
    }
    int rc = exclusive ? ::link(tmp.c_str(), path.c_str()) : ::rename(tmp.c_str(), path.c_str());
    int saved = errno;
    if (exclusive)
        ::unlink(tmp.c_str());
    if (rc != 0) {
        ::unlink(tmp.c_str());
        if (exclusive && saved == EEXIST)
            return fail(cat(path, ": already exists; refusing to overwrite"));
        return fail(cat(path, ": cannot install: ", std::strerror(saved)));
    }
    return sync_parent_directory(path);
}

result<void> check_private_mode(const std::string& path)
{
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return fail(cat(path, ": ", std::strerror(errno)));
    if ((st.st_mode & 077) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%03o", static_cast<unsigned>(st.st_mode & 0777));
        return fail(cat(path, ": readable or writable by group or others (mode ", mode, "); chmod 600 it"));
    }
    return {};
}

}  // namespace uun
