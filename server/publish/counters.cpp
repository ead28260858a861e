// The counters file (see header): strict JSON, so a hand-edited file with a
// typo is refused instead of silently restarting the seq; written with
// write_file_atomic so a crash leaves the old file or the new, never half.
#include "server/publish/counters.hpp"

#include "lib/proto/uun_header.hpp"
#include "lib/util/file_util.hpp"
#include "lib/util/json_input.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>

#include <sys/stat.h>

namespace uun::publish {

namespace {

result<std::uint64_t> count_field(const nlohmann::json& j, const char* key)
{
    auto it = j.find(key);
    if (it == j.end() || !it->is_number_unsigned())
        return fail(cat("'", key, "' must be a number from 0"));
    return it->get<std::uint64_t>();
}

result<pending_entry> parse_pending(const nlohmann::json& j)
{
    if (!j.is_object())
        return fail("'pending' must be an object");
    pending_entry p;
    auto seq = count_field(j, "seq");
    auto channel_seq = count_field(j, "channel_seq");
    if (!seq || !channel_seq)
        return fail(cat("pending: ", (!seq ? seq : channel_seq).error().message));
    p.seq = *seq;
    p.channel_seq = *channel_seq;
    auto channel = j.find("channel");
    auto envelope = j.find("envelope");
    if (channel == j.end() || !channel->is_string() || envelope == j.end() || !envelope->is_string())
        return fail("pending needs 'channel' and 'envelope' strings");
    p.channel = channel->get<std::string>();
    p.envelope = envelope->get<std::string>();
    if (p.seq == 0 || !proto::is_valid_channel_name(p.channel) || p.envelope.empty())
        return fail("pending needs a seq from 1, a channel name and an envelope");
    return p;
}

}  // namespace

std::string counters_json(const publisher_counters& c)
{
    nlohmann::json j{{"seq", c.seq}, {"channels", nlohmann::json::object()}};
    for (const auto& [channel, n] : c.channels)
        j["channels"][channel] = n;
    if (c.pending)
        j["pending"] = {{"seq", c.pending->seq},
                        {"channel", c.pending->channel},
                        {"channel_seq", c.pending->channel_seq},
                        {"envelope", c.pending->envelope}};
    return j.dump(2) + "\n";
}

result<publisher_counters> parse_counters(std::string_view text)
{
    auto parsed = parse_json_input(text, max_counters_bytes, 4);
    if (!parsed)
        return std::unexpected(parsed.error());
    const auto& j = *parsed;
    if (!j.is_object())
        return fail("not a JSON object");
    for (const auto& [key, value] : j.items())
        if (key != "seq" && key != "channels" && key != "pending")
            return fail(cat("unknown key '", key.substr(0, 32), "'"));
    publisher_counters c;
    auto seq = count_field(j, "seq");
    if (!seq)
        return std::unexpected(seq.error());
    c.seq = *seq;
    auto channels = j.find("channels");
    if (channels == j.end() || !channels->is_object())
        return fail("'channels' must be an object of channel: channel_seq");
    for (const auto& [name, n] : channels->items()) {
        if (!proto::is_valid_channel_name(name) || !n.is_number_unsigned())
            return fail(cat("channels: '", name.substr(0, 64), "' must be a channel name with a number from 0"));
        c.channels[name] = n.get<std::uint64_t>();
    }
    if (auto pending = j.find("pending"); pending != j.end() && !pending->is_null()) {
        auto p = parse_pending(*pending);
        if (!p)
            return std::unexpected(p.error());
        c.pending = std::move(*p);
    }
    return c;
}

result<std::optional<publisher_counters>> load_counters(const std::string& path)
{
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 && errno == ENOENT)
        return std::optional<publisher_counters>{};
    auto text = read_file(path, max_counters_bytes);
    if (!text)
        return std::unexpected(text.error());
    auto c = parse_counters(*text);
    if (!c)
        return fail(cat(path, ": ", c.error().message));
    return std::optional<publisher_counters>{std::move(*c)};
}

result<void> save_counters(const std::string& path, const publisher_counters& counters)
{
    if (auto r = write_file_atomic(path, counters_json(counters), 0600); !r)
        return fail(cat("cannot write the publisher counters ", path, ": ", r.error().message));
    return {};
}

}  // namespace uun::publish
