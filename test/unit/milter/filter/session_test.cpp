// The milter's decisions, driven the way libmilter drives them but without
// an MTA (session_world.hpp): each case checks the answer, the SMTP reply and
// the trigger files. The subject and body variants are in
// session_variants_test.cpp.
#include "test/unit/milter/filter/session_world.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <functional>
#include <set>
#include <string>

using namespace uun;
using namespace uun::filter;
using namespace uun::filter::session_world;

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
        {"a signed UUN issued beyond the skew in the future is a temporary failure (our clock is behind)",
         [](world& w) { return header_list{{"X-UUN", w.uun(42, 301, 3600)}}; }, step::tempfail,
         "451 4.3.0 UUN not valid yet on this host (clock behind?), try again later", 0},
        {"a UUN that lives longer than a day is rejected, even when signed",
         [](world& w) { return header_list{{"X-UUN", w.uun(42, 0, 400 * 86400)}}; }, step::reject,
         "550 5.7.1 Invalid UUN in X-UUN header: lifetime 34560000s is over the 86400s maximum", 0},
        {"a UUN that lives exactly a day is valid",
         [](world& w) { return header_list{{"X-UUN", w.uun(42, 0, 86400)}}; }, step::discard, "", 1},
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
