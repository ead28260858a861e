// lib/util/startup: what a service manager hears on NOTIFY_SOCKET (a real
// datagram socket bound here), and what the shell that started a detached
// daemon sees (a real fork: exit status and stderr of the waiting parent).
#include "lib/util/startup.hpp"
#include "test/unit/test_support.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <functional>
#include <string>

#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace uun;

namespace {

// A stand-in for systemd's notify socket; NOTIFY_SOCKET points at it while it lives.
class notify_socket {
public:
    explicit notify_socket(const std::string& path)
    {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd_ >= 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        REQUIRE(path.size() < sizeof a.sun_path);
        path.copy(a.sun_path, path.size());
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        timeval tv{2, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
    }
    ~notify_socket()
    {
        ::unsetenv("NOTIFY_SOCKET");
        ::close(fd_);
    }
    std::string next()
    {
        char buffer[4096];
        ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
        return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string("(nothing)");
    }

private:
    int fd_ = -1;
};

struct parent_view {
    int exit_status = -1;
    std::string stderr_text;
};

// Forks a process that detaches as "uun-test"; the detached child runs
// child_does and exits 0. Returns what the waiting parent did.
parent_view start_detached(const std::function<void(startup_report&)>& child_does)
{
    int err[2];
    REQUIRE(::pipe(err) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::dup2(err[1], STDERR_FILENO);
        ::close(err[0]);
        ::close(err[1]);
        auto report = startup_report::detach("uun-test");
        if (!report)
            ::_exit(99);
        child_does(*report);
        ::_exit(0);
    }
    ::close(err[1]);
    parent_view view;
    char buffer[512];
    for (ssize_t n; (n = ::read(err[0], buffer, sizeof buffer)) > 0;)
        view.stderr_text.append(buffer, static_cast<std::size_t>(n));
    ::close(err[0]);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    view.exit_status = WEXITSTATUS(status);
    return view;
}

}  // namespace

TEST_CASE("under a service manager: READY=1, a failure's reason on one STATUS= line, STOPPING=1")
{
    CHECK_FALSE(startup_report::under_service_manager());
    test::scratch_dir dir;
    notify_socket manager(dir.file("notify"));
    CHECK(startup_report::under_service_manager());

    startup_report foreground;
    CHECK_FALSE(foreground.detached());
    foreground.ready(true);
    CHECK(manager.next() == "READY=1");
    foreground.failed("state_dir: cannot open\nthe replay cache");
    CHECK(manager.next() == "STATUS=state_dir: cannot open the replay cache");
    startup_report::stopping();
    CHECK(manager.next() == "STOPPING=1");
}

TEST_CASE("detached: the parent exits 0 on ready, 1 with the reason on failure, 1 when the child dies")
{
    auto ready = start_detached([](startup_report& r) {
        CHECK(r.detached());
        r.ready(false);
    });
    CHECK(ready.exit_status == 0);
    CHECK(ready.stderr_text.empty());

    auto failed = start_detached([](startup_report& r) { r.failed("trusted_keys: no key in /etc/uun/keys"); });
    CHECK(failed.exit_status == 1);
    CHECK(failed.stderr_text == "uun-test: trusted_keys: no key in /etc/uun/keys\n");

    auto died = start_detached([](startup_report&) { ::_exit(3); });
    CHECK(died.exit_status == 1);
    CHECK(died.stderr_text.find("uun-test: the background process (pid ") == 0);
    CHECK(died.stderr_text.find("ended before it was ready; see the log") != std::string::npos);
}
