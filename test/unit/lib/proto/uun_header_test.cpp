// X-UUN v1: the shared vectors, sign/parse round trips and hostile headers.
#include "lib/proto/uun_header.hpp"
#include "lib/util/base64.hpp"
#include "test/unit/test_support.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace uun;
using namespace uun::proto;

namespace {

struct vector_keys {
    keyring trusted;
    private_key signer;
};

vector_keys keys_from(const nlohmann::json& v)
{
    auto pub = public_key::from_pem(v["trusted_public_key_pem"].get<std::string>());
    auto priv = private_key::from_pem(v["publisher_private_key_pem_for_tests_only"].get<std::string>());
    REQUIRE(pub);
    REQUIRE(priv);
    keyring ring;
    ring.add(*pub);
    return {ring, *priv};
}

}  // namespace

TEST_CASE("every shared UUN header vector gets its verdict")
{
    auto v = uun::test::load_vectors("uun-header-v1.json");
    auto keys = keys_from(v);
    std::int64_t skew = v["skew_seconds"].get<std::int64_t>();
    REQUIRE(v["cases"].size() >= 10);
    for (const auto& c : v["cases"]) {
        auto got = check_uun_header(c["header"].get<std::string>(), keys.trusted, c["now"].get<std::int64_t>(), skew);
        INFO("case '", c["name"].get<std::string>(), "': got ", to_string(got.verdict), " (", got.reason, ")");
        CHECK(to_string(got.verdict) == c["want"].get<std::string>());
    }
}

TEST_CASE("the vector key has the vector key id and the canonical form matches")
{
    auto v = uun::test::load_vectors("uun-header-v1.json");
    auto keys = keys_from(v);
    CHECK(keys.signer.id() == v["trusted_key_id"].get<std::string>());
    CHECK(keys.trusted.ids() == std::vector<std::string>{v["trusted_key_id"].get<std::string>()});
    auto untrusted = public_key::from_pem(v["untrusted_public_key_pem"].get<std::string>());
    REQUIRE(untrusted);
    CHECK(untrusted->id() == "91e5748d09cdcf08");

    for (const auto& c : v["cases"]) {
        if (!c.contains("canonical"))
            continue;
        auto parsed = parse_uun_header(c["header"].get<std::string>());
        REQUIRE(parsed);
        CHECK(uun_canonical_form(parsed->claim) == c["canonical"].get<std::string>());
        // Ed25519 is deterministic: re-signing gives the vector's b= exactly.
        auto resigned = sign_uun(parsed->claim, keys.signer);
        CHECK(format_uun_header(resigned) == c["header"].get<std::string>());
    }
}

TEST_CASE("a header we sign and format parses back and checks valid")
{
    auto key = private_key::generate();
    REQUIRE(key);
    keyring ring;
    ring.add(key->public_part());
    uun_claim claim{.key_id = "", .seq = 7, .channel = "av", .issued = 1000, .expires = 4600, .nonce = new_uun_nonce()};
    auto header = sign_uun(claim, *key);
    CHECK(header.claim.key_id == key->id());
    auto text = format_uun_header(header);
    auto check = check_uun_header(text, ring, 1100, 300);
    CHECK(check.verdict == uun_verdict::valid);
    REQUIRE(check.header);
    CHECK(check.header->claim.seq == 7);
    CHECK(check.header->claim.nonce == claim.nonce);
}

TEST_CASE("nonces are 16 random bytes and differ")
{
    auto a = new_uun_nonce();
    auto b = new_uun_nonce();
    CHECK(a != b);
    auto raw = base64url_decode(a);
    REQUIRE(raw);
    CHECK(raw->size() == 16);
}

TEST_CASE("time window edges: skew before issue, expiry inclusive")
{
    auto key = private_key::generate();
    REQUIRE(key);
    keyring ring;
    ring.add(key->public_part());
    auto text = format_uun_header(sign_uun({.key_id = "", .seq = 1, .channel = "av", .issued = 1000, .expires = 2000,
                                            .nonce = new_uun_nonce()},
                                           *key));
    struct row {
        const char* label;
        std::int64_t now;
        uun_verdict want;
    };
    const row rows[] = {
        {"exactly skew early", 700, uun_verdict::valid},
        {"one second beyond skew", 699, uun_verdict::not_yet_valid},
        {"at expiry", 2000, uun_verdict::valid},
        {"one second after expiry", 2001, uun_verdict::expired},
    };
    for (const auto& r : rows) {
        auto got = check_uun_header(text, ring, r.now, 300);
        INFO(std::string(r.label), ": got ", to_string(got.verdict), ", want ", to_string(r.want));
        CHECK(got.verdict == r.want);
    }
}

