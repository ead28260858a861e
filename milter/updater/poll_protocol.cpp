// Poll and report bodies from the updater's config (see header).
#include "milter/updater/poll_protocol.hpp"

#include "milter/updater/log_text.hpp"

namespace uun::updater {

std::string poll_request_body(const updater_config& config, const std::string& token, std::uint64_t last_seq,
                              proto::poll_reason reason)
{
    return poll_request_body(config, token, last_seq, reason, root_poll_fields{});
}

std::string poll_request_body(const updater_config& config, const std::string& token, std::uint64_t last_seq,
                              proto::poll_reason reason, root_poll_fields root)
{
    return proto::poll_request_body({
        .id = config.appliance.id,
        .token = token,
        .product = config.appliance.product,
        .version = config.appliance.version,
        .channels = config.channel_names(),
        .notify_recipient = config.notify_recipient,
        .notify_port = config.notify_port,
        .last_seq = last_seq,
        .reason = reason,
        .root_version = root.root_version,
        .positions = std::move(root.positions),
        .wanted = std::move(root.wanted),
    });
}

std::string report_body(const updater_config& config, const std::string& token, std::uint64_t seq,
                        proto::report_status status, std::string_view detail)
{
    // printable() adds "..." when it cuts.
    return proto::report_body({
        .id = config.appliance.id,
        .token = token,
        .seq = seq,
        .status = status,
        .detail = printable(detail, proto::max_report_detail_bytes - 3),
    });
}

}  // namespace uun::updater
