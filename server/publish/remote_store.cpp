// The remote store (see header). Answers are JSON objects (doc/protocol.md,
// "The publish path"); an answer that does not parse is the server host's
// fault and says so. An entry read back is decoded from its envelope only:
// the publisher checks it against its own pending record, not the server.
#include "server/publish/remote_store.hpp"

#include "lib/proto/dsse.hpp"
#include "lib/util/digest.hpp"

#include <nlohmann/json.hpp>

#include <string>

#include <sys/stat.h>

namespace uun::publish {

namespace {

result<nlohmann::json> parse_answer(const outcome<std::string>& text, std::string_view what)
{
    if (!text)
        return fail(text.error().message);
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return fail(cat("server host, ", what, ": the answer is not a JSON object"));
    return j;
}

result<std::uint64_t> count_field(const nlohmann::json& j, const char* key, std::string_view what)
{
    auto it = j.find(key);
    if (it == j.end() || !it->is_number_unsigned())
        return fail(cat("server host, ", what, ": the answer has no count '", key, "'"));
    return it->get<std::uint64_t>();
}

result<store::stored_entry> entry_of(std::string envelope)
{
    auto j = nlohmann::json::parse(envelope, nullptr, false);
    if (j.is_discarded())
        return fail("server host, entry: the envelope is not JSON");
    auto payload = proto::dsse_unverified_payload(j, proto::update_payload_type);
    if (!payload)
        return fail(cat("server host, entry: ", payload.error().message));
    auto entry = proto::update_entry_from_json(*payload);
    if (!entry)
        return fail(cat("server host, entry: ", entry.error().message));
    return store::stored_entry{std::move(*entry), std::move(envelope)};
}

}  // namespace
result<nlohmann::json> remote_store::call(const std::vector<std::string>& words, std::string_view input,
                                          std::string_view what)
{
    auto text = remote_call(link_, words, input);
    last_code_ = text ? exit_code::store : text.error().code;
    return parse_answer(text, what);
}

outcome<store::payload_info> remote_store::upload_payload(const std::string& path, std::uint64_t max_size)
{
    auto sha256 = sha256_file_hex(path);
    if (!sha256)
        return fail_with(exit_code::input, cat(path, ": ", sha256.error().message));
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || static_cast<std::uint64_t>(st.st_size) > max_size)
        return fail_with(exit_code::input, cat(path, ": cannot read its size, or over store.max_payload_size"));
    auto size = static_cast<std::uint64_t>(st.st_size);
    auto answer = remote_call(link_, {"payload", *sha256, std::to_string(size)}, {}, path);
    if (!answer)
        return std::unexpected(answer.error());
    auto j = parse_answer(answer, "payload");
    if (!j)
        return fail_with(exit_code::store, j.error().message);
    auto stored = count_field(*j, "size", "payload");
    if (!stored || *stored != size || j->value("sha256", "") != *sha256)
        return fail_with(exit_code::store, "server host, payload: the answer does not confirm this file's sha256 "
                                           "and size");
    return store::payload_info{*sha256, size};
}

result<store::log_heads> remote_store::channel_heads()
{
    auto j = call({"heads"}, {}, "heads");
    if (!j)
        return std::unexpected(j.error());
    store::log_heads heads;
    auto head = count_field(*j, "log_head", "heads");
    if (!head)
        return std::unexpected(head.error());
    heads.log_head = *head;
    auto channels = j->find("channels");
    if (channels == j->end() || !channels->is_object())
        return fail("server host, heads: the answer has no channels object");
    for (const auto& [name, n] : channels->items()) {
        if (!n.is_number_unsigned())
            return fail(cat("server host, heads: channel ", name, " has no count"));
        heads.channels[name] = n.get<std::uint64_t>();
    }
    return heads;
}

result<std::optional<store::stored_entry>> remote_store::entry(std::uint64_t seq)
{
    auto j = call({"entry", std::to_string(seq)}, {}, "entry");
    if (!j)
        return std::unexpected(j.error());
    auto envelope = j->find("envelope");
    if (envelope == j->end() || envelope->is_null())
        return std::optional<store::stored_entry>{};
    if (!envelope->is_string())
        return fail("server host, entry: the envelope is not a string");
    auto stored = entry_of(envelope->get<std::string>());
    if (!stored)
        return std::unexpected(stored.error());
    return std::optional(std::move(*stored));
}

result<store::stored_entry> remote_store::append_signed_entry(const proto::update_entry& entry,
                                                                   const std::string& envelope)
{
    auto j = call({"append"}, envelope, "append");
    if (!j)
        return std::unexpected(j.error());
    auto seq = count_field(*j, "seq", "append");
    if (!seq)
        return std::unexpected(seq.error());
    if (*seq != entry.seq)
        return fail(cat("server host, append: it stored seq ", *seq, " instead of ", entry.seq));
    return store::stored_entry{entry, envelope};
}

}  // namespace uun::publish
