// Start-up readiness (see header): sd_notify for a service manager, a pipe
// for a detached daemon's waiting parent. The pipe carries '+' for ready or
// '-' and the reason; a child that dies first closes it with nothing said.
#include "lib/util/startup.hpp"

#include "lib/util/file_util.hpp"

#include <systemd/sd-daemon.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <unistd.h>

namespace uun {

namespace {

constexpr char ready_byte = '+';
constexpr char failed_byte = '-';
constexpr std::size_t max_reason_bytes = 4096;

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

[[noreturn]] void parent_waits(int fd, pid_t child, std::string program)
{
    std::string got;
    char buffer[512];
    for (;;) {
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (got.size() < max_reason_bytes + 1)
            got.append(buffer, static_cast<std::size_t>(n));
    }
    if (!got.empty() && got.front() == ready_byte)
        ::_exit(0);
    if (got.size() > 1 && got.front() == failed_byte)
        std::fprintf(stderr, "%s: %s\n", program.c_str(), got.c_str() + 1);
    else
        std::fprintf(stderr, "%s: the background process (pid %d) ended before it was ready; see the log\n",
                     program.c_str(), static_cast<int>(child));
    ::_exit(1);
}

// sd_notify texts are one line per assignment: a reason with new lines
// would end the STATUS= early and start a bogus assignment.
std::string one_line(std::string_view text)
{
    std::string out(text.substr(0, max_reason_bytes));
    for (char& c : out)
        if (c == '\n' || c == '\r')
            c = ' ';
    return out;
}

}  // namespace

bool startup_report::under_service_manager()
{
    const char* socket = std::getenv("NOTIFY_SOCKET");
    return socket != nullptr && *socket != '\0';
}

result<startup_report> startup_report::detach(std::string_view program)
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return fail(cat("cannot make a pipe: ", std::strerror(errno)));
    unique_fd read_end(fds[0]);
    unique_fd write_end(fds[1]);
    std::fflush(nullptr);
    pid_t pid = ::fork();
    if (pid < 0)
        return fail(cat("cannot fork: ", std::strerror(errno)));
    // Each side closes the end it does not use, so the parent sees EOF
    // when the child dies without a word.
    if (pid > 0) {
        write_end.reset();
        parent_waits(read_end.get(), pid, std::string(program));
    }
    read_end.reset();
    startup_report report{std::move(write_end)};
    std::string why;
    if (::setsid() < 0)
        why = cat("setsid: ", std::strerror(errno));
    else if (::chdir("/") != 0)
        why = cat("chdir /: ", std::strerror(errno));
    if (!why.empty()) {
        report.failed(why);
        return fail(why);
    }
    return report;
}

void startup_report::ready(bool keep_stderr)
{
    ::sd_notify(0, "READY=1");
    if (!pipe_)
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
    send(std::string_view(&ready_byte, 1));
}

void startup_report::failed(std::string_view reason)
{
    ::sd_notify(0, cat("STATUS=", one_line(reason)).c_str());
    if (pipe_)
        send(std::string(1, failed_byte) + std::string(reason.substr(0, max_reason_bytes)));
}

void startup_report::stopping()
{
    ::sd_notify(0, "STOPPING=1");
}

void startup_report::reloading()
{
    ::sd_notify(0, "RELOADING=1");
}

void startup_report::reloaded(std::string_view status)
{
    ::sd_notify(0, cat("READY=1\nSTATUS=", one_line(status)).c_str());
}

void startup_report::send(std::string_view text)
{
    write_all(pipe_.get(), text);
    pipe_.reset();
}

result<void> write_pid_file(const std::string& path)
{
    return write_file_atomic(path, cat(::getpid(), "\n"), 0644);
}

}  // namespace uun
