// spawn: exit status and signal, a timeout that kills the whole process
// group, the output cap at either end, stdin delivery, the environment, and
// a program that cannot be started.
#include "lib/util/digest.hpp"
#include "lib/util/file_util.hpp"
#include "lib/util/spawn.hpp"
#include "test/unit/test_support.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <string>

#include <unistd.h>

using namespace uun;
using namespace std::chrono_literals;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

result<spawn_outcome> spawn_fed(const std::vector<std::string>& argv, std::string_view input)
{
    spawn_options options;
    options.input = input;
    return spawn(argv, options);
}

}  // namespace

TEST_CASE("spawn reports how the child ended and what it said on stdout and stderr")
{
    struct row {
        const char* label;
        std::vector<std::string> argv;
        int want_status;
        int want_signal;
        const char* want_output;
    };
    const row rows[] = {
        {"exit 0", {"/bin/true"}, 0, 0, ""},
        {"exit 1", {"/bin/false"}, 1, 0, ""},
        {"exit 75 after talking", {"/bin/sh", "-c", "echo out; echo err >&2; exit 75"}, 75, 0, "out\nerr\n"},
        {"killed by SIGKILL", {"/bin/sh", "-c", "echo bye; kill -9 $$"}, -1, 9, "bye\n"},
        {"killed by SIGTERM", {"/bin/sh", "-c", "kill -TERM $$"}, -1, 15, ""},
    };
    for (const auto& r : rows) {
        auto got = spawn(r.argv);
        REQUIRE_MESSAGE(got, r.label, ": ", got ? "" : got.error().message);
        INFO(r.label, ": got status ", got->exit_status, " signal ", got->signal, " output '", got->output, "'");
        CHECK(got->exit_status == r.want_status);
        CHECK(got->signal == r.want_signal);
        CHECK(got->output == r.want_output);
        CHECK_FALSE(got->timed_out);
    }
}

