// X-UUN v1 parsing and signing. The grammar is RFC 6376 §3.2's tag list;
// values of the tags we know are held to one canonical spelling so that a
// signature has exactly one header text it can come from.
#include "lib/proto/uun_header.hpp"

#include "lib/util/base64.hpp"
#include "lib/util/random.hpp"

#include <charconv>
#include <map>

namespace uun::proto {

namespace {

constexpr std::string_view canonical_prefix = "uun-v1:";

bool is_wsp(char c)
{
    return c == ' ' || c == '\t';
}

std::string_view trim_wsp(std::string_view s)
{
    while (!s.empty() && is_wsp(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_wsp(s.back()))
        s.remove_suffix(1);
    return s;
}

// Removes folding (CRLF or bare LF followed by white space, as libmilter hands
// folded values over); any other line break or control byte is hostile.
result<std::string> unfold(std::string_view raw)
{
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        char c = raw[i];
        if (c == '\r' && i + 2 < raw.size() && raw[i + 1] == '\n' && is_wsp(raw[i + 2])) {
            ++i;
            continue;
        }
        if (c == '\n' && i + 1 < raw.size() && is_wsp(raw[i + 1]))
            continue;
        auto u = static_cast<unsigned char>(c);
        if (c == '\r' || c == '\n')
            return fail("line break that is not folding");
        if ((u < 0x20 && c != '\t') || u >= 0x7f)
            return fail("control or non-ASCII byte");
        out.push_back(c);
    }
    return out;
}

// b= is base64 with folding white space allowed anywhere inside it (RFC 6376
// 3.2 and 3.5, as for DKIM), which relays that rewrap long lines produce. The
// signature covers the other tags only, so dropping it changes nothing signed.
std::string without_wsp(std::string_view s)
{
    std::string out;
    out.reserve(s.size());
    for (char c : s)
        if (!is_wsp(c))
            out.push_back(c);
    return out;
}

bool is_tag_name(std::string_view name)
{
    if (name.empty() || name.size() > 32)
        return false;
    auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    if (!alpha(name.front()))
        return false;
    for (char c : name)
        if (!alpha(c) && !(c >= '0' && c <= '9') && c != '_')
            return false;
    return true;
}

// Decimal without sign or leading zeros: one spelling per number.
template <class Int>
std::optional<Int> parse_decimal(std::string_view text)
{
    if (text.empty() || text.size() > 20 || (text.size() > 1 && text.front() == '0'))
        return std::nullopt;
    for (char c : text)
        if (c < '0' || c > '9')
            return std::nullopt;
    Int value{};
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || ptr != text.data() + text.size())
        return std::nullopt;
    return value;
}

bool is_key_id(std::string_view s)
{
    if (s.size() != 16)
        return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    return true;
}

}  // namespace

std::string_view to_string(uun_verdict verdict)
{
    switch (verdict) {
    case uun_verdict::valid:
        return "valid";
    case uun_verdict::malformed:
        return "malformed";
    case uun_verdict::unknown_key:
        return "unknown-key";
    case uun_verdict::bad_signature:
        return "bad-signature";
    case uun_verdict::expired:
        return "expired";
    case uun_verdict::not_yet_valid:
        return "not-yet-valid";
    }
    return "malformed";
}

bool is_valid_channel_name(std::string_view name)
{
    if (name.empty() || name.size() > 64)
        return false;
    auto ok_first = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (!ok_first(name.front()))
        return false;
    for (char c : name)
        if (!ok_first(c) && c != '-' && c != '_' && c != '.')
            return false;
    return true;
}

std::string new_uun_nonce()
{
    return base64url_encode(random_bytes(uun_nonce_bytes));
}

std::string uun_canonical_form(const uun_claim& c)
{
    return cat(canonical_prefix, "v=1;k=", c.key_id, ";s=", c.seq, ";c=", c.channel, ";t=", c.issued,
               ";x=", c.expires, ";n=", c.nonce, c.heads.empty() ? "" : ";h=" + format_channel_heads(c.heads));
}

uun_header sign_uun(uun_claim claim, const private_key& key)
{
    claim.key_id = key.id();
    std::string signature = key.sign(uun_canonical_form(claim));
    return uun_header{std::move(claim), std::move(signature)};
}

std::string format_uun_header(const uun_header& h)
{
    const auto& c = h.claim;
    return cat("v=1; k=", c.key_id, "; s=", c.seq, "; c=", c.channel, "; t=", c.issued, "; x=", c.expires,
               "; n=", c.nonce, c.heads.empty() ? "" : "; h=" + format_channel_heads(c.heads),
               "; b=", base64_encode(h.signature));
}

