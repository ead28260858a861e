// Composes one UUN mail: the headers an operator and a spam filter expect,
// the signed X-UUN header folded at its tag separators, and a short body for
// the human who finds one in a mailbox. Pure; callers: the notifier, tests.
#pragma once

#include "lib/proto/uun_header.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace uun::publish {

inline constexpr std::size_t header_fold_width = 78;

struct uun_mail_fields {
    std::string from;  // publish.from
    std::string to;    // the appliance's notify recipient
    std::string appliance_id;
    std::string message_id;  // without <>, unique per mail
    std::int64_t date = 0;   // unix seconds
    proto::uun_header header;
};

// "Mon, 23 Nov 2026 18:45:21 +0000", independent of the locale.
std::string rfc5322_date(std::int64_t unix_seconds);

// "Name: value" as lines ending in LF, broken before the white space that
// follows a ';' so that each line fits width where such a break allows. The
// b= tag alone is 91 columns: base64 may not be folded inside (lib's parser
// rejects white space in a signature), so that one line stays longer.
std::string fold_header(std::string_view name, std::string_view value, std::size_t width = header_fold_width);

// The whole message with LF line ends, as sendmail -i reads it.
std::string compose_uun_mail(const uun_mail_fields& fields);

// LF line ends to CRLF, for SMTP DATA.
std::string to_crlf(std::string_view lf_text);

}  // namespace uun::publish
