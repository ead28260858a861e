// Identity rules (lib/proto/identity): one table per rule, the same answer
// for the updater's config, the server's API and uun-publish's registry
// checks. Rows marked "was" are text one of the three copies used to judge
// differently before the rule lived in one place.
#include "lib/proto/identity.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace uun::proto;

namespace {

struct row {
    const char* label;
    std::string text;
    bool want;
};

void check_rows(bool (*valid)(std::string_view), std::initializer_list<row> rows)
{
    for (const auto& r : rows) {
        bool got = valid(r.text);
        INFO(std::string(r.label), ": '", r.text, "': got ", (got ? "accepted" : "refused"), ", want ",
             (r.want ? "accepted" : "refused"));
        CHECK(got == r.want);
    }
}

}  // namespace

TEST_CASE("appliance ids: [a-z0-9._-]{1,64}, one case")
{
    check_rows(is_valid_appliance_id, {
        {"plain", "gw-0001", true},
        {"underscore and dot", "gw_1.a", true},
        {"upper case (the MTA routes case-blind: GW-0001 would take gw-0001's UUNs)", "GW-0001", false},
        {"one upper-case letter", "gw-0001A", false},
        {"dot, dash and underscore", "gw_1.eu-west", true},
        {"one character", "a", true},
        {"64 characters", std::string(max_appliance_id_bytes, 'a'), true},
        {"65 characters", std::string(max_appliance_id_bytes + 1, 'a'), false},
        {"empty", "", false},
        {"space", "gw 1", false},
        {"slash", "gw/1", false},
        {"at sign", "gw@1", false},
        {"plus (a sub-address in the envelope sender)", "gw+1", false},
        {"colon", "gw:1", false},
        {"NUL", std::string("gw\0" "1", 4), false},
        {"newline", "gw\n1", false},
        {"8-bit", "gw\xc3\xa9", false},
        {"a mail address", "uun@gw1.example.net", false},
    });
}

TEST_CASE("product and version text: [A-Za-z0-9._+~:-]{1,64}")
{
    check_rows(is_valid_product_text, {
        {"product", "mg-5000", true},
        {"Debian-style version", "1:3.2+deb12~rc1", true},
        {"64 characters", std::string(max_product_bytes, '1'), true},
        {"65 characters", std::string(max_product_bytes + 1, '1'), false},
        {"empty", "", false},
        {"space", "mg 5000", false},
        {"slash", "3.2/1", false},
        {"comma", "3,2", false},
        {"8-bit", "3.2\xff", false},
    });
}

TEST_CASE("notify recipients: local@domain or local@[ip], printable, at most 254 bytes")
{
    check_rows(is_valid_notify_recipient, {
        {"host name", "uun@gw1.example.net", true},
        {"IPv4 literal", "uun@[192.0.2.7]", true},
        {"IPv6 literal", "uun@[IPv6:2001:db8::7]", true},
        {"domain without dots", "postmaster@localhost", true},
        {"hyphen inside a label", "uun@gw-1.example.net", true},
        {"63-byte label", "uun@" + std::string(max_domain_label_bytes, 'a') + ".net", true},
        {"254 bytes", std::string(242, 'u') + "@example.net", true},
        {"255 bytes", std::string(243, 'u') + "@example.net", false},
        {"empty", "", false},
        {"no @", "uun.example.net", false},
        {"local part empty", "@gw1", false},
        {"domain empty", "uun@", false},
        {"space", "u n@x.net", false},
        {"angle brackets", "<uun@gw1>", false},
        {"display name", "uun <x@y>", false},
        {"comma", "uun@gw1,x@y", false},
        {"semicolon", "a@x.net;b", false},
        {"quote", "\"a\"@x.net", false},
        {"backslash", "a\\b@x.net", false},
        {"header injection", "uun@gw1.example.net\r\nBcc: x@y", false},
        {"newline", "a@x.net\nRCPT", false},
        {"8-bit", "\xc3\xa9@x.net", false},
        {"unclosed literal", "uun@[192.0.2.7", false},
        {"was accepted by the updater: two @", "a@b@c", false},
        {"was accepted by the updater and uun-publish: empty label", "uun@x..net", false},
        {"was accepted by the updater and uun-publish: trailing dot", "uun@x.net.", false},
        {"was accepted by the updater and uun-publish: leading hyphen", "uun@-x.net", false},
        {"was accepted by the updater and uun-publish: trailing hyphen", "uun@x-.net", false},
        {"was accepted by the updater and uun-publish: underscore", "uun@x_y.net", false},
        {"was accepted by the updater and uun-publish: 64-byte label",
         "uun@" + std::string(max_domain_label_bytes + 1, 'a') + ".net", false},
        {"was accepted by the updater and uun-publish: bad IPv4 literal", "uun@[300.1.1.1]", false},
        {"was accepted by the updater and uun-publish: IPv6 literal without tag", "uun@[2001:db8::7]", false},
        {"was accepted by the updater and uun-publish: literal not an address", "uun@[gw1]", false},
        {"255 bytes, one 253-byte label", "u@" + std::string(253, 'a'), false},
    });
}

