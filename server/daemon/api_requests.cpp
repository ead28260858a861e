// Poll and report bodies (see header). Each field is checked for presence,
// type and range before it is copied; the first problem found is reported.
#include "server/daemon/api_requests.hpp"

#include "lib/util/address.hpp"

#include <algorithm>
#include <limits>
#include <set>

#include <arpa/inet.h>

#include <nlohmann/json.hpp>

#include "lib/util/base64.hpp"
#include "lib/util/json_input.hpp"
#include "lib/proto/uun_header.hpp"

namespace uun::server {

namespace {

using json = nlohmann::json;

constexpr std::uint64_t max_seq = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
constexpr std::size_t max_domain_label = 63;

bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// `name` is the key as an operator reads it ("notify.port"); the last part is looked up.
result<const json*> member(const json& object, std::string_view name)
{
    auto dot = name.rfind('.');
    auto it = object.find(name.substr(dot == std::string_view::npos ? 0 : dot + 1));
    if (it == object.end())
        return fail(cat("'", name, "' is missing"));
    return &*it;
}

result<std::string> string_member(const json& object, std::string_view name)
{
    auto v = member(object, name);
    if (!v)
        return std::unexpected(v.error());
    if (!(*v)->is_string())
        return fail(cat("'", name, "' must be a string"));
    return (*v)->get_ref<const std::string&>();
}

result<std::uint64_t> unsigned_member(const json& object, std::string_view name, std::uint64_t min,
                                     std::uint64_t max)
{
    auto v = member(object, name);
    if (!v)
        return std::unexpected(v.error());
    const json& n = **v;
    bool in_range = n.is_number_unsigned() && n.get<std::uint64_t>() >= min && n.get<std::uint64_t>() <= max;
    // nlohmann reads "-0" as a signed zero.
    if (!in_range && n.is_number_integer() && !n.is_number_unsigned() && n.get<std::int64_t>() == 0 && min == 0)
        return 0;
    if (!in_range)
        return fail(cat("'", name, "' must be a whole number from ", min, " to ", max));
    return n.get<std::uint64_t>();
}

result<json> object_body(std::string_view body, std::size_t max_body)
{
    auto parsed = parse_json_input(body, max_body);
    if (!parsed)
        return std::unexpected(parsed.error());
    if (!parsed->is_object())
        return fail("body must be a JSON object");
    return std::move(*parsed);
}

bool is_domain_name(std::string_view domain)
{
    if (domain.empty())
        return false;
    std::size_t label = 0;
    char previous = '.';
    for (char c : domain) {
        if (c == '.') {
            if (label == 0 || previous == '-')
                return false;
            label = 0;
        } else if (is_alnum(c) || (c == '-' && label > 0)) {
            if (++label > max_domain_label)
                return false;
        } else {
            return false;
        }
        previous = c;
    }
    return label > 0 && previous != '-';
}

bool is_address_literal(std::string_view domain)
{
    if (domain.size() < 3 || domain.front() != '[' || domain.back() != ']')
        return false;
    std::string_view inner = domain.substr(1, domain.size() - 2);
    if (inner.starts_with("IPv6:"))
        return is_ipv6_address(inner.substr(5));
    return is_ipv4_address(inner);
}

result<void> check_text(const std::string& text, const char* name, std::size_t max, bool (*valid)(std::string_view),
                        std::string_view rule)
{
    if (!valid(text))
        return fail(cat("'", name, "' must be ", rule, " (1 to ", max, " characters)"));
    return {};
}

}  // namespace

std::string_view to_string(poll_reason reason)
{
    return reason == poll_reason::urgent ? "urgent" : "periodic";
}

std::string_view to_string(report_status status)
{
    return status == report_status::failed ? "failed" : "installed";
}

bool is_valid_appliance_id(std::string_view id)
{
    return !id.empty() && id.size() <= max_appliance_id_bytes &&
           std::all_of(id.begin(), id.end(), [](char c) { return is_alnum(c) || c == '.' || c == '_' || c == '-'; });
}

bool is_valid_token(std::string_view token)
{
    if (token.size() != (token_bytes * 4 + 2) / 3)
        return false;
    auto raw = base64url_decode(token);
    return raw && raw->size() == token_bytes;
}

bool is_valid_product_text(std::string_view text)
{
    return !text.empty() && text.size() <= max_product_bytes && std::all_of(text.begin(), text.end(), [](char c) {
               return is_alnum(c) || c == '.' || c == '_' || c == '+' || c == '~' || c == ':' || c == '-';
           });
}

bool is_valid_notify_recipient(std::string_view recipient)
{
    if (recipient.empty() || recipient.size() > max_recipient_bytes)
        return false;
    for (char c : recipient) {
        if (c <= ' ' || c > '~')
            return false;
        if (c == '<' || c == '>' || c == '"' || c == '\\' || c == ',' || c == ';')
            return false;
    }
    auto at = recipient.find('@');
    if (at == 0 || at == std::string_view::npos || recipient.find('@', at + 1) != std::string_view::npos)
        return false;
    auto domain = recipient.substr(at + 1);
    return is_domain_name(domain) || is_address_literal(domain);
}

result<poll_request> parse_poll_request(std::string_view body, std::size_t max_body)
{
    auto parsed = object_body(body, max_body);
    if (!parsed)
        return std::unexpected(parsed.error());
    const json& j = *parsed;
    poll_request p;

    auto id = string_member(j, "id");
    if (!id)
        return std::unexpected(id.error());
    if (auto ok = check_text(*id, "id", max_appliance_id_bytes, is_valid_appliance_id, "[A-Za-z0-9._-]"); !ok)
        return std::unexpected(ok.error());
    p.id = std::move(*id);

    auto token = string_member(j, "token");
    if (!token)
        return std::unexpected(token.error());
    if (!is_valid_token(*token))
        return fail("'token' must be base64url of 32 bytes (43 characters, no padding)");
    p.token = std::move(*token);

    auto product = string_member(j, "product");
    if (!product)
        return std::unexpected(product.error());
    if (auto ok = check_text(*product, "product", max_product_bytes, is_valid_product_text, "[A-Za-z0-9._+~:-]"); !ok)
        return std::unexpected(ok.error());
    p.product = std::move(*product);

    auto version = string_member(j, "version");
    if (!version)
        return std::unexpected(version.error());
    if (auto ok = check_text(*version, "version", max_product_bytes, is_valid_product_text, "[A-Za-z0-9._+~:-]"); !ok)
        return std::unexpected(ok.error());
    p.version = std::move(*version);

    auto channels = member(j, "channels");
    if (!channels)
        return std::unexpected(channels.error());
    const json& list = **channels;
    if (!list.is_array() || list.empty() || list.size() > max_poll_channels)
        return fail(cat("'channels' must be a list of 1 to ", max_poll_channels, " channel names"));
    std::set<std::string_view> seen;
    for (const auto& c : list) {
        if (!c.is_string() || !proto::is_valid_channel_name(c.get_ref<const std::string&>()))
            return fail("'channels' holds something that is not a channel name ([a-z0-9][a-z0-9._-]{0,63})");
        const auto& name = c.get_ref<const std::string&>();
        if (!seen.insert(name).second)
            return fail(cat("'channels' names '", name, "' twice"));
        p.channels.push_back(name);
    }

    auto notify = member(j, "notify");
    if (!notify)
        return std::unexpected(notify.error());
    if (!(*notify)->is_object())
        return fail("'notify' must be an object with recipient and port");
    auto recipient = string_member(**notify, "notify.recipient");
    if (!recipient)
        return std::unexpected(recipient.error());
    if (!is_valid_notify_recipient(*recipient))
        return fail("'notify.recipient' must be local@domain or local@[ip], at most 254 printable characters "
                    "without white space, <, >, \", \\, comma or semicolon");
    p.notify_recipient = std::move(*recipient);
    auto port = unsigned_member(**notify, "notify.port", 1, 65535);
    if (!port)
        return std::unexpected(port.error());
    p.notify_port = static_cast<int>(*port);

    auto last_seq = unsigned_member(j, "last_seq", 0, max_seq);
    if (!last_seq)
        return std::unexpected(last_seq.error());
    p.last_seq = *last_seq;

    auto reason = string_member(j, "reason");
    if (!reason)
        return std::unexpected(reason.error());
    if (*reason == "periodic")
        p.reason = poll_reason::periodic;
    else if (*reason == "urgent")
        p.reason = poll_reason::urgent;
    else
        return fail("'reason' must be periodic or urgent");
    return p;
}

result<report_request> parse_report_request(std::string_view body, std::size_t max_body)
{
    auto parsed = object_body(body, max_body);
    if (!parsed)
        return std::unexpected(parsed.error());
    const json& j = *parsed;
    report_request r;

    auto id = string_member(j, "id");
    if (!id)
        return std::unexpected(id.error());
    if (auto ok = check_text(*id, "id", max_appliance_id_bytes, is_valid_appliance_id, "[A-Za-z0-9._-]"); !ok)
        return std::unexpected(ok.error());
    r.id = std::move(*id);

    auto token = string_member(j, "token");
    if (!token)
        return std::unexpected(token.error());
    if (!is_valid_token(*token))
        return fail("'token' must be base64url of 32 bytes (43 characters, no padding)");
    r.token = std::move(*token);

    auto seq = unsigned_member(j, "seq", 1, max_seq);
    if (!seq)
        return std::unexpected(seq.error());
    r.seq = *seq;

    auto status = string_member(j, "status");
    if (!status)
        return std::unexpected(status.error());
    if (*status == "installed")
        r.status = report_status::installed;
    else if (*status == "failed")
        r.status = report_status::failed;
    else
        return fail("'status' must be installed or failed");

    if (j.contains("detail")) {
        auto detail = string_member(j, "detail");
        if (!detail)
            return std::unexpected(detail.error());
        if (detail->size() > max_report_detail_bytes)
            return fail(cat("'detail' must be at most ", max_report_detail_bytes, " bytes"));
        // Text for an operator's screen: tabs and line breaks, no other controls.
        auto control = [](char c) { return (c >= 0 && c < ' ' && c != '\t' && c != '\n') || c == 0x7f; };
        if (std::any_of(detail->begin(), detail->end(), control))
            return fail("'detail' must be text without control characters");
        r.detail = std::move(*detail);
    }
    return r;
}

}  // namespace uun::server
