// The uun-updater executable itself: exit codes of --once, a bad config, a
// second instance, and the daemon acting on a trigger and stopping on
// SIGTERM. Runs against tls_peer.py (a TLS peer, not uun-server).
#include "test/unit/milter/updater/root_world.hpp"
#include "test/unit/milter/updater/tls_peer.hpp"

#include <doctest/doctest.h>

#include <csignal>

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace uun;
using namespace std::chrono_literals;

namespace {

// A process of the real binary, its stdout and stderr in one file.
class updater_process {
public:
    updater_process(const std::vector<std::string>& args, const std::string& log)
    {
        std::vector<std::string> all{UUN_UPDATER_BINARY};
        all.insert(all.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& a : all)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_adddup2(&actions, 1, 2);
        int rc = ::posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        if (rc != 0)
            throw std::runtime_error("cannot start " UUN_UPDATER_BINARY);
    }
    ~updater_process()
    {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    updater_process(const updater_process&) = delete;
    updater_process& operator=(const updater_process&) = delete;

    // The exit code, or -1 when it did not exit in time.
    int wait(std::chrono::milliseconds limit)
    {
        auto end = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < end) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            ::usleep(20'000);
        }
        return -1;
    }
    void signal(int sig) { ::kill(pid_, sig); }

private:
    pid_t pid_ = -1;
};

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit = 10s)
{
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
        if (condition())
            return true;
        ::usleep(20'000);
    }
    return condition();
}

struct appliance {
    test::scratch_dir dir;
    std::unique_ptr<test::tls_peer> peer;

    appliance()
    {
        for (const char* sub : {"spool", "target", "payloads"})
            ::mkdir(dir.file(sub).c_str(), 0755);
        test::make_test_ca(dir.file("ca"), "IP:127.0.4.1");
        test::spit(dir.file("publisher.pem"), proto::private_key::generate()->public_part().pem());
        peer = std::make_unique<test::tls_peer>("127.0.4.1", dir.file("ca"), dir.file("payloads"));
    }

    std::string config(const std::string& server, const std::string& extra = "")
    {
        std::string path = dir.file("updater.yaml");
        test::spit(path, cat("server: ", server, "\n",
                             "ca_file: ", dir.file("ca/ca.pem"), "\n",
                             "source_address: 127.0.4.2\n",
                             "appliance: {id: gw-main, product: mg-5000, version: 3.2.1}\n",
                             "notify: {recipient: 'uun@[127.0.4.2]'}\n",
                             "trusted_keys: [", dir.file("publisher.pem"), "]\n",
                             "state_dir: ", dir.file("state"), "\n",
                             "spool_dir: ", dir.file("spool"), "\n",
                             "backoff_min: 5s\n",
                             "coalesce_window: 1s\n",
                             "timeouts: {connect: 5s, request: 10s}\n",
                             "channels:\n  av:\n    file: ", dir.file("target/av.db"), "\n", extra));
        return path;
    }
};

}  // namespace

TEST_CASE("uun-updater refuses a bad config with exit code 2 and file:line:key")
{
    test::scratch_dir dir;
    test::spit(dir.file("bad.yaml"), "server: http://x\ncolour: blue\n");
    updater_process p({"-c", dir.file("bad.yaml"), "--once"}, dir.file("log"));
    CHECK(p.wait(10s) == 2);
    auto log = test::slurp(dir.file("log"));
    INFO(log);
    CHECK(log.find(dir.file("bad.yaml") + ":1: 'server'") != std::string::npos);
    CHECK(log.find(":2: unknown key 'colour'") != std::string::npos);
}

TEST_CASE("uun-updater --once polls over TLS and exits 0, or 1 when the server cannot be reached")
{
    appliance a;
    auto config = a.config(a.peer->url());
    updater_process good({"-c", config, "-f", "--once"}, a.dir.file("log"));
    CHECK(good.wait(20s) == 0);
    auto log = test::slurp(a.dir.file("log"));
    INFO(log);
    CHECK(log.find("poll (periodic, last_seq 0): 0 entries") != std::string::npos);
    CHECK(test::slurp(a.dir.file("state/token")).size() == 44);  // 43 characters and a newline
    CHECK(test::slurp(a.dir.file("state/state.json")).find("\"last_poll\": 1") != std::string::npos);

    auto unreachable = a.config("https://127.0.4.1:1");
    updater_process bad({"-c", unreachable, "-f", "--once"}, a.dir.file("log2"));
    CHECK(bad.wait(20s) == 1);
    INFO(test::slurp(a.dir.file("log2")));
    CHECK(test::slurp(a.dir.file("log2")).find("poll (periodic) failed") != std::string::npos);
}

TEST_CASE("uun-updater in root mode: a bad root stops the start (2); no timestamp statement makes --once exit 3")
{
    appliance a;
    std::string config = a.config(a.peer->url());
    std::string text = test::slurp(config);
    std::string keys = cat("trusted_keys: [", a.dir.file("publisher.pem"), "]\n");
    text.replace(text.find(keys), keys.size(), cat("trust: {root: ", a.dir.file("root.json"), "}\n"));
    test::spit(config, text);

    test::vendor_keys vendor;
    auto root = vendor.make(1, 4'000'000'000);
    test::spit(a.dir.file("root.json"), test::sign_root(root, {&vendor.root[0]}).dump());  // below the threshold
    updater_process bad({"-c", config, "-f", "--once"}, a.dir.file("log"));
    CHECK(bad.wait(10s) == 2);
    auto log = test::slurp(a.dir.file("log"));
    INFO(log);
    CHECK(log.find(cat("trust.root ", a.dir.file("root.json"), " does not verify")) != std::string::npos);

    test::spit(a.dir.file("root.json"), test::sign_root(root, {&vendor.root[0], &vendor.root[1]}).dump());
    updater_process stale({"-c", config, "-f", "--once"}, a.dir.file("log2"));
    CHECK(stale.wait(20s) == 3);
    auto log2 = test::slurp(a.dir.file("log2"));
    INFO(log2);
    CHECK(log2.find("poll (periodic, root v1, last_seq 0)") != std::string::npos);
    CHECK(log2.find("no fresh timestamp statement") != std::string::npos);
}

TEST_CASE("the daemon polls on a trigger, and stops on SIGTERM; a second one is refused")
{
    appliance a;
    auto config = a.config(a.peer->url());
    updater_process daemon({"-c", config, "-f"}, a.dir.file("log"));
    auto log = [&] { return test::slurp(a.dir.file("log")); };
    REQUIRE_MESSAGE(eventually([&] { return log().find("0 entries") != std::string::npos; }), log());

    updater_process second({"-c", config, "-f", "--once"}, a.dir.file("log2"));
    CHECK(second.wait(10s) == 2);
    CHECK(test::slurp(a.dir.file("log2")).find("another uun-updater is running") != std::string::npos);

    std::string trigger = a.dir.file("spool/uun-7-AbCdEfGhIjKlMnOpQr_-09");
    test::spit(a.dir.file("spool/.tmp"), "");
    REQUIRE(::rename(a.dir.file("spool/.tmp").c_str(), trigger.c_str()) == 0);
    // The peer offers nothing for seq 7, so the urgent poll finishes it.
    CHECK_MESSAGE(eventually([&] { return !test::exists(trigger); }), log());
    CHECK(log().find("poll (urgent, last_seq 0)") != std::string::npos);
    CHECK(log().find("not for this appliance") != std::string::npos);

    daemon.signal(SIGTERM);
    CHECK(daemon.wait(10s) == 0);
    CHECK(log().find("stopping on request") != std::string::npos);
}
