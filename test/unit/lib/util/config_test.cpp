// Config validation: unknown keys, wrong types and missing keys are reported
// with file, line and dotted key, all of them in one run.
#include "lib/util/config.hpp"

#include <doctest/doctest.h>

using namespace uun;

namespace {

struct sample {
    std::string cert;
    std::int64_t workers = 0;
    std::chrono::seconds expire{0};
    std::vector<std::string> listen;
    bool debug = false;
    std::uint64_t body = 0;
    std::vector<std::string> channels;
};

// Reads the shape a small daemon would read.
result<sample> read_sample(std::string_view text)
{
    auto doc = config::document::parse(text, "test.yaml");
    if (!doc)
        return std::unexpected(doc.error());
    sample s;
    auto root = doc->root();
    s.listen = root.string_list("listen");
    s.debug = root.boolean_or("debug", false);
    auto tls = root.child_required("tls");
    s.cert = tls.string("certificate");
    s.workers = root.integer_or("workers", 2, 1, 64);
    if (auto reg = root.child("registry"))
        s.expire = reg->duration_or("expire_after", std::chrono::hours(24 * 7));
    s.body = root.size_or("max_body", 65536);
    for (auto& [name, ch] : root.children("channels")) {
        s.channels.push_back(name);
        ch.string("directory");
    }
    if (auto ok = doc->finish(); !ok)
        return std::unexpected(ok.error());
    return s;
}

}  // namespace

TEST_CASE("a good config reads every value")
{
    auto s = read_sample("listen: ['127.0.0.1:8443', '[::1]:8443']\n"
                         "tls:\n  certificate: /etc/uun/server.crt\n"
                         "workers: 4\n"
                         "registry:\n  expire_after: 3d\n"
                         "max_body: 64KiB\n"
                         "channels:\n  av:\n    directory: /x\n  sys:\n    directory: /y\n");
    REQUIRE(s);
    CHECK(s->listen.size() == 2);
    CHECK(s->cert == "/etc/uun/server.crt");
    CHECK(s->workers == 4);
    CHECK(s->expire == std::chrono::hours(72));
    CHECK(s->body == 65536);
    CHECK(s->channels == std::vector<std::string>{"av", "sys"});
}

TEST_CASE("config errors name file, line and key")
{
    struct row {
        const char* label;
        const char* yaml;
        const char* want;
    };
    const row rows[] = {
        {"unknown top-level key", "listen: [a]\ntls:\n  certificate: c\nlistne: [b]\n",
         "test.yaml:4: unknown key 'listne'"},
        {"unknown nested key", "listen: [a]\ntls:\n  certificate: c\n  keyy: k\n",
         "test.yaml:4: unknown key 'keyy' in 'tls'"},
        {"missing required nested key", "listen: [a]\ntls:\n  key: k\n", "'tls.certificate' is required"},
        {"missing required section", "listen: [a]\n", "test.yaml:1: 'tls' is required"},
        {"wrong type: string for a list", "listen: a\ntls:\n  certificate: c\n",
         "test.yaml:1: 'listen' must be a list of strings, not 'a'"},
        {"integer out of range", "listen: [a]\ntls:\n  certificate: c\nworkers: 999\n",
         "test.yaml:4: 'workers' must be an integer from 1 to 64, not '999'"},
        {"not a duration", "listen: [a]\ntls:\n  certificate: c\nregistry:\n  expire_after: soon\n",
         "test.yaml:5: 'registry.expire_after' must be a duration"},
        {"not a size", "listen: [a]\ntls:\n  certificate: c\nmax_body: lots\n", "'max_body' must be a size"},
        {"mapping where a string goes", "listen: [a]\ntls:\n  certificate: {a: b}\n",
         "'tls.certificate' must be a string, not a mapping"},
        {"not a boolean", "listen: [a]\ntls:\n  certificate: c\ndebug: perhaps\n", "'debug' must be true or false"},
        {"YAML syntax", "listen: [a\n", "test.yaml:2:"},
        {"top level is a list", "- a\n- b\n", "the top level must be a mapping"},
        {"unknown key in a named child", "listen: [a]\ntls:\n  certificate: c\nchannels:\n  av:\n    dir: x\n",
         "unknown key 'dir' in 'channels.av'"},
    };
    for (const auto& r : rows) {
        auto got = read_sample(r.yaml);
        INFO(std::string(r.label));
        REQUIRE_FALSE(got);
        INFO("got: ", got.error().message);
        CHECK(got.error().message.find(r.want) != std::string::npos);
    }
}

TEST_CASE("all errors are reported at once")
{
    auto got = read_sample("listen: a\ntls:\n  certificat: c\nbogus: 1\n");
    REQUIRE_FALSE(got);
    const auto& m = got.error().message;
    CHECK(m.find("'listen' must be a list") != std::string::npos);
    CHECK(m.find("'tls.certificate' is required") != std::string::npos);
    CHECK(m.find("unknown key 'certificat' in 'tls'") != std::string::npos);
    CHECK(m.find("unknown key 'bogus'") != std::string::npos);
}

TEST_CASE("an empty file is an empty mapping, so required keys are reported")
{
    auto got = read_sample("");
    REQUIRE_FALSE(got);
    CHECK(got.error().message.find("'listen' is required") != std::string::npos);
}
