// Timestamp statements (see header): strict parsing, because the envelope
// comes from the server, which this statement exists to distrust.
#include "lib/proto/timestamp_statement.hpp"

#include "lib/proto/dsse.hpp"
#include "lib/proto/uun_header.hpp"
#include "lib/util/json_input.hpp"

namespace uun::proto {

std::uint64_t timestamp_statement::head_of(const std::string& channel) const
{
    auto it = heads.find(channel);
    return it == heads.end() ? 0 : it->second;
}

std::string timestamp_payload(const timestamp_statement& s)
{
    nlohmann::json heads = nlohmann::json::object();
    for (const auto& [channel, head] : s.heads)
        heads[channel] = head;
    return nlohmann::json{{"type", "uun-timestamp"}, {"issued", s.issued},    {"expires", s.expires},
                          {"log_head", s.log_head},  {"heads", heads}}
        .dump();
}

result<timestamp_statement> parse_timestamp_payload(std::string_view text)
{
    auto parsed = parse_json_input(text, max_envelope_payload_bytes);
    if (!parsed)
        return fail(cat("timestamp: ", parsed.error().message));
    const nlohmann::json& j = *parsed;
    // find, not value(): value() throws when "type" is there but not a string.
    auto type = j.is_object() ? j.find("type") : j.end();
    if (!j.is_object() || type == j.end() || *type != "uun-timestamp")
        return fail("timestamp lacks \"type\": \"uun-timestamp\"");
    auto issued = j.find("issued");
    auto expires = j.find("expires");
    auto log_head = j.find("log_head");
    auto heads = j.find("heads");
    if (issued == j.end() || !issued->is_number_integer() || expires == j.end() || !expires->is_number_integer() ||
        log_head == j.end() || !log_head->is_number_unsigned() || heads == j.end() || !heads->is_object())
        return fail("timestamp needs 'issued', 'expires', 'log_head' and 'heads'");
    timestamp_statement s;
    s.issued = issued->get<std::int64_t>();
    s.expires = expires->get<std::int64_t>();
    s.log_head = log_head->get<std::uint64_t>();
    // The difference taken unsigned: exact once expires > issued, where the
    // signed one overflows for a negative issued and slips under the cap.
    if (s.expires <= s.issued ||
        static_cast<std::uint64_t>(s.expires) - static_cast<std::uint64_t>(s.issued) >
            static_cast<std::uint64_t>(max_timestamp_lifetime_seconds))
        return fail(cat("timestamp lifetime must be 1 s to ", max_timestamp_lifetime_seconds / 86400, " days"));
    if (heads->size() > max_statement_channels)
        return fail("timestamp lists too many channels");
    for (const auto& [channel, head] : heads->items()) {
        if (!is_valid_channel_name(channel))
            return fail(cat("timestamp names an invalid channel '", channel.substr(0, 64), "'"));
        if (!head.is_number_unsigned() || head.get<std::uint64_t>() > s.log_head)
            return fail(cat("timestamp head of ", channel, " is not a number up to log_head"));
        s.heads.emplace(channel, head.get<std::uint64_t>());
    }
    return s;
}

nlohmann::json sign_timestamp(const timestamp_statement& statement, const private_key& key)
{
    return dsse_sign(timestamp_payload_type, timestamp_payload(statement), key);
}

result<checked_timestamp> verify_timestamp(const root_metadata& root, const nlohmann::json& envelope,
                                           std::int64_t now, std::int64_t skew)
{
    auto payload = verify_by_role(root, role_name::timestamp, envelope, timestamp_payload_type);
    if (!payload)
        return std::unexpected(payload.error());
    auto statement = parse_timestamp_payload(*payload);
    if (!statement)
        return std::unexpected(statement.error());
    checked_timestamp out{std::move(*statement), timestamp_verdict::fresh};
    if (now >= out.statement.expires)
        out.verdict = timestamp_verdict::expired;
    else if (now + skew < out.statement.issued)
        out.verdict = timestamp_verdict::not_yet_valid;
    return out;
}

}  // namespace uun::proto
