// The milter's decisions, driven the way libmilter drives them but without
// an MTA: a recorder stands in for the smfi_* calls (macros, replies), and
// each case checks the answer, the SMTP reply and the trigger files.
#include <doctest/doctest.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "lib/util/clock.hpp"
#include "lib/util/file_util.hpp"
#include "lib/proto/uun_header.hpp"
#include "milter/filter/session.hpp"
#include "test/unit/test_support.hpp"

using namespace uun;
using namespace uun::milter;

namespace {

constexpr std::int64_t start_time = 1763900000;

// Stands in for libmilter: macros the MTA sent, replies the filter set.
struct recorder final : mta_link {
    std::map<std::string, std::string> macros;
    std::vector<std::string> replies;

    const char* macro(const char* name) override
    {
        auto it = macros.find(name);
        return it == macros.end() ? nullptr : it->second.c_str();
    }
    void set_reply(const char* rcode, const char* xcode, const char* text) override
    {
        replies.push_back(cat(rcode, " ", xcode, " ", text));
    }
};

proto::private_key new_key()
{
    auto key = proto::private_key::generate();
    REQUIRE(key);
    return *key;
}

// One milter's worth of shared state in a scratch directory.
struct world {
    test::scratch_dir dir;
    proto::private_key publisher = new_key();
    proto::private_key stranger = new_key();
    proto::keyring keys;
    milter_config config;
    manual_clock clock{start_time};
    std::unique_ptr<replay_cache> cache;
    std::unique_ptr<trigger_spool> spool;
    std::unique_ptr<filter_context> context;

    explicit world(const std::function<void(milter_config&)>& tweak = {}, std::uint64_t cache_entries = 1000)
    {
        keys.add(publisher.public_part());
        config.trusted_keys = {"/unused.pem"};
        config.spool_dir = dir.file("spool");
        config.state_dir = dir.path();
        if (tweak)
            tweak(config);
        std::filesystem::create_directory(config.spool_dir);
        auto opened = replay_cache::open(dir.file("replay.sqlite"), cache_entries, clock);
        REQUIRE(opened);
        cache = std::move(*opened);
        spool = std::make_unique<trigger_spool>(config.spool_dir);
        context = std::make_unique<filter_context>(
            filter_context{.config = config, .keys = keys, .cache = *cache, .spool = *spool, .time = clock});
    }

    std::string uun(std::uint64_t seq = 42, std::int64_t issued_offset = 0, std::int64_t lifetime = 3600,
                    const proto::private_key* key = nullptr, std::string nonce = "")
    {
        proto::uun_claim claim{.key_id = "",
                               .seq = seq,
                               .channel = "av",
                               .issued = start_time + issued_offset,
                               .expires = start_time + issued_offset + lifetime,
                               .nonce = nonce.empty() ? proto::new_uun_nonce() : nonce};
        return proto::format_uun_header(proto::sign_uun(claim, key ? *key : publisher));
    }

    std::set<std::string> triggers() const
    {
        std::set<std::string> names;
        for (const auto& e : std::filesystem::directory_iterator(config.spool_dir))
            names.insert(e.path().filename().string());
        return names;
    }
};

using header_list = std::vector<std::pair<std::string, std::string>>;

struct outcome {
    step at_end_of_headers = step::next;
    step final_step = step::next;
    std::vector<std::string> replies;
};

// One message as the MTA would send it: headers, end of headers, and the
// body plus end of message only when the filter asked for them.
outcome deliver(session& s, const header_list& headers, const std::string& body = "", const char* queue_id = "QID1")
{
    recorder mta;
    if (queue_id)
        mta.macros["{i}"] = queue_id;
    for (const auto& [name, value] : headers)
        s.header(name, value);
    outcome out;
    out.at_end_of_headers = s.end_of_headers(mta);
    out.final_step = out.at_end_of_headers;
    if (out.at_end_of_headers == step::next) {
        for (std::size_t at = 0; at < body.size(); at += 100) {
            if (s.body(std::string_view(body).substr(at, 100)) == step::skip)
                break;
        }
        out.final_step = s.end_of_message(mta);
    }
    out.replies = mta.replies;
    return out;
}

std::string nonce_of(const std::string& header)
{
    auto parsed = proto::parse_uun_header(header);
    REQUIRE(parsed);
    return parsed->claim.nonce;
}

}  // namespace

