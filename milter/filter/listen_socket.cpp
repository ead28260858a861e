// Listening socket set-up (see header).
#include "milter/filter/listen_socket.hpp"

#include "lib/util/file_util.hpp"
#include "lib/util/log.hpp"
#include "lib/util/unique_fd.hpp"
#include "milter/filter/milter_config.hpp"

#include <libmilter/mfapi.h>

#include <cerrno>
#include <cstring>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace uun::filter {

namespace {

// true: something accepted the connection; false: refused (stale socket).
result<bool> someone_listens(const std::string& path)
{
    sockaddr_un address{};
    if (path.size() >= sizeof address.sun_path)
        return fail(cat(path, ": socket path too long"));
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    unique_fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd)
        return fail(cat("socket() failed: ", std::strerror(errno)));
    int rc = ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address);
    int saved = errno;
    fd.reset();  // we only wanted to know whether anything answers
    if (rc == 0)
        return true;
    if (saved == ECONNREFUSED)
        return false;
    return fail(cat(path, ": cannot check for a running milter: ", std::strerror(saved)));
}

}  // namespace

result<void> clear_stale_socket(const std::string& spec)
{
    std::string path = unix_socket_path(spec);
    if (path.empty())
        return {};
    std::string dir = parent_directory(path);
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return fail(cat("the socket directory ", dir, " does not exist; create it (owned by the milter user)"));
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT)
            return {};
        return fail(cat(path, ": ", std::strerror(errno)));
    }
    if (!S_ISSOCK(st.st_mode))
        return fail(cat(path, " exists and is not a socket; refusing to remove it"));
    auto live = someone_listens(path);
    if (!live)
        return std::unexpected(live.error());
    if (*live)
        return fail(cat("another milter is already listening on ", path, "; refusing to start"));
    if (::unlink(path.c_str()) != 0)
        return fail(cat(path, ": cannot remove the stale socket: ", std::strerror(errno)));
    log::info(cat("removed the stale socket ", path, " (nothing answered on it)"));
    return {};
}

result<void> open_milter_socket(const std::string& spec, uid_t owner, gid_t group, mode_t mode)
{
    if (smfi_setconn(const_cast<char*>(spec.c_str())) != MI_SUCCESS)
        return fail(cat("libmilter refused the socket ", spec));
    // The socket is born with its final mode (bind applies the umask), and
    // its owner is set with lchown: nothing here follows a symlink that
    // another process of the milter user could put in place of the socket.
    mode_t saved_umask = ::umask(~mode & 0777);
    int opened = smfi_opensocket(false);
    ::umask(saved_umask);
    if (opened != MI_SUCCESS)
        return fail(cat("cannot listen on ", spec, " (address in use, or no permission)"));
    std::string path = unix_socket_path(spec);
    if (path.empty())
        return {};
    if (::lchown(path.c_str(), owner, group) != 0)
        return fail(cat(path, ": cannot chown the socket: ", std::strerror(errno)));
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode) || st.st_uid != owner || st.st_gid != group ||
        (st.st_mode & 0777) != mode)
        return fail(cat(path, ": the socket changed under us, or did not get its owner and mode"));
    return {};
}

}  // namespace uun::filter
