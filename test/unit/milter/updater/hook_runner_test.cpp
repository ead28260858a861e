// Install hooks: exit codes, environment, captured output, and a timeout
// that kills the hook's whole process group.
#include "milter/updater/hook_runner.hpp"
#include "test/unit/milter/updater/world.hpp"

#include <doctest/doctest.h>

#include <csignal>

#include <unistd.h>

using namespace uun;
using namespace uun::updater;
using namespace std::chrono_literals;

TEST_CASE("hook outcomes")
{
    struct row {
        const char* label;
        std::vector<std::string> argv;
        hook_result::outcome want;
        const char* want_why;
    };
    const row rows[] = {
        {"/bin/true", {"/bin/true"}, hook_result::outcome::succeeded, "exited 0"},
        {"/bin/false", {"/bin/false"}, hook_result::outcome::failed, "exited 1"},
        {"exit 7", {"/bin/sh", "-c", "exit 7"}, hook_result::outcome::failed, "exited 7"},
        {"killed by a signal", {"/bin/sh", "-c", "kill -9 $$"}, hook_result::outcome::failed, "killed by signal 9"},
        {"missing program", {"/nonexistent/hook"}, hook_result::outcome::not_started, "cannot run /nonexistent/hook: No such file or directory"},
        {"relative program", {"true"}, hook_result::outcome::not_started, "absolute"},
        {"empty argv", {}, hook_result::outcome::not_started, "absolute"},
    };
    for (const auto& r : rows) {
        INFO(std::string(r.label));
        auto got = run_hook(r.argv, {}, 10s);
        INFO("why: ", got.why);
        CHECK(got.how == r.want);
        CHECK(got.why.find(r.want_why) != std::string::npos);
        CHECK(got.ok() == (r.want == hook_result::outcome::succeeded));
    }
}

TEST_CASE("a hook gets only PATH and the UUN variables, no stdin, and its output is captured")
{
    environment env{{"UUN_SEQ", "42"}, {"UUN_FILE", "/x/y"}, {"UUN_CHANNEL", "av"}};
    ::setenv("UUN_TEST_SECRET", "leak", 1);
    auto got = run_hook({"/bin/sh", "-c", "env | sort; read line && echo stdin-had-data; echo to-stderr >&2"}, env, 10s);
    ::unsetenv("UUN_TEST_SECRET");
    INFO("output: ", got.output);
    CHECK(got.ok());
    CHECK(got.output.find("UUN_SEQ=42\n") != std::string::npos);
    CHECK(got.output.find("UUN_FILE=/x/y\n") != std::string::npos);
    CHECK(got.output.find("UUN_CHANNEL=av\n") != std::string::npos);
    CHECK(got.output.find("PATH=") != std::string::npos);
    CHECK(got.output.find("UUN_TEST_SECRET") == std::string::npos);
    CHECK(got.output.find("stdin-had-data") == std::string::npos);
    CHECK(got.output.find("to-stderr") != std::string::npos);
}

TEST_CASE("only the tail of a chatty hook's output is kept")
{
    auto got = run_hook({"/bin/sh", "-c", "i=0; while [ $i -lt 2000 ]; do echo line $i; i=$((i+1)); done"}, {}, 10s);
    CHECK(got.ok());
    CHECK(got.output.size() <= max_hook_output);
    CHECK(got.output.find("line 1999") != std::string::npos);
}

TEST_CASE("a hook that runs too long is killed with its whole process group")
{
    test::scratch_dir dir;
    std::string pid_file = dir.file("child.pid");
    // The hook starts a child that ignores SIGTERM, then waits.
    auto started = std::chrono::steady_clock::now();
    auto got = run_hook({"/bin/sh", "-c", "trap '' TERM; sleep 60 & echo $! > " + pid_file + "; wait"}, {}, 1s,
                        500ms);
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    MESSAGE("the timed-out hook was dealt with in ", took.count(), " ms");
    CHECK(got.how == hook_result::outcome::timed_out);
    CHECK(got.why.find("timed out") != std::string::npos);
    auto text = test::slurp(pid_file);
    REQUIRE_FALSE(text.empty());
    pid_t child = std::stoi(text);
    // The grandchild was in the hook's group: it must be gone (or a zombie awaiting its reaper).
    for (int i = 0; i < 50 && test::process_alive(child); ++i)
        ::usleep(20'000);
    CHECK_FALSE(test::process_alive(child));
}

TEST_CASE("a hook's background child that keeps the output pipe open does not hold the updater")
{
    auto started = std::chrono::steady_clock::now();
    auto got = run_hook({"/bin/sh", "-c", "sleep 3 & echo started"}, {}, 10s);
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    MESSAGE("a hook leaving a child behind returned after ", took.count(), " ms");
    CHECK(got.ok());
    CHECK(got.output.find("started") != std::string::npos);
}