TEST_CASE("each kind of X-UUN header gets its decision")
{
    struct row {
        const char* label;
        std::function<header_list(world&)> headers;
        step want;
        const char* want_reply;  // prefix; "" means no reply at all
        std::size_t want_triggers;
    };
    const row rows[] = {
        {"mail without X-UUN is accepted at end of headers",
         [](world&) { return header_list{{"From", "a@example.com"}, {"Subject", "hello"}}; }, step::accept, "", 0},
        {"a valid UUN is discarded and leaves a trigger",
         [](world& w) { return header_list{{"From", "v@example.com"}, {"X-UUN", w.uun()}}; }, step::discard, "", 1},
        {"the header name is matched without case",
         [](world& w) { return header_list{{"x-uun", w.uun()}}; }, step::discard, "", 1},
        {"a folded valid UUN is discarded",
         [](world& w) {
             std::string h = w.uun();
             h.replace(h.find("; s="), 2, ";\n\t");
             return header_list{{"X-UUN", h}};
         },
         step::discard, "", 1},
        {"a forged UUN (seq changed after signing) is rejected",
         [](world& w) {
             std::string h = w.uun(42);
             h.replace(h.find("s=42"), 4, "s=43");
             return header_list{{"X-UUN", h}};
         },
         step::reject, "550 5.7.1 Invalid UUN in X-UUN header: signature does not verify", 0},
        {"a UUN signed by an unknown key is rejected",
         [](world& w) { return header_list{{"X-UUN", w.uun(42, 0, 3600, &w.stranger)}}; }, step::reject,
         "550 5.7.1 Invalid UUN in X-UUN header: key ", 0},
        {"a stale UUN (past x) is discarded without a trigger",
         [](world& w) { return header_list{{"X-UUN", w.uun(42, -7200, 3600)}}; }, step::discard, "", 0},
        {"a UUN issued beyond the skew in the future is rejected",
         [](world& w) { return header_list{{"X-UUN", w.uun(42, 301, 3600)}}; }, step::reject,
         "550 5.7.1 Invalid UUN in X-UUN header: issued 301s in the future", 0},
        {"a UUN issued within the skew is valid",
         [](world& w) { return header_list{{"X-UUN", w.uun(42, 300, 3600)}}; }, step::discard, "", 1},
        {"garbage is rejected", [](world&) { return header_list{{"X-UUN", "hello"}}; }, step::reject,
         "550 5.7.1 Invalid UUN in X-UUN header: tag without '='", 0},
        {"an empty value is rejected", [](world&) { return header_list{{"X-UUN", ""}}; }, step::reject,
         "550 5.7.1 Invalid UUN in X-UUN header:", 0},
        {"two X-UUN headers are rejected, even if both are valid",
         [](world& w) { return header_list{{"X-UUN", w.uun(1)}, {"X-UUN", w.uun(2)}}; }, step::reject,
         "550 5.7.1 Invalid UUN in X-UUN header: more than one X-UUN header", 0},
        {"an X-UUN over the size limit is rejected",
         [](world& w) { return header_list{{"X-UUN", w.uun() + "; z=" + std::string(1024, 'a')}}; }, step::reject,
         "550 5.7.1 Invalid UUN in X-UUN header: X-UUN header longer than 1024 bytes", 0},
        {"control bytes are rejected",
         [](world& w) { return header_list{{"X-UUN", w.uun() + "\r\nBcc: x"}}; }, step::reject,
         "550 5.7.1 Invalid UUN in X-UUN header: line break that is not folding", 0},
        {"8-bit bytes are rejected",
         [](world& w) { return header_list{{"X-UUN", w.uun() + "; z=\xc3\xa9"}}; }, step::reject,
         "550 5.7.1 Invalid UUN in X-UUN header: control or non-ASCII byte", 0},
        {"a huge ordinary header changes nothing",
         [](world&) { return header_list{{"Subject", std::string(1 << 20, 's')}}; }, step::accept, "", 0},
        {"a [UUN] subject is ordinary while the variants are off",
         [](world& w) { return header_list{{"Subject", "[UUN] " + w.uun()}}; }, step::accept, "", 0},
    };
    for (const auto& r : rows) {
        INFO(std::string(r.label));
        world w;
        session s(*w.context);
        auto got = deliver(s, r.headers(w));
        INFO("got ", to_string(got.final_step), " replies ", got.replies.size());
        CHECK(got.at_end_of_headers == r.want);  // every decision at end of headers
        if (std::string(r.want_reply).empty()) {
            CHECK(got.replies.empty());
        } else {
            REQUIRE(got.replies.size() == 1);
            INFO("reply: ", got.replies[0]);
            CHECK(got.replies[0].starts_with(r.want_reply));
        }
        CHECK(w.triggers().size() == r.want_triggers);
        CHECK(w.cache->size() == r.want_triggers);
    }
}