result<uun_header> parse_uun_header(std::string_view value)
{
    if (value.size() > max_uun_header_bytes)
        return fail(cat("header longer than ", max_uun_header_bytes, " bytes"));
    auto unfolded = unfold(value);
    if (!unfolded)
        return std::unexpected(unfolded.error());

    std::map<std::string, std::string, std::less<>> tags;
    std::string_view rest = *unfolded;
    while (true) {
        auto semi = rest.find(';');
        std::string_view spec = trim_wsp(rest.substr(0, semi));
        bool last = semi == std::string_view::npos;
        if (spec.empty()) {
            if (last && !tags.empty())
                break;  // a trailing ';' is allowed
            return fail("empty tag");
        }
        auto eq = spec.find('=');
        if (eq == std::string_view::npos)
            return fail("tag without '='");
        std::string_view name = trim_wsp(spec.substr(0, eq));
        std::string_view val = trim_wsp(spec.substr(eq + 1));
        if (!is_tag_name(name))
            return fail("bad tag name");
        if (tags.size() >= max_uun_tags)
            return fail("too many tags");
        if (!tags.emplace(std::string(name), std::string(val)).second)
            return fail(cat("duplicate tag '", name, "'"));
        if (last)
            break;
        rest.remove_prefix(semi + 1);
    }

    for (const char* required : {"v", "k", "s", "c", "t", "x", "n", "b"})
        if (tags.find(required) == tags.end())
            return fail(cat("missing tag '", required, "'"));

    if (tags["v"] != "1")
        return fail(cat("unsupported version"));

    uun_header h;
    uun_claim& c = h.claim;
    c.key_id = tags["k"];
    if (!is_key_id(c.key_id))
        return fail("bad key id");
    auto seq = parse_decimal<std::uint64_t>(tags["s"]);
    if (!seq || *seq == 0)
        return fail("bad seq");
    c.seq = *seq;
    c.channel = tags["c"];
    if (!is_valid_channel_name(c.channel))
        return fail("bad channel");
    auto issued = parse_decimal<std::int64_t>(tags["t"]);
    auto expires = parse_decimal<std::int64_t>(tags["x"]);
    if (!issued || !expires)
        return fail("bad time");
    if (*expires <= *issued)
        return fail("expires before it is issued");
    if (*expires - *issued > max_uun_lifetime_seconds)
        return fail(cat("lifetime ", *expires - *issued, "s is over the ", max_uun_lifetime_seconds, "s maximum"));
    c.issued = *issued;
    c.expires = *expires;
    auto nonce = base64url_decode(tags["n"]);
    if (!nonce || nonce->size() != uun_nonce_bytes)
        return fail("bad nonce");
    c.nonce = tags["n"];
    if (auto h = tags.find("h"); h != tags.end()) {
        auto heads = parse_channel_heads(h->second);
        if (!heads)
            return fail(cat("bad heads: ", heads.error().message));
        c.heads = std::move(*heads);
    }
    auto sig = base64_decode(without_wsp(tags["b"]));
    if (!sig || sig->size() != 64)
        return fail("bad signature encoding");
    h.signature = std::move(*sig);
    return h;
}

uun_check check_uun_header(std::string_view value, const keyring& trusted, std::int64_t now,
                           std::int64_t skew_seconds)
{
    uun_check out;
    auto parsed = parse_uun_header(value);
    if (!parsed) {
        out.verdict = uun_verdict::malformed;
        out.reason = parsed.error().message;
        return out;
    }
    out.header = *parsed;
    const uun_claim& c = parsed->claim;
    const public_key* key = trusted.find(c.key_id);
    if (key == nullptr) {
        out.verdict = uun_verdict::unknown_key;
        out.reason = cat("key ", c.key_id, " is not trusted");
        return out;
    }
    if (!key->verify(uun_canonical_form(c), parsed->signature)) {
        out.verdict = uun_verdict::bad_signature;
        out.reason = "signature does not verify";
        return out;
    }
    if (now < c.issued - skew_seconds) {
        out.verdict = uun_verdict::not_yet_valid;
        out.reason = cat("issued ", c.issued - now, "s in the future");
        return out;
    }
    if (now > c.expires) {
        out.verdict = uun_verdict::expired;
        out.reason = cat("expired ", now - c.expires, "s ago");
        return out;
    }
    out.verdict = uun_verdict::valid;
    out.reason = cat("seq ", c.seq, " channel ", c.channel);
    return out;
}

}  // namespace uun::proto
