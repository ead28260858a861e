// fork + setsid with a readiness pipe (see header).
#include "server/daemon/background.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace uun::server {

namespace {

constexpr char ready_byte = '+';
constexpr char failed_byte = '-';
constexpr std::size_t max_message = 4096;

void write_all(int fd, std::string_view data)
{
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

[[noreturn]] void parent_waits(int fd, pid_t child)
{
    std::string got;
    char buf[512];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got.append(buf, static_cast<std::size_t>(n));
        if (got.size() > max_message)
            break;
    }
    if (!got.empty() && got.front() == ready_byte)
        ::_exit(0);
    if (!got.empty() && got.front() == failed_byte)
        std::fprintf(stderr, "uun-server: %s\n", got.c_str() + 1);
    else
        std::fprintf(stderr, "uun-server: the background process ended before it was ready (pid %d)\n",
                     static_cast<int>(child));
    ::_exit(1);
}

}  // namespace

result<background> background::detach()
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return fail(cat("cannot make a pipe: ", std::strerror(errno)));
    std::fflush(nullptr);
    pid_t pid = ::fork();
    if (pid < 0)
        return fail(cat("cannot fork: ", std::strerror(errno)));
    if (pid > 0) {
        ::close(fds[1]);
        parent_waits(fds[0], pid);
    }
    ::close(fds[0]);
    if (::setsid() < 0)
        return fail(cat("setsid: ", std::strerror(errno)));
    if (::chdir("/") != 0)
        return fail(cat("chdir /: ", std::strerror(errno)));
    return background(fds[1]);
}

background::background(background&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

background::~background()
{
    if (fd_ >= 0)
        ::close(fd_);
}

void background::ready(bool keep_stderr)
{
    if (fd_ < 0)
        return;
    int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        ::dup2(null, STDIN_FILENO);
        ::dup2(null, STDOUT_FILENO);
        if (!keep_stderr)
            ::dup2(null, STDERR_FILENO);
        if (null > STDERR_FILENO)
            ::close(null);
    }
    write_all(fd_, std::string_view(&ready_byte, 1));
    ::close(fd_);
    fd_ = -1;
}

void background::failed(std::string_view message)
{
    if (fd_ < 0)
        return;
    write_all(fd_, std::string(1, failed_byte) + std::string(message.substr(0, max_message)));
    ::close(fd_);
    fd_ = -1;
}

}  // namespace uun::server