TEST_CASE("tokens: base64url of exactly 32 bytes, 43 characters, no padding")
{
    const std::string token = "q1n8q1n8q1n8q1n8q1n8q1n8q1n8q1n8q1n8q1n8q1g";
    REQUIRE(token.size() == token_chars);
    check_rows(is_valid_token, {
        {"canonical", token, true},
        {"with - and _", "-_n8q1n8q1n8q1n8q1n8q1n8q1n8q1n8q1n8q1n8q1g", true},
        {"one short", token.substr(1), false},
        {"one long", token + "A", false},
        {"padded", token.substr(1) + "=", false},
        {"standard base64", "q1n8q1n8q1n8q1n8q1n8q1n8q1n8q1n8q1n8q1n8q1+", false},
        {"last character not canonical", token.substr(0, 42) + "h", false},
        {"empty", "", false},
    });
}

TEST_CASE("notify recipients the vendor must not mail: its own host and domains")
{
    const std::vector<std::string> vendor = {"vendor.example", "uun.vendor.example"};
    struct row {
        const char* label;
        std::string recipient;
        std::string want;  // "" or a piece of the reason
    } rows[] = {
        {"an appliance's domain", "uun@gw1.example.net", ""},
        {"a public IPv4 literal", "uun@[192.0.2.7]", ""},
        {"a public IPv6 literal", "uun@[IPv6:2001:db8::7]", ""},
        {"a domain that only ends like the vendor's", "uun@notvendor.example", ""},
        {"localhost", "root@localhost", "single label"},
        {"a bare host name", "root@mailhub", "single label"},
        {"under localhost", "root@a.localhost", "under localhost"},
        {"LOCALHOST in capitals", "root@GW.LocalHost", "under localhost"},
        {"loopback literal", "root@[127.0.0.1]", "this host's own"},
        {"loopback literal, elsewhere in 127/8", "root@[127.9.9.9]", "this host's own"},
        {"unspecified literal", "root@[0.0.0.0]", "this host's own"},
        {"link-local literal", "root@[169.254.1.1]", "this host's own"},
        {"IPv6 loopback", "root@[IPv6:::1]", "this host's own"},
        {"IPv6 link-local", "root@[IPv6:fe80::1]", "this host's own"},
        {"IPv4-mapped loopback", "root@[IPv6:::ffff:127.0.0.1]", "this host's own"},
        {"the vendor's domain", "sales@vendor.example", "the vendor's own (vendor.example)"},
        {"below the vendor's domain, other case", "ops@Mail.Vendor.Example", "the vendor's own (vendor.example)"},
    };
    for (const auto& r : rows) {
        auto got = refused_recipient_reason(r.recipient, vendor);
        INFO(r.label, ": ", r.recipient, " -> '", got, "'");
        if (r.want.empty())
            CHECK(got.empty());
        else
            CHECK(got.find(r.want) != std::string::npos);
    }
}
