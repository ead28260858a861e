// Update entries and target matching (see header). Parsing is strict: an
// entry with a missing, extra-typed or out-of-range field is refused whole.
#include "lib/proto/update_entry.hpp"

#include "lib/proto/dsse.hpp"
#include "lib/proto/uun_header.hpp"
#include "lib/util/digest.hpp"
#include "lib/util/json_input.hpp"

#include <algorithm>
#include <charconv>

namespace uun::proto {

namespace {

constexpr std::size_t max_selectors = 16;
constexpr std::size_t max_selector_value = 64;

std::string_view op_text(target_selector::op op)
{
    switch (op) {
    case target_selector::op::eq:
        return "=";
    case target_selector::op::ne:
        return "!=";
    case target_selector::op::ge:
        return ">=";
    case target_selector::op::gt:
        return ">";
    case target_selector::op::le:
        return "<=";
    case target_selector::op::lt:
        return "<";
    }
    return "=";
}

bool is_selector_value(std::string_view v)
{
    if (v.empty() || v.size() > max_selector_value)
        return false;
    return std::all_of(v.begin(), v.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
               c == '-' || c == '_' || c == '+' || c == '~' || c == ':';
    });
}

// Splits "3.10.1-rc2" into pieces at '.', '-', '+', '~' and at digit/letter borders.
std::vector<std::string_view> version_pieces(std::string_view v)
{
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < v.size()) {
        if (v[i] == '.' || v[i] == '-' || v[i] == '+' || v[i] == '~' || v[i] == ':') {
            ++i;
            continue;
        }
        bool digit = v[i] >= '0' && v[i] <= '9';
        std::size_t j = i;
        while (j < v.size() && v[j] != '.' && v[j] != '-' && v[j] != '+' && v[j] != '~' && v[j] != ':' &&
               ((v[j] >= '0' && v[j] <= '9') == digit))
            ++j;
        out.push_back(v.substr(i, j - i));
        i = j;
    }
    return out;
}

bool is_number(std::string_view s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int compare_numbers(std::string_view a, std::string_view b)
{
    while (a.size() > 1 && a.front() == '0')
        a.remove_prefix(1);
    while (b.size() > 1 && b.front() == '0')
        b.remove_prefix(1);
    if (a.size() != b.size())
        return a.size() < b.size() ? -1 : 1;
    int c = a.compare(b);
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

template <class T>
result<T> field(const nlohmann::json& j, const char* name)
{
    auto it = j.find(name);
    if (it == j.end())
        return fail(cat("entry lacks '", name, "'"));
    if constexpr (std::is_same_v<T, std::string>) {
        if (!it->is_string())
            return fail(cat("entry field '", name, "' is not a string"));
        return it->template get<std::string>();
    } else if constexpr (std::is_same_v<T, bool>) {
        if (!it->is_boolean())
            return fail(cat("entry field '", name, "' is not a boolean"));
        return it->template get<bool>();
    } else if constexpr (std::is_same_v<T, std::uint64_t>) {
        if (!it->is_number_unsigned())
            return fail(cat("entry field '", name, "' is not a non-negative integer"));
        return it->template get<std::uint64_t>();
    } else {
        if (!it->is_number_integer())
            return fail(cat("entry field '", name, "' is not an integer"));
        return it->template get<std::int64_t>();
    }
}

}  // namespace

std::string to_string(const target_selector& s)
{
    return cat(s.field, op_text(s.oper), s.value);
}

result<target_selector> parse_target_selector(std::string_view text)
{
    static const std::pair<std::string_view, target_selector::op> ops[] = {
        {"!=", target_selector::op::ne}, {">=", target_selector::op::ge}, {"<=", target_selector::op::le},
        {"=", target_selector::op::eq},  {">", target_selector::op::gt},  {"<", target_selector::op::lt},
    };
    auto pos = text.find_first_of("!=<>");
    if (pos == std::string_view::npos)
        return fail(cat("target '", text, "': expected field, operator and value, as in version>=3.2"));
    target_selector sel;
    sel.field = std::string(text.substr(0, pos));
    std::string_view rest = text.substr(pos);
    bool found = false;
    for (const auto& [spelling, op] : ops) {
        if (rest.starts_with(spelling)) {
            sel.oper = op;
            sel.value = std::string(rest.substr(spelling.size()));
            found = true;
            break;
        }
    }
    if (!found)
        return fail(cat("target '", text, "': unknown operator"));
    if (sel.field != "product" && sel.field != "version" && sel.field != "id")
        return fail(cat("target '", text, "': field must be product, version or id"));
    if (sel.field != "version" && sel.oper != target_selector::op::eq && sel.oper != target_selector::op::ne)
        return fail(cat("target '", text, "': ", sel.field, " takes only = or !="));
    if (!is_selector_value(sel.value))
        return fail(cat("target '", text, "': bad value"));
    return sel;
}

result<std::vector<target_selector>> parse_target_list(std::string_view text)
{
    std::vector<target_selector> out;
    while (!text.empty()) {
        auto comma = text.find(',');
        auto sel = parse_target_selector(text.substr(0, comma));
        if (!sel)
            return std::unexpected(sel.error());
        out.push_back(std::move(*sel));
        if (out.size() > max_selectors)
            return fail(cat("more than ", max_selectors, " target selectors"));
        if (comma == std::string_view::npos)
            break;
        text.remove_prefix(comma + 1);
    }
    return out;
}

int compare_versions(std::string_view a, std::string_view b)
{
    auto pa = version_pieces(a);
    auto pb = version_pieces(b);
    for (std::size_t i = 0; i < std::max(pa.size(), pb.size()); ++i) {
        if (i >= pa.size())
            return -1;
        if (i >= pb.size())
            return 1;
        int c;
        if (is_number(pa[i]) && is_number(pb[i]))
            c = compare_numbers(pa[i], pb[i]);
        else if (is_number(pa[i]) != is_number(pb[i]))
            c = is_number(pa[i]) ? 1 : -1;  // 3.0 > 3.rc
        else
            c = pa[i].compare(pb[i]) < 0 ? -1 : (pa[i] == pb[i] ? 0 : 1);
        if (c != 0)
            return c;
    }
    return 0;
}

bool target_matches(const std::vector<target_selector>& target, const appliance_facts& a)
{
    for (const auto& sel : target) {
        int c;
        if (sel.field == "version")
            c = compare_versions(a.version, sel.value);
        else
            c = (sel.field == "product" ? a.product : a.id) == sel.value ? 0 : 1;
        bool ok = false;
        switch (sel.oper) {
        case target_selector::op::eq:
            ok = c == 0;
            break;
        case target_selector::op::ne:
            ok = c != 0;
            break;
        case target_selector::op::ge:
            ok = c >= 0;
            break;
        case target_selector::op::gt:
            ok = c > 0;
            break;
        case target_selector::op::le:
            ok = c <= 0;
            break;
        case target_selector::op::lt:
            ok = c < 0;
            break;
        }
        if (!ok)
            return false;
    }
    return true;
}

bool is_plain_file_name(std::string_view name)
{
    if (name.empty() || name.size() > 128 || name.front() == '.')
        return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
               c == '-' || c == '_' || c == '+';
    });
}

