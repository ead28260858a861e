// Atomic writes and bounded reads.
#include "lib/util/digest.hpp"
#include "lib/util/file_util.hpp"
#include "test/unit/test_support.hpp"

#include <doctest/doctest.h>

#include <filesystem>

#include <sys/stat.h>

using namespace uun;

TEST_CASE("atomic write replaces the file, sets the mode and leaves no temp file")
{
    test::scratch_dir dir;
    auto path = dir.file("state");
    REQUIRE(write_file_atomic(path, "one", 0600));
    REQUIRE(write_file_atomic(path, "two", 0640));
    auto text = read_file(path, 100);
    REQUIRE(text);
    CHECK(*text == "two");
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0640);
    int entries = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path()))
        ++entries;
    CHECK(entries == 1);
}

TEST_CASE("exclusive write refuses to overwrite")
{
    test::scratch_dir dir;
    auto path = dir.file("key");
    REQUIRE(write_file_atomic(path, "secret", 0600, true));
    auto again = write_file_atomic(path, "other", 0600, true);
    REQUIRE_FALSE(again);
    CHECK(again.error().message.find("refusing to overwrite") != std::string::npos);
    CHECK(*read_file(path, 100) == "secret");
}

TEST_CASE("reads are bounded and errors name the file")
{
    test::scratch_dir dir;
    auto path = dir.file("big");
    REQUIRE(write_file_atomic(path, std::string(1000, 'x')));
    CHECK_FALSE(read_file(path, 999));
    CHECK(read_file(path, 1000));
    auto missing = read_file(dir.file("nope"), 10);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message.find("nope") != std::string::npos);
    CHECK_FALSE(read_file(dir.path(), 10));  // a directory
    CHECK_FALSE(write_file_atomic(dir.file("no/such/dir/file"), "x"));
}

TEST_CASE("sha256 of a file matches sha256 of its bytes")
{
    test::scratch_dir dir;
    auto path = dir.file("payload");
    std::string data(200000, 'q');
    REQUIRE(write_file_atomic(path, data));
    auto file_digest = sha256_file_hex(path);
    REQUIRE(file_digest);
    CHECK(*file_digest == sha256_hex(data));
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(is_sha256_hex(*file_digest));
}
