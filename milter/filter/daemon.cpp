// Daemonizing with a readiness pipe (see header).
#include "milter/filter/daemon.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "lib/util/file_util.hpp"

namespace uun::milter {

namespace {

constexpr std::string_view ready_word = "ready";
constexpr std::size_t max_reason_bytes = 4096;

[[noreturn]] void wait_for_child(int fd)
{
    std::string text;
    char buffer[512];
    for (;;) {
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (text.size() < max_reason_bytes)
            text.append(buffer, static_cast<std::size_t>(n));
    }
    if (text == ready_word)
        std::_Exit(0);
    if (text.empty())
        text = "uun-milter exited during start-up; see the mail log";
    std::fprintf(stderr, "uun-milter: %s\n", text.c_str());
    std::_Exit(1);
}

}  // namespace

startup_report::~startup_report()
{
    if (fd_ >= 0)
        ::close(fd_);
}

startup_report::startup_report(startup_report&& other) noexcept : fd_(other.fd_)
{
    other.fd_ = -1;
}

startup_report& startup_report::operator=(startup_report&& other) noexcept
{
    if (this != &other) {
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = other.fd_;
        other.fd_ = -1;
    }
    return *this;
}

result<startup_report> startup_report::daemonize()
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return fail(cat("pipe failed: ", std::strerror(errno)));
    pid_t pid = ::fork();
    if (pid < 0) {
        int saved = errno;
        ::close(fds[0]);
        ::close(fds[1]);
        return fail(cat("fork failed: ", std::strerror(saved)));
    }
    if (pid > 0) {
        ::close(fds[1]);
        wait_for_child(fds[0]);
    }
    ::close(fds[0]);
    if (::setsid() < 0)
        return fail(cat("setsid failed: ", std::strerror(errno)));
    if (::chdir("/") != 0)
        return fail(cat("chdir / failed: ", std::strerror(errno)));
    int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0)
        return fail(cat("/dev/null: ", std::strerror(errno)));
    for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO})
        ::dup2(null, fd);
    ::close(null);
    return startup_report(fds[1]);
}

void startup_report::send(std::string_view text)
{
    if (fd_ < 0)
        return;
    while (!text.empty()) {
        ssize_t n = ::write(fd_, text.data(), text.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        text.remove_prefix(static_cast<std::size_t>(n));
    }
    ::close(fd_);
    fd_ = -1;
}

void startup_report::ready()
{
    send(ready_word);
}

void startup_report::failed(std::string_view reason)
{
    send(reason);
}

result<void> write_pid_file(const std::string& path)
{
    return write_file_atomic(path, cat(::getpid(), "\n"), 0644);
}

}  // namespace uun::milter
