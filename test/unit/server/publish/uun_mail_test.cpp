// UUN mail composition: the headers, the folded X-UUN that verifies with
// lib's check_uun_header, line lengths and line ends.
#include "lib/proto/uun_header.hpp"
#include "server/publish/uun_mail.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace uun;
using namespace uun::publish;

namespace {

std::vector<std::string> lines_of(const std::string& text)
{
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto end = text.find('\n', pos);
        out.push_back(text.substr(pos, end - pos));
        if (end == std::string::npos)
            break;
        pos = end + 1;
    }
    return out;
}

// The value of header `name` as a milter would get it: folded lines joined
// with "\n", the one space after the colon stripped.
std::string header_value(const std::string& message, const std::string& name)
{
    auto lines = lines_of(message);
    std::string value;
    bool in = false;
    for (const auto& l : lines) {
        if (l.empty())
            break;
        if (in && (l[0] == ' ' || l[0] == '\t')) {
            value += "\n" + l;
            continue;
        }
        in = l.rfind(name + ": ", 0) == 0;
        if (in)
            value = l.substr(name.size() + 2);
    }
    return value;
}

struct fixture {
    proto::private_key key = *proto::private_key::generate();
    uun_mail_fields fields;
    fixture()
    {
        proto::uun_claim claim{.key_id = "", .seq = 4242, .channel = "av", .issued = 1763900000,
                               .expires = 1763903600, .nonce = proto::new_uun_nonce()};
        fields = {.from = "uun@vendor.example",
                  .to = "uun@gw-0001.example.net",
                  .appliance_id = "gw-0001",
                  .message_id = "uun.4242.0011223344556677@uun.vendor.example",
                  .date = 1763900000,
                  .header = proto::sign_uun(claim, key)};
    }
};

}  // namespace

TEST_CASE("a UUN mail carries every header an operator and a filter expect")
{
    fixture f;
    auto mail = compose_uun_mail(f.fields);
    struct row {
        const char* header;
        std::string want;
    };
    const row rows[] = {
        {"From", "uun@vendor.example"},
        {"To", "uun@gw-0001.example.net"},
        {"Date", "Sun, 23 Nov 2025 12:13:20 +0000"},
        {"Message-ID", "<uun.4242.0011223344556677@uun.vendor.example>"},
        {"Subject", "Urgent update notification: av seq 4242"},
        {"Auto-Submitted", "auto-generated"},
        {"MIME-Version", "1.0"},
        {"Content-Type", "text/plain; charset=us-ascii"},
        {"Content-Transfer-Encoding", "7bit"},
    };
    for (const auto& r : rows) {
        auto got = header_value(mail, r.header);
        INFO(std::string(r.header), ": got '", got, "', want '", r.want, "'");
        CHECK(got == r.want);
    }
    auto blank = mail.find("\n\n");
    REQUIRE(blank != std::string::npos);
    CHECK(mail.find("X-UUN: ") < blank);
    CHECK(mail.substr(blank + 2).find("appliance gw-0001") != std::string::npos);
}

TEST_CASE("the folded X-UUN header verifies with check_uun_header and names the seq")
{
    fixture f;
    auto mail = compose_uun_mail(f.fields);
    auto value = header_value(mail, "X-UUN");
    REQUIRE(value.find('\n') != std::string::npos);  // it is folded
    proto::keyring ring;
    ring.add(f.key.public_part());
    auto check = proto::check_uun_header(value, ring, 1763900100, 300);
    INFO("verdict ", std::string(proto::to_string(check.verdict)), ": ", check.reason);
    CHECK(check.verdict == proto::uun_verdict::valid);
    REQUIRE(check.header);
    CHECK(check.header->claim.seq == 4242);
    CHECK(check.header->claim.channel == "av");
    CHECK(check.header->claim.expires == 1763903600);

    // Unfolded, it is exactly the one-line form lib formats.
    std::string unfolded;
    for (char c : value)
        if (c != '\n')
            unfolded += c;
    CHECK(unfolded == proto::format_uun_header(f.fields.header));
}

TEST_CASE("UUN mail lines stay within 78 columns except the unbreakable signature")
{
    fixture f;
    auto mail = compose_uun_mail(f.fields);
    for (const auto& l : lines_of(mail)) {
        INFO("line '", l, "' is ", l.size(), " columns");
        CHECK(l.size() <= 998);
        if (l.rfind(" b=", 0) == 0)
            CHECK(l.size() == 3 + 88);  // base64 of a 64-byte Ed25519 signature
        else
            CHECK(l.size() <= header_fold_width);
    }
}

TEST_CASE("a UUN mail has LF line ends for sendmail and CRLF ones for SMTP, never a bare CR or LF")
{
    fixture f;
    auto mail = compose_uun_mail(f.fields);
    CHECK(mail.find('\r') == std::string::npos);
    CHECK(mail.back() == '\n');
    auto crlf = to_crlf(mail);
    std::size_t lfs = 0;
    for (std::size_t i = 0; i < crlf.size(); ++i) {
        if (crlf[i] == '\n') {
            ++lfs;
            CHECK(i > 0);
            CHECK(crlf[i - 1] == '\r');
        }
        if (crlf[i] == '\r') {
            CHECK(i + 1 < crlf.size());
            CHECK(crlf[i + 1] == '\n');
        }
    }
    CHECK(lfs == lines_of(mail).size());  // the text ends with LF
    // No line of the body starts with '.', which would need dot-stuffing.
    for (const auto& l : lines_of(mail))
        CHECK(l.rfind(".", 0) != 0);
}

TEST_CASE("fold_header breaks after ';' only, and only when a line would pass the width")
{
    struct row {
        const char* label;
        std::string value;
        std::size_t width;
        std::string want;
    };
    const row rows[] = {
        {"short stays on one line", "v=1; k=ab", 78, "X: v=1; k=ab\n"},
        {"breaks before the tag that does not fit", "v=1; k=abcdef; s=1", 12, "X: v=1;\n k=abcdef;\n s=1\n"},
        {"exactly the width fits", "aaaa; bbbb", 13, "X: aaaa; bbbb\n"},
        {"one over the width breaks", "aaaa; bbbb", 12, "X: aaaa;\n bbbb\n"},
        {"a token longer than the width gets its own line", "a; bbbbbbbbbbbbbbbbbbbb", 10,
         "X: a;\n bbbbbbbbbbbbbbbbbbbb\n"},
        {"';' without a space is not a break point", "a;b;c", 4, "X: a;b;c\n"},
    };
    for (const auto& r : rows) {
        auto got = fold_header("X", r.value, r.width);
        INFO(std::string(r.label), ": got '", got, "', want '", r.want, "'");
        CHECK(got == r.want);
    }
}

TEST_CASE("dates are RFC 5322 in UTC whatever the locale")
{
    struct row {
        std::int64_t t;
        const char* want;
    };
    const row rows[] = {
        {0, "Thu, 1 Jan 1970 00:00:00 +0000"},
        {951782400, "Tue, 29 Feb 2000 00:00:00 +0000"},
        {1763900000, "Sun, 23 Nov 2025 12:13:20 +0000"},
    };
    for (const auto& r : rows) {
        auto got = rfc5322_date(r.t);
        INFO(r.t, ": got '", got, "', want '", std::string(r.want), "'");
        CHECK(got == r.want);
    }
}
