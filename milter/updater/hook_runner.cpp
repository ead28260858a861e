// Hook execution with posix_spawn, a pidfd to wait with a timeout, and a pipe
// for output (see header).
#include "milter/updater/hook_runner.hpp"

#include "lib/util/result.hpp"
#include "milter/updater/log_text.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace uun::updater {

namespace {

using steady = std::chrono::steady_clock;

constexpr const char* hook_path_env = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
constexpr int no_pidfd_tick_ms = 50;

class fd_guard {
public:
    explicit fd_guard(int fd = -1) : fd_(fd) {}
    ~fd_guard() { reset(); }
    fd_guard(const fd_guard&) = delete;
    fd_guard& operator=(const fd_guard&) = delete;
    int get() const { return fd_; }
    void reset(int fd = -1)
    {
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = fd;
    }

private:
    int fd_;
};

void keep_tail(std::string& out, const char* data, std::size_t n)
{
    out.append(data, n);
    if (out.size() > max_hook_output)
        out.erase(0, out.size() - max_hook_output);
}

// Reads what the pipe holds now; false at end of file or error.
bool drain(int fd, std::string& out)
{
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) {
            keep_tail(out, buf, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
}

// Waits until the child has exited (not reaped) or until the deadline, reading output meanwhile.
bool wait_exit(pid_t pid, int pidfd, int out_fd, steady::time_point deadline, std::string& output)
{
    bool out_open = out_fd >= 0;
    for (;;) {
        if (pidfd < 0) {
            siginfo_t info{};
            if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid)
                return true;
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now()).count();
        if (left <= 0)
            return false;
        struct pollfd fds[2] = {{pidfd, POLLIN, 0}, {out_open ? out_fd : -1, POLLIN, 0}};
        int wait_ms = static_cast<int>(std::min<long long>(left, pidfd < 0 ? no_pidfd_tick_ms : 60'000));
        int rc = ::poll(fds, 2, wait_ms);
        if (rc < 0 && errno != EINTR)
            return false;
        if (rc > 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)))
            out_open = drain(out_fd, output);
        if (rc > 0 && pidfd >= 0 && (fds[0].revents & POLLIN))
            return true;
    }
}

}  // namespace

hook_result run_hook(const std::vector<std::string>& argv, const environment& env, std::chrono::seconds timeout,
                     std::chrono::milliseconds kill_grace)
{
    hook_result r;
    if (argv.empty() || argv.front().empty() || argv.front().front() != '/') {
        r.why = "the hook is not an absolute program path";
        return r;
    }
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
        r.why = cat("cannot create a pipe: ", std::strerror(errno));
        return r;
    }
    fd_guard out_read(pipe_fds[0]), out_write(pipe_fds[1]);

    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<std::string> env_text{hook_path_env};
    for (const auto& [name, value] : env)
        env_text.push_back(cat(name, "=", value));
    std::vector<char*> envp;
    for (auto& e : env_text)
        envp.push_back(e.data());
    envp.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigfillset(&defaults);
    sigdelset(&defaults, SIGKILL);
    sigdelset(&defaults, SIGSTOP);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setpgroup(&attr, 0);  // its own group, so a timeout kills its children too
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid = -1;
    int rc = ::posix_spawn(&pid, args[0], &actions, &attr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        r.why = cat("cannot start ", argv.front(), ": ", std::strerror(rc));
        return r;
    }
    out_write.reset();
    ::fcntl(out_read.get(), F_SETFL, O_NONBLOCK);
    // glibc 2.36 declares pidfd_open without extern "C", so call it directly; -1 on old kernels: waitid polling.
    fd_guard pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));

    auto deadline = steady::now() + timeout;
    bool exited = wait_exit(pid, pidfd.get(), out_read.get(), deadline, r.output);
    if (!exited) {
        ::kill(-pid, SIGTERM);
        wait_exit(pid, pidfd.get(), out_read.get(), steady::now() + kill_grace, r.output);
        // The leader is not reaped yet, so its pid still names the group.
        ::kill(-pid, SIGKILL);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    drain(out_read.get(), r.output);

    if (!exited) {
        r.how = hook_result::outcome::timed_out;
        r.why = cat("timed out after ", timeout.count(), "s; its process group was killed");
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        r.how = hook_result::outcome::succeeded;
        r.exit_code = 0;
        r.why = "exited 0";
    } else if (WIFEXITED(status)) {
        r.how = hook_result::outcome::failed;
        r.exit_code = WEXITSTATUS(status);
        r.why = cat("exited ", r.exit_code);
    } else {
        r.how = hook_result::outcome::failed;
        r.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
        r.why = cat("killed by signal ", r.signal);
    }
    return r;
}

}  // namespace uun::updater
