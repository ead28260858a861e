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
    unique_fd read_end(fds[0]), write_end(fds[1]);
    std::fflush(nullptr);
    pid_t pid = ::fork();
    if (pid < 0)
        return fail(cat("cannot fork: ", std::strerror(errno)));
    // The protocol after fork: each side closes the end it does not use, so
    // the parent sees EOF when the child goes without a word.
    if (pid > 0) {
        write_end.reset();
        parent_waits(read_end.get(), pid);
    }
    read_end.reset();
    if (::setsid() < 0)
        return fail(cat("setsid: ", std::strerror(errno)));
    if (::chdir("/") != 0)
        return fail(cat("chdir /: ", std::strerror(errno)));
    return background(std::move(write_end));
}

void background::ready(bool keep_stderr)
{
    if (!fd_)
        return;
    unique_fd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
    if (null) {
        ::dup2(null.get(), STDIN_FILENO);
        ::dup2(null.get(), STDOUT_FILENO);
        if (!keep_stderr)
            ::dup2(null.get(), STDERR_FILENO);
        if (null.get() <= STDERR_FILENO)
            (void)null.release();  // it is one of the three now: keep it
    }
    write_all(fd_.get(), std::string_view(&ready_byte, 1));
    fd_.reset();  // EOF after the byte: the parent has its answer
}

void background::failed(std::string_view message)
{
    if (!fd_)
        return;
    write_all(fd_.get(), std::string(1, failed_byte) + std::string(message.substr(0, max_message)));
    fd_.reset();
}

}  // namespace uun::server
