// Poll and report bodies (see header).
#include "milter/updater/poll_protocol.hpp"

#include "lib/util/json_input.hpp"
#include "milter/updater/log_text.hpp"

namespace uun::updater {

namespace {

constexpr std::size_t max_report_detail = 512;
constexpr std::uint64_t max_answer_interval = 365ull * 86400;

std::string dump(const nlohmann::json& j)
{
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string poll_request_body(const updater_config& config, const std::string& token, std::uint64_t last_seq,
                              poll_reason reason)
{
    nlohmann::json j = {
        {"id", config.appliance.id},
        {"token", token},
        {"product", config.appliance.product},
        {"version", config.appliance.version},
        {"channels", config.channel_names()},
        {"notify", {{"recipient", config.notify_recipient}, {"port", config.notify_port}}},
        {"last_seq", last_seq},
        {"reason", std::string(to_string(reason))},
    };
    return dump(j);
}

std::string report_body(const updater_config& config, const std::string& token, std::uint64_t seq,
                        report_status status, std::string_view detail)
{
    nlohmann::json j = {
        {"id", config.appliance.id},
        {"token", token},
        {"seq", seq},
        {"status", status == report_status::installed ? "installed" : "failed"},
        {"detail", printable(detail, max_report_detail - 3)},
    };
    return dump(j);
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
    auto entries = j.find("entries");
    if (entries == j.end() || !entries->is_array())
        return fail("the poll answer has no 'entries' list");
    if (entries->size() > max_answer_entries)
        return fail(cat("the poll answer has ", entries->size(), " entries, more than the limit of ",
                        max_answer_entries));
    for (const auto& e : *entries)
        a.entries.push_back(e);
    auto more = j.find("more");
    if (more == j.end() || !more->is_boolean())
        return fail("the poll answer has no boolean 'more'");
    a.more = more->get<bool>();
    if (auto h = j.find("head_seq"); h != j.end()) {
        if (!h->is_number_unsigned())
            return fail("the poll answer's 'head_seq' is not a non-negative integer");
        a.head_seq = h->get<std::uint64_t>();
    }
    if (auto p = j.find("poll_interval"); p != j.end()) {
        if (!p->is_number_unsigned() || p->get<std::uint64_t>() == 0)
            return fail("the poll answer's 'poll_interval' is not a positive integer");
        a.poll_interval = std::chrono::seconds(std::min(p->get<std::uint64_t>(), max_answer_interval));
    }
    if (auto r = j.find("registered"); r != j.end()) {
        if (!r->is_boolean())
            return fail("the poll answer's 'registered' is not a boolean");
        a.registered = r->get<bool>();
    }
    return a;
}

}  // namespace uun::updater
