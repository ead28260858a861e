// uun-keygen's key ceremony through its command line: a 2-of-3 root made,
// signed by one holder (does not verify) then two (verifies); a version 2
// with new root keys, signed by too few, then by two old and two new keys.
#include "lib/proto/root_metadata.hpp"
#include "lib/util/file_util.hpp"
#include "server/keygen/keygen.hpp"
#include "server/keygen/root_commands.hpp"
#include "test/unit/test_support.hpp"

#include <doctest/doctest.h>

#include <sstream>

using namespace uun;

namespace {

struct run_result {
    int code = -1;
    std::string out;
    std::string err;
};

run_result keygen_run(std::vector<std::string> args)
{
    args.insert(args.begin(), "uun-keygen");
    std::vector<const char*> argv;
    for (const auto& a : args)
        argv.push_back(a.c_str());
    std::ostringstream out, err;
    int code = keygen::run_keygen_cli(static_cast<int>(argv.size()), argv.data(), out, err);
    return {code, out.str(), err.str()};
}

struct ceremony {
    test::scratch_dir dir;
    std::map<std::string, std::string> ids;

    ceremony()
    {
        for (const char* name : {"a", "b", "c", "d", "e", "f", "publisher", "timestamp", "notify"}) {
            auto files = keygen::write_key_pair(dir.file(name));
            REQUIRE(files);
            ids[name] = files->key_id;
        }
    }
    std::string pubs(std::initializer_list<const char*> names) const
    {
        std::string out;
        for (const char* n : names)
            out += (out.empty() ? "" : ",") + dir.file(std::string(n) + ".pub");
        return out;
    }
    run_result root_new(const std::string& out, const std::string& version, const std::string& root_keys)
    {
        return keygen_run({"--root-new", dir.file(out), "--root-version", version, "--expires", "365d", "--root-key",
                           root_keys, "--root-threshold", "2", "--publisher-key", pubs({"publisher"}),
                           "--timestamp-key", pubs({"timestamp"}), "--notify-key", pubs({"notify"})});
    }
    run_result sign(const std::string& file, const char* key)
    {
        return keygen_run({"--root-sign", dir.file(file), "--key", dir.file(std::string(key) + ".key")});
    }
};

}  // namespace

TEST_CASE("a 2-of-3 first root: made unsigned, verifies once two root keys signed")
{
    ceremony c;
    auto made = c.root_new("root1.json", "1", c.pubs({"a", "b", "c"}));
    INFO("stderr: ", made.err);
    REQUIRE(made.code == 0);
    CHECK(made.out.find("root v1, expires ") == 0);
    CHECK(made.out.find("publisher 1 of 1: " + c.ids["publisher"]) != std::string::npos);
    CHECK(made.out.find("root      2 of 3: ") != std::string::npos);
    CHECK(c.root_new("root1.json", "1", c.pubs({"a", "b", "c"})).code == 3);  // never overwritten

    auto unsigned_show = keygen_run({"--root-show", c.dir.file("root1.json")});
    CHECK(unsigned_show.code == 1);
    CHECK(unsigned_show.out.find("signatures by: none") != std::string::npos);
    CHECK(unsigned_show.out.find("does not verify as a first root") != std::string::npos);

    auto one = c.sign("root1.json", "a");
    CHECK(one.code == 0);
    CHECK(one.out.find("notify    1 of 1: " + c.ids["notify"]) != std::string::npos);
    CHECK(one.out.find("with key " + c.ids["a"] + ", a root key of v1; 1 signatures now") != std::string::npos);
    auto half = keygen_run({"--root-show", c.dir.file("root1.json")});
    CHECK(half.code == 1);
    CHECK(half.out.find("its own (v1) root keys: 1 of 3 signed, threshold 2: NOT met") != std::string::npos);

    CHECK(c.sign("root1.json", "c").code == 0);
    auto full = keygen_run({"--root-show", c.dir.file("root1.json")});
    CHECK(full.code == 0);
    CHECK(full.out.find("its own (v1) root keys: 2 of 3 signed, threshold 2: met") != std::string::npos);
    CHECK(full.out.find("verifies as a first root") != std::string::npos);
    auto envelope = proto::load_root_envelope(c.dir.file("root1.json"));
    REQUIRE(envelope);
    auto root = proto::verify_first_root(*envelope);
    REQUIRE(root);
    CHECK(root->role(proto::role_name::publisher).key_ids == std::vector<std::string>{c.ids["publisher"]});
}