nlohmann::json to_json(const update_entry& e)
{
    nlohmann::json target = nlohmann::json::array();
    for (const auto& sel : e.target)
        target.push_back(to_string(sel));
    nlohmann::json j{
        {"seq", e.seq},       {"id", e.id},         {"channel", e.channel},     {"name", e.name},
        {"sha256", e.sha256}, {"size", e.size},     {"urgent", e.urgent},       {"published", e.published},
        {"target", target},
    };
    if (e.channel_seq != 0)
        j["channel_seq"] = e.channel_seq;
    return j;
}

std::string entry_payload(const update_entry& entry)
{
    return to_json(entry).dump();
}

result<update_entry> update_entry_from_json(std::string_view text)
{
    auto parsed = parse_json_input(text, max_envelope_payload_bytes);
    if (!parsed)
        return fail(cat("entry: ", parsed.error().message));
    const nlohmann::json& j = *parsed;
    if (!j.is_object())
        return fail("entry is not a JSON object");
    update_entry e;
    auto seq = field<std::uint64_t>(j, "seq");
    auto id = field<std::string>(j, "id");
    auto channel = field<std::string>(j, "channel");
    auto name = field<std::string>(j, "name");
    auto sha = field<std::string>(j, "sha256");
    auto size = field<std::uint64_t>(j, "size");
    auto urgent = field<bool>(j, "urgent");
    auto published = field<std::int64_t>(j, "published");
    for (const auto* r : {&id, &channel, &name, &sha})
        if (!*r)
            return std::unexpected(r->error());
    if (!seq)
        return std::unexpected(seq.error());
    if (!size)
        return std::unexpected(size.error());
    if (!urgent)
        return std::unexpected(urgent.error());
    if (!published)
        return std::unexpected(published.error());
    e.seq = *seq;
    e.id = *id;
    e.channel = *channel;
    e.name = *name;
    e.sha256 = *sha;
    e.size = *size;
    e.urgent = *urgent;
    e.published = *published;
    if (e.seq == 0)
        return fail("entry seq must be at least 1");
    if (j.contains("channel_seq")) {
        auto channel_seq = field<std::uint64_t>(j, "channel_seq");
        if (!channel_seq)
            return std::unexpected(channel_seq.error());
        if (*channel_seq == 0 || *channel_seq > e.seq)
            return fail("entry channel_seq must be between 1 and its seq");
        e.channel_seq = *channel_seq;
    }
    if (e.id.empty() || e.id.size() > 128)
        return fail("entry id is empty or too long");
    if (!is_valid_channel_name(e.channel))
        return fail(cat("entry channel '", e.channel.substr(0, 64), "' is not a valid channel name"));
    if (!is_plain_file_name(e.name))
        return fail("entry name is not a plain file name");
    if (!is_sha256_hex(e.sha256))
        return fail("entry sha256 is not 64 lowercase hex digits");
    auto target = j.find("target");
    if (target == j.end() || !target->is_array())
        return fail("entry target is not a list");
    if (target->size() > max_selectors)
        return fail("entry has too many target selectors");
    for (const auto& t : *target) {
        if (!t.is_string())
            return fail("entry target selector is not a string");
        auto sel = parse_target_selector(t.get_ref<const std::string&>());
        if (!sel)
            return std::unexpected(sel.error());
        e.target.push_back(std::move(*sel));
    }
    return e;
}

}  // namespace uun::proto