TEST_CASE("a valid UUN's trigger has the right name and content")
{
    world w;
    session s(*w.context);
    std::string header = w.uun(42);
    auto got = deliver(s, {{"X-UUN", header}}, "", "4XyZ1");
    REQUIRE(got.final_step == step::discard);
    std::string name = "uun-42-" + nonce_of(header);
    CHECK(w.triggers() == std::set<std::string>{name});
    auto text = read_file(w.config.spool_dir + "/" + name, 1000);
    REQUIRE(text);
    CHECK(*text == cat("seq=42\nchannel=av\nnonce=", nonce_of(header), "\nqueue_id=4XyZ1\nreceived=", start_time, "\n"));
}

TEST_CASE("a replayed UUN is discarded without a second trigger, also from another connection")
{
    world w;
    std::string header = w.uun(42);
    session first(*w.context);
    CHECK(deliver(first, {{"X-UUN", header}}).final_step == step::discard);
    CHECK(deliver(first, {{"X-UUN", header}}).final_step == step::discard);
    session second(*w.context);
    auto again = deliver(second, {{"X-UUN", header}});
    CHECK(again.final_step == step::discard);
    CHECK(again.replies.empty());
    CHECK(w.triggers().size() == 1);
    CHECK(w.cache->size() == 1);
    // The trigger the updater already consumed does not come back.
    std::filesystem::remove(w.config.spool_dir + "/uun-42-" + nonce_of(header));
    CHECK(deliver(second, {{"X-UUN", header}}).final_step == step::discard);
    CHECK(w.triggers().empty());
}

TEST_CASE("an unwritable spool answers 451 and records nothing, so the retry works")
{
    world w;
    session s(*w.context);
    std::string header = w.uun(42);
    std::filesystem::remove(w.config.spool_dir);
    auto got = deliver(s, {{"X-UUN", header}});
    CHECK(got.final_step == step::tempfail);
    REQUIRE(got.replies.size() == 1);
    CHECK(got.replies[0] == "451 4.3.0 UUN trigger cannot be written on this host, try again later");
    CHECK(w.cache->size() == 0);

    std::filesystem::create_directory(w.config.spool_dir);
    auto retry = deliver(s, {{"X-UUN", header}});
    CHECK(retry.final_step == step::discard);
    CHECK(w.triggers().size() == 1);
}

TEST_CASE("a full replay cache answers 451 and writes no trigger")
{
    world w({}, 1);
    session s(*w.context);
    REQUIRE(deliver(s, {{"X-UUN", w.uun(1)}}).final_step == step::discard);
    auto got = deliver(s, {{"X-UUN", w.uun(2)}});
    CHECK(got.final_step == step::tempfail);
    REQUIRE(got.replies.size() == 1);
    CHECK(got.replies[0] == "451 4.3.0 UUN replay cache unavailable on this host, try again later");
    CHECK(w.triggers().size() == 1);
}