TEST_CASE("hostile headers are malformed, never accepted")
{
    const std::string good_tail = "s=42; c=av; t=1763900000; x=1763903600; n=CngAlZFyLMhIJcqV7n_6Ug; "
                                  "b=Frv6MCZEsahMtctiW+AmE9TeAaC/Eud2sLDbuKCr4stq3Zv7tCLVomlA5q5fvWWSU54h3II3+oWEfTcRV0bxBw==";
    const std::string k = "v=1; k=0a6f3902d0ac0d31; ";
    struct row {
        const char* label;
        std::string header;
    };
    const std::vector<row> rows = {
        {"empty", ""},
        {"only separators", ";;;"},
        {"oversized", k + good_tail + "; z=" + std::string(2000, 'a')},
        {"bare CR", k + "s=42;\r c=av; t=1763900000; x=1763903600; n=CngAlZFyLMhIJcqV7n_6Ug; b=x"},
        {"line break without folding", k + "s=42;\nc=av; t=1763900000; x=1763903600; n=CngAlZFyLMhIJcqV7n_6Ug; b=x"},
        {"NUL byte", k + std::string("s=4\0" "2; ", 7) + good_tail.substr(6)},
        {"non-ASCII byte", k + "s=42; c=\xc3\xa9; t=1763900000; x=1763903600; n=CngAlZFyLMhIJcqV7n_6Ug; b=x"},
        {"tag without equals", k + "s; " + good_tail},
        {"empty tag in the middle", k + "; " + good_tail},
        {"bad tag name", k + "9x=1; " + good_tail},
        {"duplicate unknown tag", k + "z=1; z=2; " + good_tail},
        {"seq with leading zero", k + "s=042; c=av; t=1763900000; x=1763903600; n=CngAlZFyLMhIJcqV7n_6Ug; b=x"},
        {"seq overflows 64 bits",
         k + "s=99999999999999999999; c=av; t=1763900000; x=1763903600; n=CngAlZFyLMhIJcqV7n_6Ug; b=x"},
        {"negative time", k + "s=42; c=av; t=-5; x=1763903600; n=CngAlZFyLMhIJcqV7n_6Ug; b=x"},
        {"expires before issue", k + "s=42; c=av; t=1763903600; x=1763900000; n=CngAlZFyLMhIJcqV7n_6Ug; b=x"},
        {"short nonce", k + "s=42; c=av; t=1763900000; x=1763903600; n=CngAlZFy; b=x"},
        {"upper-case key id", "v=1; k=0A6F3902D0AC0D31; " + good_tail},
        {"short key id", "v=1; k=0a6f; " + good_tail},
        {"channel with a slash", k + "s=42; c=../av; t=1763900000; x=1763903600; n=CngAlZFyLMhIJcqV7n_6Ug; b=x"},
        {"garbage inside the folded signature", k + good_tail.substr(0, good_tail.size() - 10) + "\n\t*" +
                                                    good_tail.substr(good_tail.size() - 10)},
        {"signature cut short by folding", k + good_tail.substr(0, good_tail.size() - 10) + "\n\t;"},
        {"line break inside the signature without white space", k + good_tail.substr(0, good_tail.size() - 10) +
                                                                    "\n" + good_tail.substr(good_tail.size() - 10)},
        {"folding white space inside another tag's value", k + "s=4\n\t2; " + good_tail.substr(6)},
        {"signature of the wrong length", k + "s=42; c=av; t=1763900000; x=1763903600; n=CngAlZFyLMhIJcqV7n_6Ug; b=AAAA"},
        {"missing version", "k=0a6f3902d0ac0d31; " + good_tail},
        {"too many tags", k + "a=1;b1=1;c1=1;d=1;e=1;f=1;g=1;h=1;i=1;j=1; " + good_tail},
    };
    auto v = uun::test::load_vectors("uun-header-v1.json");
    auto ring = keys_from(v).trusted;
    for (const auto& r : rows) {
        auto got = check_uun_header(r.header, ring, 1763900060, 300);
        INFO(std::string(r.label), ": got ", to_string(got.verdict), " (", got.reason, "), want malformed");
        CHECK(got.verdict == uun_verdict::malformed);
        CHECK(!got.reason.empty());
    }
}

