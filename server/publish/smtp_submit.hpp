// SMTP submission to the local MTA through libcurl: one connection kept open
// for many transactions (MAIL, RCPT, DATA per mail). Loopback only, plain
// SMTP (server_config refuses other addresses). Callers: the Postfix transport.
#pragma once

#include "lib/util/result.hpp"
#include "server/publish/mail_transport.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace uun::publish {

inline constexpr std::chrono::seconds smtp_connect_timeout{10};
inline constexpr std::chrono::seconds smtp_transaction_timeout{60};

// "127.0.0.1:25" or "[::1]:25" -> "smtp://127.0.0.1:25"
std::string smtp_url(const std::string& host_port);

class smtp_session {
public:
    explicit smtp_session(const std::string& host_port);
    ~smtp_session();
    smtp_session(const smtp_session&) = delete;
    smtp_session& operator=(const smtp_session&) = delete;

    // Sends one mail (CRLF line ends) in its own transaction on the open
    // connection; after a failure the next send connects again.
    handoff send(const std::string& sender, const std::string& recipient, const std::string& crlf_message);

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// Whether a failed transaction is worth another try: deferred for no
// connection, a timeout, a lost session or a 4xx reply; refused for a 5xx
// reply or anything local. curl_code is the CURLcode, reply the last SMTP
// reply code (0: none).
handoff::outcome smtp_failure_outcome(int curl_code, long reply);

// Connects and reads the greeting, so a missing listener is found before publishing.
result<void> probe_smtp(const std::string& host_port);

}  // namespace uun::publish
