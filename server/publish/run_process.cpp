// Child processes without a shell (see header). Pipes are made close-on-exec
// so that children started at the same time from other threads never inherit
// each other's pipe ends (a leaked stdin write end would block EOF forever).
#include "server/publish/run_process.hpp"

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

namespace uun::publish {

namespace {

struct fd_pair {
    int fd[2] = {-1, -1};
    ~fd_pair()
    {
        close_end(0);
        close_end(1);
    }
    void close_end(int i)
    {
        if (fd[i] >= 0)
            ::close(fd[i]);
        fd[i] = -1;
    }
};

// A child that exits without reading all of stdin must not kill us with
// SIGPIPE; the write then fails with EPIPE, which we report. Children get
// the default disposition back (POSIX_SPAWN_SETSIGDEF below).
void ignore_sigpipe_once()
{
    static std::once_flag once;
    std::call_once(once, [] { ::signal(SIGPIPE, SIG_IGN); });
}

struct spawn_guard {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    spawn_guard()
    {
        posix_spawn_file_actions_init(&actions);
        posix_spawnattr_init(&attr);
    }
    ~spawn_guard()
    {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
    }
};

int remaining_ms(std::chrono::steady_clock::time_point deadline)
{
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

}  // namespace

result<process_exit> run_process(const std::vector<std::string>& argv, std::string_view input,
                                 const process_limits& limits)
{
    if (argv.empty())
        return fail("no program to run");
    ignore_sigpipe_once();
    fd_pair in, out;
    if (::pipe2(in.fd, O_CLOEXEC) != 0 || ::pipe2(out.fd, O_CLOEXEC) != 0)
        return fail(cat("cannot make a pipe: ", std::strerror(errno)));

    spawn_guard sp;
    posix_spawn_file_actions_adddup2(&sp.actions, in.fd[0], 0);
    posix_spawn_file_actions_adddup2(&sp.actions, out.fd[1], 1);
    posix_spawn_file_actions_adddup2(&sp.actions, out.fd[1], 2);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigdefault(&sp.attr, &defaults);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&sp.attr, &none);
    posix_spawnattr_setflags(&sp.attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = -1;
    int rc = ::posix_spawn(&pid, argv[0].c_str(), &sp.actions, &sp.attr, args.data(), environ);
    if (rc != 0)
        return fail(cat("cannot run ", argv[0], ": ", std::strerror(rc)));
    in.close_end(0);
    out.close_end(1);
    ::fcntl(in.fd[1], F_SETFL, O_NONBLOCK);

    // A pidfd turns "the child exited" into one more thing poll() waits for.
    // (glibc 2.36's <sys/pidfd.h> lacks C linkage for C++, hence the raw call.)
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    process_exit result;
    auto deadline = std::chrono::steady_clock::now() + limits.timeout;
    std::size_t written = 0;
    if (input.empty())
        in.close_end(1);
    bool exited = false;
    char buf[4096];
    while (out.fd[0] >= 0 || in.fd[1] >= 0 || (pidfd >= 0 && !exited)) {
        pollfd fds[3];
        nfds_t n = 0;
        int out_i = -1, in_i = -1, pid_i = -1;
        if (out.fd[0] >= 0) {
            out_i = static_cast<int>(n);
            fds[n++] = {out.fd[0], POLLIN, 0};
        }
        if (in.fd[1] >= 0) {
            in_i = static_cast<int>(n);
            fds[n++] = {in.fd[1], POLLOUT, 0};
        }
        if (pidfd >= 0 && !exited) {
            pid_i = static_cast<int>(n);
            fds[n++] = {pidfd, POLLIN, 0};
        }
        int ready = ::poll(fds, n, remaining_ms(deadline));
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready <= 0)
            break;  // timed out (or poll broke): the child is killed below
        if (in_i >= 0 && (fds[in_i].revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
            ssize_t w = ::write(in.fd[1], input.data() + written, input.size() - written);
            if (w > 0)
                written += static_cast<std::size_t>(w);
            if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == input.size())
                in.close_end(1);
        }
        if (out_i >= 0 && (fds[out_i].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
            ssize_t r = ::read(out.fd[0], buf, sizeof buf);
            if (r < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (r <= 0) {
                out.close_end(0);
            } else {
                std::size_t room = limits.max_output - std::min(limits.max_output, result.output.size());
                result.output.append(buf, std::min(room, static_cast<std::size_t>(r)));
            }
        }
        if (pid_i >= 0 && (fds[pid_i].revents & POLLIN) != 0) {
            exited = true;
            // Gone: nobody reads stdin any more; what it wrote is still in the pipe.
            in.close_end(1);
        }
    }
    result.input_complete = written == input.size();
    in.close_end(1);
    if (pidfd >= 0)
        ::close(pidfd);

    int status = 0;
    bool finished = out.fd[0] < 0 && (pidfd < 0 || exited);
    if (!finished) {
        // Overstayed: it is our child, so its pid is still ours to kill.
        ::kill(pid, SIGKILL);
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        return fail(cat(argv[0], " did not finish within ", limits.timeout.count() / 1000.0, " s; killed it"));
    }
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return fail(cat(argv[0], ": waitpid failed: ", std::strerror(errno)));
    }
    if (WIFEXITED(status)) {
        result.status = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        result.signal = WTERMSIG(status);
    }
    return result;
}

std::string describe_failure(const std::string& program, const process_exit& e)
{
    std::string first_line = e.output.substr(0, e.output.find('\n'));
    std::string said = first_line.empty() ? "" : cat(": ", first_line);
    if (e.signal != 0)
        return cat(program, " was killed by signal ", e.signal, said);
    if (e.status != 0)
        return cat(program, " exited ", e.status, said);
    if (!e.input_complete)
        return cat(program, " exited 0 without reading the whole message", said);
    return "";
}

}  // namespace uun::publish