TEST_CASE("the header as libmilter hands it over (LF + tab folds) is valid")
{
    auto v = uun::test::load_vectors("uun-header-v1.json");
    auto ring = keys_from(v).trusted;
    std::string folded = "v=1; k=0a6f3902d0ac0d31;\n\ts=42; c=av; t=1763900000;\n x=1763903600; "
                         "n=CngAlZFyLMhIJcqV7n_6Ug;\n\tb=Frv6MCZEsahMtctiW+AmE9TeAaC/Eud2sLDbuKCr4stq3Zv7tCLVomlA5q5fvWWSU54h3II3+oWEfTcRV0bxBw==;";
    auto got = check_uun_header(folded, ring, 1763900060, 300);
    INFO(got.reason);
    CHECK(got.verdict == uun_verdict::valid);
}

TEST_CASE("folding white space inside b= is dropped before decoding (RFC 6376 3.2)")
{
    const std::string head = "v=1; k=0a6f3902d0ac0d31; s=42; c=av; t=1763900000; x=1763903600; n=CngAlZFyLMhIJcqV7n_6Ug; ";
    const std::string sig = "Frv6MCZEsahMtctiW+AmE9TeAaC/Eud2sLDbuKCr4stq3Zv7tCLVomlA5q5fvWWSU54h3II3+oWEfTcRV0bxBw==";
    struct row {
        const char* label;
        std::string header;
        uun_verdict want;
    };
    const std::vector<row> rows = {
        {"LF + tab inside b= (libmilter)", head + "b=" + sig.substr(0, 40) + "\n\t" + sig.substr(40), uun_verdict::valid},
        {"CRLF + space inside b=", head + "b=" + sig.substr(0, 20) + "\r\n " + sig.substr(20), uun_verdict::valid},
        {"several folds inside b=", head + "b=" + sig.substr(0, 30) + "\n\t" + sig.substr(30, 30) + "\n " + sig.substr(60),
         uun_verdict::valid},
        {"fold right after b=", head + "b=\n\t" + sig, uun_verdict::valid},
        {"plain spaces inside b=", head + "b=" + sig.substr(0, 10) + "  \t " + sig.substr(10), uun_verdict::valid},
        {"fold before the padding", head + "b=" + sig.substr(0, 86) + "\n =\n =", uun_verdict::valid},
        {"fold before b= and a trailing ';'", head.substr(0, head.size() - 1) + "\n\tb=" + sig + ";\n ", uun_verdict::valid},
        {"folded, one character changed", head + "b=" + sig.substr(0, 40) + "\n\t" + "Z" + sig.substr(41),
         uun_verdict::bad_signature},
        {"folded, one character missing", head + "b=" + sig.substr(0, 40) + "\n\t" + sig.substr(41), uun_verdict::malformed},
        {"folded, a dot inside", head + "b=" + sig.substr(0, 40) + "\n\t." + sig.substr(40), uun_verdict::malformed},
        {"folded, a second b= glued on", head + "b=" + sig + "\n\t" + sig, uun_verdict::malformed},
    };
    auto v = uun::test::load_vectors("uun-header-v1.json");
    auto ring = keys_from(v).trusted;
    for (const auto& r : rows) {
        auto got = check_uun_header(r.header, ring, 1763900060, 300);
        INFO(std::string(r.label), ": got ", to_string(got.verdict), " (", got.reason, "), want ", to_string(r.want));
        CHECK(got.verdict == r.want);
    }
}

TEST_CASE("channel names")
{
    CHECK(is_valid_channel_name("av"));
    CHECK(is_valid_channel_name("sys-3.x_beta"));
    CHECK_FALSE(is_valid_channel_name(""));
    CHECK_FALSE(is_valid_channel_name("AV"));
    CHECK_FALSE(is_valid_channel_name("-av"));
    CHECK_FALSE(is_valid_channel_name("a/b"));
    CHECK_FALSE(is_valid_channel_name(std::string(65, 'a')));
}