TEST_CASE("queue ids are taken as the MTA sends them, made safe, or NOQUEUE")
{
    struct row {
        const char* label;
        const char* raw;
        const char* want;
    };
    const row rows[] = {
        {"Postfix queue id", "4XyZ1abC", "4XyZ1abC"},
        {"missing macro", nullptr, "NOQUEUE"},
        {"hostile bytes dropped", "a/b\n c%d", "abcd"},
        {"nothing usable", "//\n", "NOQUEUE"},
    };
    for (const auto& r : rows) {
        INFO(std::string(r.label));
        CHECK(safe_queue_id(r.raw) == r.want);
        world w;
        session s(*w.context);
        REQUIRE(deliver(s, {{"X-UUN", w.uun()}}, "", r.raw).final_step == step::discard);
        REQUIRE(w.triggers().size() == 1);
        auto text = read_file(w.config.spool_dir + "/" + *w.triggers().begin(), 1000);
        REQUIRE(text);
        CHECK(text->find(cat("queue_id=", r.want, "\n")) != std::string::npos);
    }
    CHECK(safe_queue_id(std::string(100, 'q').c_str()).size() == 64);
}

TEST_CASE("reply text is printable, bounded and safe for smfi_setreply")
{
    CHECK(safe_reply_text("100% bad") == "100%% bad");
    CHECK(safe_reply_text("a\r\nb\x01") == "a??b?");
    CHECK(safe_reply_text(std::string(1000, 'x')).size() == 200);
}

TEST_CASE("an abort forgets the message in progress")
{
    world w;
    session s(*w.context);
    s.header("X-UUN", "garbage");
    s.reset();  // xxfi_abort
    CHECK(deliver(s, {{"Subject", "next message"}}).final_step == step::accept);
    s.header("X-UUN", w.uun(1));
    s.reset();
    CHECK(deliver(s, {{"X-UUN", w.uun(2)}}).final_step == step::discard);  // not "more than one"
    CHECK(w.triggers().size() == 1);
}

TEST_CASE("callbacks in odd orders are handled")
{
    world w;
    session s(*w.context);
    recorder mta;
    // A body nobody asked for is skipped.
    CHECK(s.body("unexpected") == step::skip);
    // End of message without end of headers decides on the headers seen.
    s.header("X-UUN", w.uun(7));
    CHECK(s.end_of_message(mta) == step::discard);
    CHECK(w.triggers().size() == 1);
    // End of message with nothing at all accepts.
    CHECK(s.end_of_message(mta) == step::accept);
    // The next message starts clean.
    CHECK(deliver(s, {{"From", "x@example.com"}}).final_step == step::accept);
}

TEST_CASE("subject marker variant: the tag list after [UUN] is checked like X-UUN")
{
    auto subject_only = [](milter_config& c) { c.subject_marker = true; };
    {
        world w(subject_only);
        session s(*w.context);
        auto got = deliver(s, {{"Subject", "[UUN] " + w.uun(5)}});
        CHECK(got.at_end_of_headers == step::discard);
        CHECK(w.triggers().size() == 1);
    }
    {
        world w(subject_only);
        session s(*w.context);
        auto got = deliver(s, {{"Subject", "[UUN] urgent update"}});
        CHECK(got.at_end_of_headers == step::reject);
        REQUIRE(got.replies.size() == 1);
        CHECK(got.replies[0].starts_with("550 5.7.1 Invalid UUN in Subject:"));
        CHECK(deliver(s, {{"Subject", "ordinary"}}).at_end_of_headers == step::accept);
        CHECK(w.triggers().empty());
    }
    {
        world w(subject_only);
        session s(*w.context);
        // The X-UUN header wins over the subject.
        auto got = deliver(s, {{"Subject", "[UUN] junk"}, {"X-UUN", w.uun(6)}});
        CHECK(got.at_end_of_headers == step::discard);
        CHECK(w.triggers().size() == 1);
    }
}

