// Rows to records and back for the SQLite store: the column lists every
// query uses, channels kept space-padded, targets as their text form.
#include "server/store/sqlite_store.hpp"

namespace uun::store {

// Channels are kept space-padded (" av sys ") so membership is one instr().
std::string pack_channels(const std::vector<std::string>& channels)
{
    std::string out = " ";
    for (const auto& c : channels)
        out += c + " ";
    return out;
}

std::vector<std::string> unpack_channels(const std::string& packed)
{
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < packed.size()) {
        auto j = packed.find(' ', i);
        if (j == std::string::npos)
            j = packed.size();
        if (j > i)
            out.push_back(packed.substr(i, j - i));
        i = j + 1;
    }
    return out;
}

std::string pack_target(const std::vector<proto::target_selector>& target)
{
    std::string out;
    for (const auto& sel : target)
        out += (out.empty() ? "" : ",") + proto::to_string(sel);
    return out;
}

const char* const appliance_columns = "id, address, notify_recipient, notify_port, product, version, channels, "
                                      "last_seq, first_seen, last_seen, last_reason, key";

appliance_record read_appliance(const sqlite_statement& s)
{
    appliance_record a;
    a.id = s.text(0);
    a.address = s.text(1);
    a.notify_recipient = s.text(2);
    a.notify_port = static_cast<int>(s.int64(3));
    a.product = s.text(4);
    a.version = s.text(5);
    a.channels = unpack_channels(s.text(6));
    a.last_seq = static_cast<std::uint64_t>(s.int64(7));
    a.first_seen = s.int64(8);
    a.last_seen = s.int64(9);
    a.last_reason = s.text(10);
    a.key = s.text(11);
    return a;
}

const char* const entry_columns = "seq, id, channel, name, sha256, size, urgent, published, target, envelope";

result<stored_entry> read_entry(const sqlite_statement& s)
{
    stored_entry e;
    e.entry.seq = static_cast<std::uint64_t>(s.int64(0));
    e.entry.id = s.text(1);
    e.entry.channel = s.text(2);
    e.entry.name = s.text(3);
    e.entry.sha256 = s.text(4);
    e.entry.size = static_cast<std::uint64_t>(s.int64(5));
    e.entry.urgent = s.int64(6) != 0;
    e.entry.published = s.int64(7);
    auto target = proto::parse_target_list(s.text(8));
    if (!target)
        return fail(cat("store: entry ", e.entry.seq, " has a bad target: ", target.error().message));
    e.entry.target = std::move(*target);
    e.envelope = s.text(9);
    return e;
}

notification_record read_notification(const sqlite_statement& s)
{
    notification_record n;
    n.appliance_id = s.text(0);
    n.seq = static_cast<std::uint64_t>(s.int64(1));
    n.notified_at = s.int64(2);
    n.expires = s.int64(3);
    n.address = s.text(4);
    n.port = static_cast<int>(s.int64(5));
    n.envelope_sender = s.text(6);
    n.recipient = s.text(7);
    n.result = s.text(8);
    n.fetched_at = s.is_null(9) ? 0 : s.int64(9);
    return n;
}

const char* const notification_columns
    = "appliance_id, seq, notified_at, expires, address, port, envelope_sender, recipient, result, fetched_at";

}  // namespace uun::store
