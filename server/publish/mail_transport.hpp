// The local MTA as uun-publish uses it: readiness check, the relay map
// (write, postmap, reload), and the hand-off of composed mails (sendmail
// processes or SMTP transactions on loopback, several at once). An interface
// so the notifier is tested with a fake; make_postfix_transport is the real one.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "lib/result.hpp"
#include "server/config/server_config.hpp"

namespace uun::publish {

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
    // One result per mail, in order; a failure says why in operator terms.
    virtual std::vector<result<void>> submit(const std::vector<outgoing_mail>& mails) = 0;
};

// <sendmail...> -f <sender> -i -- <recipient>
std::vector<std::string> sendmail_argv(const std::vector<std::string>& base, const std::string& sender,
                                       const std::string& recipient);

// <postmap...> <map_type>:<relay_map>
std::vector<std::string> postmap_argv(const server::mta_config& config);

std::unique_ptr<mail_transport> make_postfix_transport(const server::mta_config& config);

}  // namespace uun::publish