TEST_CASE("a child that overstays is killed with its whole process group")
{
    test::scratch_dir dir;
    std::string pid_file = dir.file("grandchild.pid");
    // The child and the grandchild it forks both ignore SIGTERM: only SIGKILL to the group ends them.
    spawn_options options;
    options.timeout = 500ms;
    options.kill_grace = 300ms;
    auto started = std::chrono::steady_clock::now();
    auto got = spawn({"/bin/sh", "-c", "trap '' TERM; sleep 60 & echo $! > " + pid_file + "; wait"}, options);
    double took = seconds_since(started);
    MESSAGE("a 0.5 s timeout with 0.3 s grace returned after ", took, " s");
    REQUIRE(got);
    CHECK(got->timed_out);
    CHECK(got->signal == 9);
    CHECK(took < 5);
    auto text = read_file(pid_file, 100);
    REQUIRE(text);
    pid_t grandchild = std::stoi(*text);
    for (int i = 0; i < 50 && test::process_alive(grandchild); ++i)
        ::usleep(20'000);
    CHECK_FALSE(test::process_alive(grandchild));
}

TEST_CASE("a child that obeys SIGTERM is not kept for the grace period")
{
    spawn_options options;
    options.timeout = 300ms;
    options.kill_grace = 10s;
    auto started = std::chrono::steady_clock::now();
    auto got = spawn({"/bin/sleep", "30"}, options);
    double took = seconds_since(started);
    REQUIRE(got);
    CHECK(got->timed_out);
    CHECK(got->signal == SIGTERM);
    CHECK_MESSAGE(took < 5, "took ", took, " s");
}

TEST_CASE("output beyond the cap is dropped at the chosen end")
{
    std::vector<std::string> chatty{"/bin/sh", "-c", "i=0; while [ $i -lt 2000 ]; do echo line $i; i=$((i+1)); done"};
    spawn_options options;
    options.max_output = 100;
    auto head = spawn(chatty, options);
    REQUIRE(head);
    CHECK(head->output.size() == 100);
    CHECK(head->output.rfind("line 0\nline 1\n", 0) == 0);

    options.keep_tail = true;
    auto tail = spawn(chatty, options);
    REQUIRE(tail);
    CHECK(tail->output.size() == 100);
    CHECK(tail->output.ends_with("line 1998\nline 1999\n"));
    CHECK(tail->exit_status == 0);
}

TEST_CASE("the input is fed on stdin, more than a pipe holds; without input stdin is empty")
{
    std::string input(200'000, '\0');
    for (std::size_t i = 0; i < input.size(); ++i)
        input[i] = static_cast<char>('a' + i % 23);
    auto got = spawn_fed({"/usr/bin/sha256sum"}, input);
    REQUIRE(got);
    CHECK(got->exit_status == 0);
    CHECK(got->input_complete);
    CHECK(got->output == sha256_hex(input) + "  -\n");

    auto none = spawn({"/bin/sh", "-c", "if read line; then echo had-data; else echo empty; fi"});
    REQUIRE(none);
    CHECK(none->output == "empty\n");
}

TEST_CASE("a child that exits without reading its input is reported, and does not kill us")
{
    auto got = spawn_fed({"/bin/true"}, std::string(1 << 20, 'x'));
    REQUIRE(got);
    CHECK(got->exit_status == 0);
    CHECK_FALSE(got->input_complete);
}

TEST_CASE("the child gets the given environment only, or ours")
{
    ::setenv("UUN_SPAWN_TEST", "ours", 1);
    spawn_options options;
    options.env = std::vector<std::string>{"ONLY=this"};
    auto given = spawn({"/usr/bin/env"}, options);
    auto inherited = spawn({"/usr/bin/env"});
    ::unsetenv("UUN_SPAWN_TEST");
    REQUIRE(given);
    CHECK(given->output == "ONLY=this\n");
    REQUIRE(inherited);
    CHECK(inherited->output.find("UUN_SPAWN_TEST=ours\n") != std::string::npos);
}

TEST_CASE("a background process that keeps the output pipe open does not hold the caller")
{
    auto started = std::chrono::steady_clock::now();
    auto got = spawn({"/bin/sh", "-c", "sleep 3 & echo started"});
    double took = seconds_since(started);
    REQUIRE(got);
    CHECK(got->exit_status == 0);
    CHECK(got->output == "started\n");
    CHECK_MESSAGE(took < 2, "took ", took, " s");
}

TEST_CASE("a program that cannot be started is an error naming it")
{
    auto missing = spawn({"/nonexistent/program", "-x"});
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message == "cannot run /nonexistent/program: No such file or directory");
    test::scratch_dir dir;
    std::string plain = dir.file("plain");
    REQUIRE(write_file_atomic(plain, "#!/bin/sh\n", 0644));
    auto not_executable = spawn({plain});
    REQUIRE_FALSE(not_executable);
    CHECK(not_executable.error().message == "cannot run " + plain + ": Permission denied");
    auto none = spawn({});
    REQUIRE_FALSE(none);
    CHECK(none.error().message == "no program to run");
}

TEST_CASE("stdin from a file, and stdout captured while stderr stays the caller's")
{
    test::scratch_dir dir;
    auto path = dir.file("payload");
    REQUIRE(write_file_atomic(path, "bytes from a file\n"));
    spawn_options options;
    options.stdin_path = path;
    options.output = spawn_options::output_mode::capture_stdout;
    auto ran = spawn({"/bin/sh", "-c", "cat; echo to-stderr >&2"}, options);
    REQUIRE(ran);
    CHECK(ran->exit_status == 0);
    CHECK(ran->output == "bytes from a file\n");

    options = {};
    options.output = spawn_options::output_mode::inherit;
    ran = spawn({"/bin/sh", "-c", "echo spawn_test: this line goes to the caller stdout; exit 4"}, options);
    REQUIRE(ran);
    CHECK(ran->exit_status == 4);
    CHECK(ran->output.empty());

    options = {};
    options.stdin_path = dir.file("missing");
    ran = spawn({"/bin/cat"}, options);
    CHECK((!ran || ran->exit_status != 0));
}
