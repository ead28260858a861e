// uun-publish --expire-queue: a UUN must not outlive its x= in the vendor's
// Postfix queue (issue 14), and Postfix has no per-message lifetime. So a
// timer (uun-expire-queue.timer, every minute) lists the queue with
// `postqueue -j`, picks the mails of the UUN sender domain that arrived
// longer than publish.uun_lifetime ago, and deletes them with `postsuper -d -`.
// The choice is pure (tested alone); the command runs the two programs.
#pragma once

#include "server/publish/commands.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace uun::publish {

struct queued_mail {
    std::string queue_id;
    std::string queue_name;
    std::string sender;
    std::int64_t arrival_time = 0;
};

struct queue_listing {
    std::vector<queued_mail> mails;
    std::size_t unreadable_lines = 0;  // lines that are not one of postqueue -j's objects
};

// postqueue -j: one JSON object per line.
queue_listing parse_postqueue_json(std::string_view output);

struct expired_uun {
    queued_mail mail;
    std::string appliance_id;
    std::int64_t past_expiry = 0;  // seconds past arrival + lifetime
};

// Mails from uun+<id>@<sender_domain> (any case) that arrived more than
// lifetime seconds before now: their x= has passed (it is set before the
// hand-off, so arrival + lifetime is never earlier than x=).
std::vector<expired_uun> expired_uuns(const std::vector<queued_mail>& mails, std::string_view sender_domain,
                                      std::int64_t lifetime, std::int64_t now);

outcome<void> run_expire_queue(const cli_options& options, const command_env& env);

}  // namespace uun::publish
