// Trigger files: the names the updater accepts, their content, and the
// atomic write (no temp file left behind, errors instead of partial files).
#include "lib/util/file_util.hpp"
#include "milter/filter/trigger_spool.hpp"
#include "test/unit/test_support.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include <sys/stat.h>

using namespace uun;
using namespace uun::filter;

namespace {

const std::string nonce = "CngAlZFyLMhIJcqV7n_6Ug";

int entries(const std::string& dir)
{
    int n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir))
        ++n;
    return n;
}

}  // namespace

TEST_CASE("trigger content is the documented text lines")
{
    trigger t{.seq = 42, .channel = "av", .nonce = nonce, .queue_id = "4XyZ1", .received = 1763900000};
    CHECK(trigger_content(t) == "seq=42\nchannel=av\nnonce=" + nonce + "\nqueue_id=4XyZ1\nreceived=1763900000\n");
}

TEST_CASE("a trigger is written atomically and nothing else is left in the spool")
{
    test::scratch_dir dir;
    trigger_spool spool(dir.path());
    trigger t{.seq = 7, .channel = "sys", .nonce = nonce, .queue_id = "Q", .received = 5};
    auto name = spool.write(t);
    REQUIRE(name);
    CHECK(*name == "uun-7-" + nonce);
    auto text = read_file(dir.file(*name), 1000);
    REQUIRE(text);
    CHECK(*text == trigger_content(t));
    CHECK(entries(dir.path()) == 1);
    struct stat st {};
    REQUIRE(::stat(dir.file(*name).c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0644);
    // The same UUN again replaces the file; still one entry.
    REQUIRE(spool.write(t));
    CHECK(entries(dir.path()) == 1);
}

TEST_CASE("a spool that cannot be written is an error and leaves no file")
{
    test::scratch_dir dir;
    trigger t{.seq = 7, .channel = "sys", .nonce = nonce, .queue_id = "Q", .received = 5};
    auto missing = trigger_spool(dir.file("no-such-dir")).write(t);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message.find("no-such-dir") != std::string::npos);
    REQUIRE(write_file_atomic(dir.file("plain-file"), "x"));
    auto not_dir = trigger_spool(dir.file("plain-file")).write(t);
    CHECK_FALSE(not_dir);
    CHECK(entries(dir.path()) == 1);
}

TEST_CASE("a name the updater would ignore is never written")
{
    test::scratch_dir dir;
    trigger t{.seq = 7, .channel = "sys", .nonce = "../../etc/passwd", .queue_id = "Q", .received = 5};
    auto bad = trigger_spool(dir.path()).write(t);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("unexpected name") != std::string::npos);
    CHECK(entries(dir.path()) == 0);
}