TEST_CASE("body token variant: only [UUN] mail has its body read")
{
    auto body_only = [](milter_config& c) {
        c.body_token = true;
        c.max_body_bytes = 1024;
    };
    {
        world w(body_only);
        session s(*w.context);
        auto normal = deliver(s, {{"Subject", "ordinary"}});
        CHECK(normal.at_end_of_headers == step::accept);
    }
    {
        world w(body_only);
        session s(*w.context);
        auto got = deliver(s, {{"Subject", "[UUN] urgent update"}}, "Hello\r\nUUN-Token: " + w.uun(9) + "\r\n");
        CHECK(got.at_end_of_headers == step::next);
        CHECK(got.final_step == step::discard);
        CHECK(w.triggers().size() == 1);
    }
    {
        world w(body_only);
        session s(*w.context);
        auto forged = w.uun(9);
        forged.replace(forged.find("s=9"), 3, "s=8");
        auto got = deliver(s, {{"Subject", "[UUN]"}}, "UUN-Token: " + forged + "\r\n");
        CHECK(got.final_step == step::reject);
        REQUIRE(got.replies.size() == 1);
        CHECK(got.replies[0] == "550 5.7.1 Invalid UUN in UUN-Token line: signature does not verify");
    }
    {
        world w(body_only);
        session s(*w.context);
        auto none = deliver(s, {{"Subject", "[UUN]"}}, "no token here\r\n");
        CHECK(none.final_step == step::reject);
        REQUIRE(none.replies.size() == 1);
        CHECK(none.replies[0].find("no UUN-Token line in the first 1024 bytes") != std::string::npos);
        auto two = deliver(s, {{"Subject", "[UUN]"}},
                           "UUN-Token: " + w.uun(1) + "\r\nUUN-Token: " + w.uun(2) + "\r\n");
        CHECK(two.final_step == step::reject);
        REQUIRE(two.replies.size() == 1);
        CHECK(two.replies[0].find("more than one UUN-Token line") != std::string::npos);
        // A token past the body limit is never seen: the rest is skipped.
        auto late = deliver(s, {{"Subject", "[UUN]"}}, std::string(2000, 'x') + "\r\nUUN-Token: " + w.uun(3) + "\r\n");
        CHECK(late.final_step == step::reject);
        CHECK(w.triggers().empty());
    }
    {
        world w(body_only);
        session s(*w.context);
        recorder mta;
        s.header("Subject", "[UUN]");
        REQUIRE(s.end_of_headers(mta) == step::next);
        CHECK(s.reading_body());
        CHECK(s.body(std::string(1000, 'a')) == step::next);
        CHECK(s.body(std::string(1000, 'a')) == step::skip);  // limit reached
        s.reset();
        CHECK_FALSE(s.reading_body());
    }
}

TEST_CASE("with both variants on, a tag list in the subject is used, else the body")
{
    world w([](milter_config& c) {
        c.subject_marker = true;
        c.body_token = true;
    });
    session s(*w.context);
    auto in_subject = deliver(s, {{"Subject", "[UUN] " + w.uun(1)}});
    CHECK(in_subject.at_end_of_headers == step::discard);
    auto in_body = deliver(s, {{"Subject", "[UUN]"}}, "UUN-Token: " + w.uun(2) + "\r\n");
    CHECK(in_body.at_end_of_headers == step::next);
    CHECK(in_body.final_step == step::discard);
    auto words = deliver(s, {{"Subject", "[UUN] urgent update"}}, "UUN-Token: " + w.uun(3) + "\r\n");
    CHECK(words.at_end_of_headers == step::next);
    CHECK(words.final_step == step::discard);
    auto bad_tags = deliver(s, {{"Subject", "[UUN] v=1; junk"}}, "UUN-Token: " + w.uun(4) + "\r\n");
    CHECK(bad_tags.at_end_of_headers == step::reject);
    CHECK(w.triggers().size() == 3);
}
