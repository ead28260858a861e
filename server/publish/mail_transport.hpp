// The local MTA as uun-publish uses it: readiness check, the relay map
// (write, postmap, reload), and the hand-off of composed mails (sendmail
// processes or SMTP transactions on loopback, several at once). An interface
// so the notifier is tested with a fake; make_postfix_transport is the real one.
#pragma once

#include "lib/util/result.hpp"
#include "server/settings/server_config.hpp"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace uun::publish {

// What became of one mail handed to the MTA. deferred: it could not take
// the mail now (no connection, a 4xx reply, a lost session, sendmail's
// EX_TEMPFAIL), so a later try may work; refused: it will not (a 5xx reply,
// a broken setup). why says which, in operator terms.
struct handoff {
    enum class outcome { queued, deferred, refused };
    outcome status = outcome::queued;
    std::string why;

    bool queued() const { return status == outcome::queued; }
    static handoff deferred(std::string why) { return {outcome::deferred, std::move(why)}; }
    static handoff refused(std::string why) { return {outcome::refused, std::move(why)}; }
};

struct outgoing_mail {
    std::string sender;     // envelope sender, uun+<id>@<sender_domain>
    std::string recipient;  // envelope recipient, the appliance's notify recipient
    std::string message;    // LF line ends
};

class mail_transport {
public:
    virtual ~mail_transport() = default;
    // Everything the hand-off needs exists, before anything is written.
    virtual result<void> check_ready() = 0;
    // Serialises publishers sharing the relay map until the transport goes.
    virtual result<void> lock() = 0;
    virtual result<void> install_relay_map(const std::string& content) = 0;
    // One handoff per mail, in order.
    virtual std::vector<handoff> submit(const std::vector<outgoing_mail>& mails) = 0;
};

// <sendmail...> -f <sender> -i -- <recipient>
std::vector<std::string> sendmail_argv(const std::vector<std::string>& base, const std::string& sender,
                                       const std::string& recipient);

// <postmap...> <map_type>:<relay_map>
std::vector<std::string> postmap_argv(const settings::mta_config& config);

std::unique_ptr<mail_transport> make_postfix_transport(const settings::mta_config& config);

}  // namespace uun::publish
