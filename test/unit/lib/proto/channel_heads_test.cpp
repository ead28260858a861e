// The UUN's heads (h=): one spelling per set of heads, because the text is
// signed; the header carries them under its signature and a changed head
// fails it; a header without h= keeps v1's canonical form.
#include "lib/proto/channel_heads.hpp"
#include "lib/proto/uun_header.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace uun;
using namespace uun::proto;

TEST_CASE("heads parse in their one spelling and nothing else")
{
    struct row {
        const char* label;
        std::string text;
        bool ok;
    };
    const row rows[] = {
        {"one channel", "av:3", true},
        {"two, ascending", "av:3,sys:12", true},
        {"eight", "a:1,b:1,c:1,d:1,e:1,f:1,g:1,h:1", true},
        {"nine", "a:1,b:1,c:1,d:1,e:1,f:1,g:1,h:1,i:1", false},
        {"empty", "", false},
        {"descending", "sys:1,av:3", false},
        {"repeated", "av:1,av:2", false},
        {"a zero", "av:0", false},
        {"a leading zero", "av:03", false},
        {"a sign", "av:+3", false},
        {"white space", "av: 3", false},
        {"no colon", "av3", false},
        {"an upper-case channel", "AV:3", false},
        {"a trailing comma", "av:3,", false},
        {"over 2^64", "av:18446744073709551616", false},
    };
    for (const auto& r : rows) {
        INFO(r.label);
        auto heads = parse_channel_heads(r.text);
        CHECK(heads.has_value() == r.ok);
        if (heads)
            CHECK(format_channel_heads(*heads) == r.text);
    }
}

TEST_CASE("h= is signed: a header with heads checks valid, a changed head does not")
{
    auto key = private_key::generate();
    REQUIRE(key);
    keyring ring;
    ring.add(key->public_part());
    uun_claim claim{.key_id = "", .seq = 7, .channel = "av", .issued = 1000, .expires = 4600,
                    .nonce = new_uun_nonce(), .heads = {{"av", 3}, {"sys", 12}}};
    auto text = format_uun_header(sign_uun(claim, *key));
    CHECK(text.find("; h=av:3,sys:12; b=") != std::string::npos);
    auto check = check_uun_header(text, ring, 1100, 300);
    REQUIRE(check.verdict == uun_verdict::valid);
    CHECK(check.header->claim.heads == claim.heads);

    std::string lowered = text;
    lowered.replace(lowered.find("sys:12"), 6, "sys:11");
    CHECK(check_uun_header(lowered, ring, 1100, 300).verdict == uun_verdict::bad_signature);
    std::string dropped = text;
    dropped.erase(dropped.find("; h="), std::string("; h=av:3,sys:12").size());
    CHECK(check_uun_header(dropped, ring, 1100, 300).verdict == uun_verdict::bad_signature);
    std::string respelled = text;
    respelled.replace(respelled.find("av:3,sys:12"), 11, "sys:12,av:3");
    CHECK(check_uun_header(respelled, ring, 1100, 300).verdict == uun_verdict::malformed);

    claim.heads.clear();
    CHECK(uun_canonical_form(claim).find(";h=") == std::string::npos);
}
