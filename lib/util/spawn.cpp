// Children without a shell (see header). Pipes are made close-on-exec so
// that children started at the same time from other threads never inherit
// each other's pipe ends (a leaked stdin write end would block EOF forever).
// A pidfd turns "the child exited" into one more thing poll() waits for; on
// kernels without one, waitid(WNOWAIT) is asked every no_pidfd_tick_ms.
#include "lib/util/spawn.hpp"

#include "lib/util/unique_fd.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace uun {

namespace {

using steady = std::chrono::steady_clock;

constexpr int no_pidfd_tick_ms = 50;
// Reads per drain: more than a pipe holds, and a bound, so that a process
// left behind that writes without pause cannot keep us reading forever.
constexpr int max_reads_per_drain = 64;

// Our ends of the child's pipes.
struct child_io {
    unique_fd input;           // the write end of its stdin, while input is left
    unique_fd output;          // the read end of its stdout and stderr, until EOF
    std::string_view pending;  // input not written yet
};

void ignore_sigpipe_once()
{
    static std::once_flag once;
    std::call_once(once, [] { ::signal(SIGPIPE, SIG_IGN); });
}

struct spawn_attributes {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    spawn_attributes()
    {
        posix_spawn_file_actions_init(&actions);
        posix_spawnattr_init(&attr);
    }
    ~spawn_attributes()
    {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
    }
    spawn_attributes(const spawn_attributes&) = delete;
    spawn_attributes& operator=(const spawn_attributes&) = delete;
};

// Its own process group, so a timeout reaches its children too; default
// signal dispositions (we ignore SIGPIPE, it must not) and an empty mask.
void set_signals_and_group(posix_spawnattr_t& attr)
{
    sigset_t none, defaults;
    sigemptyset(&none);
    sigfillset(&defaults);
    sigdelset(&defaults, SIGKILL);
    sigdelset(&defaults, SIGSTOP);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
}

std::vector<char*> c_strings(const std::vector<std::string>& strings)
{
    std::vector<char*> out;
    for (const auto& s : strings)
        out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

// Starts the child with its stdin and output wired to io's pipes.
result<pid_t> start(const std::vector<std::string>& argv, const spawn_options& options, child_io& io)
{
    int out[2], in[2] = {-1, -1};
    if (::pipe2(out, O_CLOEXEC) != 0)
        return fail(cat("cannot make a pipe: ", std::strerror(errno)));
    io.output.reset(out[0]);
    unique_fd out_write(out[1]), in_read;
    spawn_attributes sp;
    if (!options.stdin_path.empty()) {
        posix_spawn_file_actions_addopen(&sp.actions, 0, options.stdin_path.c_str(), O_RDONLY, 0);
    } else if (options.input.empty()) {
        posix_spawn_file_actions_addopen(&sp.actions, 0, "/dev/null", O_RDONLY, 0);
    } else {
        if (::pipe2(in, O_CLOEXEC) != 0)
            return fail(cat("cannot make a pipe: ", std::strerror(errno)));
        in_read.reset(in[0]);
        io.input.reset(in[1]);
        io.pending = options.input;
        ignore_sigpipe_once();
        posix_spawn_file_actions_adddup2(&sp.actions, in_read.get(), 0);
    }
    using mode = spawn_options::output_mode;
    if (options.output != mode::inherit)
        posix_spawn_file_actions_adddup2(&sp.actions, out_write.get(), 1);
    if (options.output == mode::capture)
        posix_spawn_file_actions_adddup2(&sp.actions, out_write.get(), 2);
    set_signals_and_group(sp.attr);

    auto args = c_strings(argv);
    auto envp = options.env ? c_strings(*options.env) : std::vector<char*>{};
    pid_t pid = -1;
    int rc = ::posix_spawn(&pid, args[0], &sp.actions, &sp.attr, args.data(), options.env ? envp.data() : environ);
    if (rc != 0)
        return fail(cat("cannot run ", argv[0], ": ", std::strerror(rc)));
    ::fcntl(io.output.get(), F_SETFL, O_NONBLOCK);
    if (io.input)
        ::fcntl(io.input.get(), F_SETFL, O_NONBLOCK);
    return pid;
}

void keep_output(std::string& out, const char* data, std::size_t n, const spawn_options& options)
{
    if (options.keep_tail) {
        out.append(data, n);
        if (out.size() > options.max_output)
            out.erase(0, out.size() - options.max_output);
    } else {
        std::size_t room = options.max_output - std::min(options.max_output, out.size());
        out.append(data, std::min(room, n));
    }
}

// Reads what the output pipe holds now; closes it at end of file or error.
void drain(child_io& io, std::string& out, const spawn_options& options)
{
    char buf[4096];
    for (int reads = 0; io.output && reads < max_reads_per_drain; ++reads) {
        ssize_t n = ::read(io.output.get(), buf, sizeof buf);
        if (n > 0)
            keep_output(out, buf, static_cast<std::size_t>(n), options);
        else if (n < 0 && errno == EINTR)
            continue;
        else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        else
            io.output.reset();
    }
}

// Writes what the stdin pipe takes now; closes it when all is written or
// the child stopped reading (EPIPE).
void feed(child_io& io)
{
    ssize_t w = ::write(io.input.get(), io.pending.data(), io.pending.size());
    if (w > 0)
        io.pending.remove_prefix(static_cast<std::size_t>(w));
    if ((w < 0 && errno != EAGAIN && errno != EINTR) || io.pending.empty())
        io.input.reset();
}

bool has_exited(pid_t pid)
{
    siginfo_t info{};
    return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid;
}

// Waits until the child has exited (not reaped: its pid still names its
// group) or the deadline passes, feeding input and reading output meanwhile.
bool wait_exit(pid_t pid, int pidfd, child_io& io, steady::time_point deadline, spawn_outcome& out,
               const spawn_options& options)
{
    for (;;) {
        if (pidfd < 0 && has_exited(pid))
            return true;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now()).count();
        if (left <= 0)
            return false;
        pollfd fds[3] = {{pidfd, POLLIN, 0}, {io.output.get(), POLLIN, 0}, {io.input.get(), POLLOUT, 0}};
        int wait_ms = static_cast<int>(std::min<long long>(left, pidfd < 0 ? no_pidfd_tick_ms : 60'000));
        int rc = ::poll(fds, 3, wait_ms);
        if (rc < 0 && errno != EINTR)
            return false;
        if (rc <= 0)
            continue;
        if (io.input && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP)))
            feed(io);
        if (fds[1].revents & (POLLIN | POLLHUP | POLLERR))
            drain(io, out.output, options);
        if (pidfd >= 0 && (fds[0].revents & POLLIN))
            return true;
    }
}

int reap(pid_t pid)
{
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
}

}  // namespace

result<spawn_outcome> spawn(const std::vector<std::string>& argv, const spawn_options& options)
{
    if (argv.empty())
        return fail("no program to run");
    child_io io;
    auto pid = start(argv, options, io);
    if (!pid)
        return std::unexpected(pid.error());
    // glibc 2.36's <sys/pidfd.h> lacks C linkage for C++, hence the raw call; -1 on old kernels.
    unique_fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, *pid, 0)));

    spawn_outcome out;
    out.timed_out = !wait_exit(*pid, pidfd.get(), io, steady::now() + options.timeout, out, options);
    if (out.timed_out) {
        ::kill(-*pid, SIGTERM);
        wait_exit(*pid, pidfd.get(), io, steady::now() + options.kill_grace, out, options);
        ::kill(-*pid, SIGKILL);
    }
    // Gone: nobody reads stdin any more; what it wrote is still in the pipe.
    io.input.reset();
    int status = reap(*pid);
    drain(io, out.output, options);
    out.input_complete = io.pending.empty();
    if (WIFEXITED(status))
        out.exit_status = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        out.signal = WTERMSIG(status);
    return out;
}

}  // namespace uun