TEST_CASE("a v2 with new root keys verifies only when two old and two new keys signed")
{
    ceremony c;
    REQUIRE(c.root_new("root1.json", "1", c.pubs({"a", "b", "c"})).code == 0);
    REQUIRE(c.sign("root1.json", "a").code == 0);
    REQUIRE(c.sign("root1.json", "b").code == 0);
    REQUIRE(c.root_new("root2.json", "2", c.pubs({"d", "e", "f"})).code == 0);
    auto as_successor = [&] {
        return keygen_run({"--root-show", c.dir.file("root2.json"), "--previous", c.dir.file("root1.json")});
    };

    auto old_key = c.sign("root2.json", "a");
    CHECK(old_key.out.find("not a root key of v2: it counts only as the previous version's") != std::string::npos);
    REQUIRE(c.sign("root2.json", "d").code == 0);
    REQUIRE(c.sign("root2.json", "e").code == 0);
    auto too_few = as_successor();
    CHECK(too_few.code == 1);
    CHECK(too_few.out.find("the previous (v1) root keys: 1 of 3 signed, threshold 2: NOT met") != std::string::npos);
    CHECK(too_few.out.find("its own (v2) root keys: 2 of 3 signed, threshold 2: met") != std::string::npos);
    CHECK(too_few.out.find("does not verify as the successor of v1") != std::string::npos);

    REQUIRE(c.sign("root2.json", "c").code == 0);
    auto good = as_successor();
    CHECK(good.code == 0);
    CHECK(good.out.find("the previous (v1) root keys: 2 of 3 signed, threshold 2: met") != std::string::npos);
    CHECK(good.out.find("verifies as the successor of v1") != std::string::npos);
    auto first = proto::verify_first_root(*proto::load_root_envelope(c.dir.file("root1.json")));
    REQUIRE(first);
    CHECK(proto::verify_next_root(*first, *proto::load_root_envelope(c.dir.file("root2.json"))));
}

TEST_CASE("root commands: usage errors are 2, file problems 3")
{
    ceremony c;
    struct row {
        const char* label;
        std::vector<std::string> args;
        int want;
        std::string message;
    };
    const row rows[] = {
        {"root-new without --expires", {"--root-new", c.dir.file("r.json"), "--root-version", "1"}, 2,
         "--root-new needs --expires"},
        {"version 0",
         {"--root-new", c.dir.file("r.json"), "--root-version", "0", "--expires", "1d", "--root-key", c.pubs({"a"}),
          "--root-threshold", "1", "--publisher-key", c.pubs({"publisher"}), "--timestamp-key",
          c.pubs({"timestamp"}), "--notify-key", c.pubs({"notify"})},
         2, "--root-version must be at least 1"},
        {"expires in the past",
         {"--root-new", c.dir.file("r.json"), "--root-version", "1", "--expires", "2001-01-01", "--root-key",
          c.pubs({"a"}), "--root-threshold", "1", "--publisher-key", c.pubs({"publisher"}), "--timestamp-key",
          c.pubs({"timestamp"}), "--notify-key", c.pubs({"notify"})},
         2, "is in the past"},
        {"threshold above the keys",
         {"--root-new", c.dir.file("r.json"), "--root-version", "1", "--expires", "2099-01-01", "--root-key",
          c.pubs({"a"}), "--root-threshold", "2", "--publisher-key", c.pubs({"publisher"}), "--timestamp-key",
          c.pubs({"timestamp"}), "--notify-key", c.pubs({"notify"})},
         3, "root not written: "},
        {"one key in two roles",
         {"--root-new", c.dir.file("r.json"), "--root-version", "1", "--expires", "30d", "--root-key", c.pubs({"a"}),
          "--root-threshold", "1", "--publisher-key", c.pubs({"a"}), "--timestamp-key", c.pubs({"timestamp"}),
          "--notify-key", c.pubs({"notify"})},
         3, "root not written: "},
        {"sign without --key", {"--root-sign", c.dir.file("r.json")}, 2, "--root-sign needs --key"},
        {"sign a missing file", {"--root-sign", c.dir.file("none.json"), "--key", c.dir.file("a.key")}, 3, "none.json"},
        {"key with show", {"--root-show", c.dir.file("r.json"), "--key", c.dir.file("a.key")}, 2,
         "--key goes with --root-sign only"},
        {"two commands", {"--root-show", c.dir.file("r.json"), "--root-sign", c.dir.file("r.json")}, 2,
         "give one NAME, or one of"},
        {"a name and a command", {"n", "--root-show", c.dir.file("r.json")}, 2, "give one NAME, or one of"},
        {"the old --version N", {"--root-new", c.dir.file("r.json"), "--version", "1"}, 2,
         "the root's number is --root-version N"},
    };
    for (const auto& r : rows) {
        auto got = keygen_run(r.args);
        INFO(r.label, ": ", got.err);
        CHECK(got.code == r.want);
        CHECK(got.err.find(r.message) != std::string::npos);
    }
    CHECK(keygen_run({"--version"}).out.find("uun-keygen ") == 0);
    CHECK(keygen_run({"-V"}).out == keygen_run({"--version"}).out);
}

TEST_CASE("--expires takes a duration from now or a UTC date")
{
    const std::int64_t now = 1'800'000'000;
    CHECK(*keygen::parse_expiry("365d", now) == now + 365 * 86400);
    CHECK(*keygen::parse_expiry("2030-01-01", now) == 1'893'456'000);
    CHECK(*keygen::parse_expiry("2030-01-01T12:00:00Z", now) == 1'893'456'000 + 12 * 3600);
    CHECK_FALSE(keygen::parse_expiry("soon", now));
    CHECK_FALSE(keygen::parse_expiry("2030-01-01 junk", now));
}
