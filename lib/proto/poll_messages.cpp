// Poll and report messages (see header). Each field is checked for presence,
// type and range before it is copied; the first problem found is reported,
// named as an operator reads it ("notify.port").
#include "lib/proto/poll_messages.hpp"

#include "lib/proto/identity.hpp"
#include "lib/proto/uun_header.hpp"
#include "lib/util/json_input.hpp"

#include <algorithm>
#include <set>

namespace uun::proto {

namespace {

using json = nlohmann::json;

// A key of `object`; `parent` names the object that holds it, for messages.
struct name {
    std::string_view key;
    std::string_view parent = {};
};

std::string shown(name n)
{
    return n.parent.empty() ? std::string(n.key) : cat(n.parent, ".", n.key);
}

result<const json*> member(const json& object, name n)
{
    auto it = object.find(n.key);
    if (it == object.end())
        return fail(cat("'", shown(n), "' is missing"));
    return &*it;
}

result<std::string> string_member(const json& object, name n)
{
    auto v = member(object, n);
    if (!v)
        return std::unexpected(v.error());
    if (!(*v)->is_string())
        return fail(cat("'", shown(n), "' must be a string"));
    return (*v)->get_ref<const std::string&>();
}

result<std::uint64_t> unsigned_member(const json& object, name n, std::uint64_t min, std::uint64_t max)
{
    auto v = member(object, n);
    if (!v)
        return std::unexpected(v.error());
    const json& number = **v;
    bool in_range = number.is_number_unsigned() && number.get<std::uint64_t>() >= min &&
                    number.get<std::uint64_t>() <= max;
    // nlohmann reads "-0" as a signed zero.
    if (!in_range && number.is_number_integer() && !number.is_number_unsigned() &&
        number.get<std::int64_t>() == 0 && min == 0)
        return 0;
    if (!in_range)
        return fail(cat("'", shown(n), "' must be a whole number from ", min, " to ", max));
    return number.get<std::uint64_t>();
}

// A string member that must pass `valid`; the message quotes the character set.
result<std::string> text_member(const json& object, name n, std::size_t max, bool (*valid)(std::string_view),
                                std::string_view chars)
{
    auto text = string_member(object, n);
    if (!text)
        return std::unexpected(text.error());
    if (!valid(*text))
        return fail(cat("'", shown(n), "' must be ", chars, " (1 to ", max, " characters)"));
    return text;
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

// id and token, which open both requests.
result<void> read_identity(const json& j, std::string& id, std::string& token)
{
    auto i = text_member(j, {field::id}, max_appliance_id_bytes, is_valid_appliance_id, appliance_id_chars);
    if (!i)
        return std::unexpected(i.error());
    id = std::move(*i);
    auto t = string_member(j, {field::token});
    if (!t)
        return std::unexpected(t.error());
    if (!is_valid_token(*t))
        return fail(cat("'token' must be base64url of ", token_bytes, " bytes (", token_chars, " characters, no padding)"));
    token = std::move(*t);
    return {};
}

result<std::vector<std::string>> channels_member(const json& j)
{
    auto channels = member(j, {field::channels});
    if (!channels)
        return std::unexpected(channels.error());
    const json& list = **channels;
    if (!list.is_array() || list.empty() || list.size() > max_poll_channels)
        return fail(cat("'channels' must be a list of 1 to ", max_poll_channels, " channel names"));
    std::vector<std::string> out;
    std::set<std::string_view> seen;
    for (const auto& c : list) {
        if (!c.is_string() || !is_valid_channel_name(c.get_ref<const std::string&>()))
            return fail("'channels' holds something that is not a channel name ([a-z0-9][a-z0-9._-]{0,63})");
        const auto& channel = c.get_ref<const std::string&>();
        if (!seen.insert(channel).second)
            return fail(cat("'channels' names '", channel, "' twice"));
        out.push_back(channel);
    }
    return out;
}

result<void> read_notify(const json& j, poll_request& p)
{
    auto notify = member(j, {field::notify});
    if (!notify)
        return std::unexpected(notify.error());
    if (!(*notify)->is_object())
        return fail("'notify' must be an object with recipient and port");
    auto recipient = string_member(**notify, {field::notify_recipient, field::notify});
    if (!recipient)
        return std::unexpected(recipient.error());
    if (!is_valid_notify_recipient(*recipient))
        return fail("'notify.recipient' must be local@domain or local@[ip], at most 254 printable characters "
                    "without white space, <, >, \", \\, comma or semicolon");
    p.notify_recipient = std::move(*recipient);
    auto port = unsigned_member(**notify, {field::notify_port, field::notify}, 1, 65535);
    if (!port)
        return std::unexpected(port.error());
    p.notify_port = static_cast<int>(*port);
    return {};
}

// What an updater that follows a root adds; each is optional.
result<void> read_trust_fields(const json& j, poll_request& p)
{
    if (j.contains(field::root_version)) {
        auto version = unsigned_member(j, {field::root_version}, 1, max_seq);
        if (!version)
            return std::unexpected(version.error());
        p.root_version = *version;
    }
    if (auto positions = j.find(field::positions); positions != j.end()) {
        if (!positions->is_object() || positions->size() > max_poll_channels)
            return fail(cat("'positions' must be an object of at most ", max_poll_channels, " channels"));
        for (const auto& [channel, at] : positions->items()) {
            if (!is_valid_channel_name(channel) || !at.is_number_unsigned() || at.get<std::uint64_t>() > max_seq)
                return fail("'positions' must map channel names to channel_seq numbers");
            p.positions.emplace(channel, at.get<std::uint64_t>());
        }
    }
    if (auto wanted = j.find(field::wanted); wanted != j.end()) {
        if (!wanted->is_array() || wanted->size() > max_wanted_seqs)
            return fail(cat("'wanted' must be a list of at most ", max_wanted_seqs, " seqs"));
        for (const auto& seq : *wanted) {
            if (!seq.is_number_unsigned() || seq.get<std::uint64_t>() == 0 || seq.get<std::uint64_t>() > max_seq)
                return fail("'wanted' holds something that is not a seq");
            p.wanted.push_back(seq.get<std::uint64_t>());
        }
    }
    return {};
}

// Everything after id and token: what the appliance is, wants and has.
result<void> read_poll_facts(const json& j, poll_request& p)
{
    auto product = text_member(j, {field::product}, max_product_bytes, is_valid_product_text, product_text_chars);
    if (!product)
        return std::unexpected(product.error());
    p.product = std::move(*product);
    auto version = text_member(j, {field::version}, max_product_bytes, is_valid_product_text, product_text_chars);
    if (!version)
        return std::unexpected(version.error());
    p.version = std::move(*version);
    auto channels = channels_member(j);
    if (!channels)
        return std::unexpected(channels.error());
    p.channels = std::move(*channels);
    if (auto ok = read_notify(j, p); !ok)
        return ok;
    auto last_seq = unsigned_member(j, {field::last_seq}, 0, max_seq);
    if (!last_seq)
        return std::unexpected(last_seq.error());
    p.last_seq = *last_seq;
    auto reason = string_member(j, {field::reason});
    if (!reason)
        return std::unexpected(reason.error());
    auto known = parse_poll_reason(*reason);
    if (!known)
        return fail("'reason' must be periodic or urgent");
    p.reason = *known;
    return read_trust_fields(j, p);
}

result<std::string> detail_member(const json& j)
{
    auto detail = string_member(j, {field::detail});
    if (!detail)
        return std::unexpected(detail.error());
    if (detail->size() > max_report_detail_bytes)
        return fail(cat("'detail' must be at most ", max_report_detail_bytes, " bytes"));
    // Text for an operator's screen: tabs and line breaks, no other controls.
    auto control = [](char c) { return (c >= 0 && c < ' ' && c != '\t' && c != '\n') || c == 0x7f; };
    if (std::any_of(detail->begin(), detail->end(), control))
        return fail("'detail' must be text without control characters");
    return detail;
}

std::string dump(const json& j)
{
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
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

std::optional<poll_reason> parse_poll_reason(std::string_view text)
{
    if (text == "periodic")
        return poll_reason::periodic;
    if (text == "urgent")
        return poll_reason::urgent;
    return std::nullopt;
}

std::optional<report_status> parse_report_status(std::string_view text)
{
    if (text == "installed")
        return report_status::installed;
    if (text == "failed")
        return report_status::failed;
    return std::nullopt;
}

std::string poll_request_body(const poll_request& request)
{
    json j = {
        {field::id, request.id},
        {field::token, request.token},
        {field::product, request.product},
        {field::version, request.version},
        {field::channels, request.channels},
        {field::notify, {{field::notify_recipient, request.notify_recipient}, {field::notify_port, request.notify_port}}},
        {field::last_seq, request.last_seq},
        {field::reason, to_string(request.reason)},
    };
    if (request.root_version != 0) {
        j[field::root_version] = request.root_version;
        j[field::positions] = request.positions;
        j[field::wanted] = request.wanted;
    }
    return dump(j);
}

std::string report_body(const report_request& request)
{
    json j = {
        {field::id, request.id},
        {field::token, request.token},
        {field::seq, request.seq},
        {field::status, to_string(request.status)},
        {field::detail, request.detail},
    };
    return dump(j);
}

result<poll_request> parse_poll_request(std::string_view body, std::size_t max_body)
{
    auto parsed = object_body(body, max_body);
    if (!parsed)
        return std::unexpected(parsed.error());
    poll_request p;
    if (auto ok = read_identity(*parsed, p.id, p.token); !ok)
        return std::unexpected(ok.error());
    if (auto ok = read_poll_facts(*parsed, p); !ok)
        return std::unexpected(ok.error());
    return p;
}

result<report_request> parse_report_request(std::string_view body, std::size_t max_body)
{
    auto parsed = object_body(body, max_body);
    if (!parsed)
        return std::unexpected(parsed.error());
    const json& j = *parsed;
    report_request r;
    if (auto ok = read_identity(j, r.id, r.token); !ok)
        return std::unexpected(ok.error());
    auto seq = unsigned_member(j, {field::seq}, 1, max_seq);
    if (!seq)
        return std::unexpected(seq.error());
    r.seq = *seq;
    auto status = string_member(j, {field::status});
    if (!status)
        return std::unexpected(status.error());
    auto known = parse_report_status(*status);
    if (!known)
        return fail("'status' must be installed or failed");
    r.status = *known;
    if (j.contains(field::detail)) {
        auto detail = detail_member(j);
        if (!detail)
            return std::unexpected(detail.error());
        r.detail = std::move(*detail);
    }
    return r;
}

result<poll_answer> parse_poll_answer(std::string_view body, std::size_t max_bytes)
{
    auto parsed = parse_json_input(body, max_bytes);
    if (!parsed)
        return fail(cat("the poll answer is not usable JSON: ", parsed.error().message));
    const auto& j = *parsed;
    if (!j.is_object())
        return fail("the poll answer is not a JSON object");
    poll_answer a;
    auto entries = j.find(field::entries);
    if (entries == j.end() || !entries->is_array())
        return fail("the poll answer has no 'entries' list");
    if (entries->size() > max_answer_entries)
        return fail(cat("the poll answer has ", entries->size(), " entries, more than the limit of ",
                        max_answer_entries));
    for (const auto& e : *entries)
        a.entries.push_back(e);
    auto more = j.find(field::more);
    if (more == j.end() || !more->is_boolean())
        return fail("the poll answer has no boolean 'more'");
    a.more = more->get<bool>();
    if (auto h = j.find(field::head_seq); h != j.end()) {
        if (!h->is_number_unsigned())
            return fail("the poll answer's 'head_seq' is not a non-negative integer");
        a.head_seq = h->get<std::uint64_t>();
    }
    if (auto p = j.find(field::poll_interval); p != j.end()) {
        if (!p->is_number_unsigned() || p->get<std::uint64_t>() == 0)
            return fail("the poll answer's 'poll_interval' is not a positive integer");
        a.poll_interval = std::chrono::seconds(std::min(p->get<std::uint64_t>(), max_answer_interval));
    }
    if (auto r = j.find(field::registered); r != j.end()) {
        if (!r->is_boolean())
            return fail("the poll answer's 'registered' is not a boolean");
        a.registered = r->get<bool>();
    }
    if (auto roots = j.find(field::roots); roots != j.end()) {
        if (!roots->is_array() || roots->size() > max_answer_roots)
            return fail(cat("the poll answer's 'roots' is not a list of at most ", max_answer_roots));
        a.roots.assign(roots->begin(), roots->end());
    }
    if (auto t = j.find(field::timestamp); t != j.end()) {
        if (!t->is_object())
            return fail("the poll answer's 'timestamp' is not an envelope");
        a.timestamp = *t;
    }
    return a;
}

}  // namespace uun::proto
