// run_process: exit status, captured output, stdin delivery, a child that
// ignores its stdin, a child that overstays, a program that does not exist.
#include "lib/util/file_util.hpp"
#include "server/publish/run_process.hpp"
#include "test/unit/test_support.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>

using namespace uun;
using namespace uun::publish;

TEST_CASE("run_process reports the exit status and what the program said")
{
    auto done = run_process({"/bin/sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 75"}, "");
    REQUIRE(done);
    CHECK(done->status == 75);
    CHECK(done->signal == 0);
    CHECK(done->output == "to-stdout\nto-stderr\n");
    CHECK(describe_failure("sendmail", *done) == "sendmail exited 75: to-stdout");

    auto fine = run_process({"/bin/true"}, "");
    REQUIRE(fine);
    CHECK(fine->status == 0);
    CHECK(describe_failure("true", *fine).empty());
}

TEST_CASE("run_process feeds the whole input on stdin, larger than a pipe holds")
{
    test::scratch_dir dir;
    std::string input;
    for (int i = 0; i < 20000; ++i)
        input += "line " + std::to_string(i) + "\n";
    REQUIRE(input.size() > 65536 * 2);
    auto done = run_process({"/bin/sh", "-c", "cat > \"$0\"", dir.file("copy")}, input);
    REQUIRE(done);
    CHECK(done->status == 0);
    CHECK(done->input_complete);
    auto copy = read_file(dir.file("copy"), 1 << 24);
    REQUIRE(copy);
    CHECK(*copy == input);
}

TEST_CASE("a program that exits without reading its input is a failure, not a crash")
{
    std::string input(1 << 20, 'x');
    auto done = run_process({"/bin/true"}, input);
    REQUIRE(done);
    CHECK(done->status == 0);
    CHECK_FALSE(done->input_complete);
    CHECK(describe_failure("true", *done) == "true exited 0 without reading the whole message");
}

TEST_CASE("output beyond the limit is dropped, and a killed program is described")
{
    auto done = run_process({"/bin/sh", "-c", "head -c 100000 /dev/zero | tr '\\0' a; kill -9 $$"}, "",
                            process_limits{std::chrono::seconds(10), 100});
    REQUIRE(done);
    CHECK(done->output.size() == 100);
    CHECK(done->signal == 9);
    CHECK(describe_failure("x", *done).rfind("x was killed by signal 9", 0) == 0);
}

TEST_CASE("a program that overstays its timeout is killed and reported")
{
    auto started = std::chrono::steady_clock::now();
    auto done = run_process({"/bin/sleep", "30"}, "", process_limits{std::chrono::milliseconds(300), 100});
    auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    MESSAGE("a 300 ms timeout returned after ", took, " s");
    REQUIRE_FALSE(done);
    CHECK(done.error().message == "/bin/sleep did not finish within 0.3 s; killed it");
}

TEST_CASE("a program that does not exist is an error naming it")
{
    auto done = run_process({"/nonexistent/sendmail", "-i"}, "mail");
    REQUIRE_FALSE(done);
    CHECK(done.error().message == "cannot run /nonexistent/sendmail: No such file or directory");
    auto none = run_process({}, "");
    REQUIRE_FALSE(none);
}
