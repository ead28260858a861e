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

result<startup_report> startup_report::daemonize()
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return fail(cat("pipe failed: ", std::strerror(errno)));
    unique_fd read_end(fds[0]), write_end(fds[1]);
    pid_t pid = ::fork();
    if (pid < 0)
        return fail(cat("fork failed: ", std::strerror(errno)));
    // The protocol after fork: each side closes the end it does not use, so
    // the parent sees EOF when the child goes without a word.
    if (pid > 0) {
        write_end.reset();
        wait_for_child(read_end.get());
    }
    read_end.reset();
    if (::setsid() < 0)
        return fail(cat("setsid failed: ", std::strerror(errno)));
    if (::chdir("/") != 0)
        return fail(cat("chdir / failed: ", std::strerror(errno)));
    unique_fd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
    if (!null)
        return fail(cat("/dev/null: ", std::strerror(errno)));
    for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO})
        ::dup2(null.get(), fd);
    if (null.get() <= STDERR_FILENO)
        (void)null.release();  // it is one of the three now: keep it
    return startup_report(std::move(write_end));
}

void startup_report::send(std::string_view text)
{
    if (!fd_)
        return;
    while (!text.empty()) {
        ssize_t n = ::write(fd_.get(), text.data(), text.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        text.remove_prefix(static_cast<std::size_t>(n));
    }
    fd_.reset();  // EOF tells the parent the report is complete
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
