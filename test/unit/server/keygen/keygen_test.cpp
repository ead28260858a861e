// uun-keygen: a 0600 private key and a public key that belong together,
// never overwriting either file, and its command-line exit codes.
#include "lib/proto/ed25519.hpp"
#include "lib/util/file_util.hpp"
#include "server/keygen/keygen.hpp"
#include "test/unit/test_support.hpp"

#include <doctest/doctest.h>

#include <sstream>

#include <sys/stat.h>

using namespace uun;

namespace {

mode_t mode_of(const std::string& path)
{
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("uun-keygen writes a 0600 private key and its public key, and prints the key id")
{
    test::scratch_dir dir;
    auto files = keygen::write_key_pair(dir.file("publisher"));
    REQUIRE(files);
    CHECK(files->private_path == dir.file("publisher.key"));
    CHECK(files->public_path == dir.file("publisher.pub"));
    CHECK(mode_of(files->private_path) == 0600);
    CHECK(mode_of(files->public_path) == 0644);
    auto priv = proto::private_key::load(files->private_path);
    auto pub = proto::public_key::load(files->public_path);
    REQUIRE(priv);
    REQUIRE(pub);
    CHECK(priv->id() == files->key_id);
    CHECK(pub->id() == files->key_id);
    CHECK(pub->verify("message", priv->sign("message")));
}

TEST_CASE("uun-keygen refuses to overwrite either file and leaves both as they were")
{
    test::scratch_dir dir;
    auto first = keygen::write_key_pair(dir.file("k"));
    REQUIRE(first);
    auto key_before = read_file(dir.file("k.key"), 4096);
    auto again = keygen::write_key_pair(dir.file("k"));
    REQUIRE_FALSE(again);
    CHECK(again.error().message == dir.file("k.key") + ": already exists; refusing to overwrite");
    CHECK(*read_file(dir.file("k.key"), 4096) == *key_before);

    REQUIRE(write_file_atomic(dir.file("only.pub"), "someone else's\n"));
    auto clash = keygen::write_key_pair(dir.file("only"));
    REQUIRE_FALSE(clash);
    CHECK(clash.error().message.find("only.pub: already exists") != std::string::npos);
    struct stat st {};
    CHECK(::stat(dir.file("only.key").c_str(), &st) != 0);
    CHECK(*read_file(dir.file("only.pub"), 4096) == "someone else's\n");
}

TEST_CASE("uun-keygen's command line: usage 2, refusal 3, success 0 with the id on stdout")
{
    test::scratch_dir dir;
    std::string name = dir.file("cli");
    struct row {
        const char* label;
        std::vector<std::string> args;
        int want;
    };
    const row rows[] = {
        {"no name", {"uun-keygen"}, 2},
        {"two names", {"uun-keygen", "a", "b"}, 2},
        {"an option is not a name", {"uun-keygen", "-x"}, 2},
        {"a fresh name", {"uun-keygen", name}, 0},
        {"the same name again", {"uun-keygen", name}, 3},
        {"a directory that does not exist", {"uun-keygen", dir.file("no/such/dir")}, 3},
    };
    for (const auto& r : rows) {
        std::vector<const char*> argv;
        for (const auto& a : r.args)
            argv.push_back(a.c_str());
        std::ostringstream out, err;
        int got = keygen::run_keygen_cli(static_cast<int>(argv.size()), argv.data(), out, err);
        INFO(std::string(r.label), ": got ", got, ", want ", r.want, "; stderr: ", err.str());
        CHECK(got == r.want);
        if (r.want == 0) {
            auto pub = proto::public_key::load(name + ".pub");
            REQUIRE(pub);
            CHECK(out.str() == pub->id() + "\n");
        }
    }
}
