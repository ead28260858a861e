// UUN mail composition (see header). Every header value here comes from
// server.yaml (checked at load) or from a registry row the notifier checked,
// so no value can carry a line break into the header block.
#include "server/publish/uun_mail.hpp"

#include <cstdio>
#include <ctime>
#include <vector>

namespace uun::publish {

std::string rfc5322_date(std::int64_t unix_seconds)
{
    static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
                  months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

std::string fold_header(std::string_view name, std::string_view value, std::size_t width)
{
    std::vector<std::string_view> tokens;
    while (!value.empty()) {
        auto cut = value.find("; ");
        if (cut == std::string_view::npos) {
            tokens.push_back(value);
            break;
        }
        tokens.push_back(value.substr(0, cut + 1));
        value.remove_prefix(cut + 2);
    }
    std::string out;
    std::string line = cat(name, ":");
    bool line_has_token = false;
    for (auto token : tokens) {
        if (line_has_token && line.size() + 1 + token.size() > width) {
            out += line + "\n";
            line.clear();
        }
        line += cat(" ", token);
        line_has_token = true;
    }
    out += line + "\n";
    return out;
}

std::string compose_uun_mail(const uun_mail_fields& f)
{
    const auto& claim = f.header.claim;
    std::string m;
    m += cat("From: ", f.from, "\n");
    m += cat("To: ", f.to, "\n");
    m += cat("Date: ", rfc5322_date(f.date), "\n");
    m += cat("Message-ID: <", f.message_id, ">\n");
    m += cat("Subject: Urgent update notification: ", claim.channel, " seq ", claim.seq, "\n");
    m += "Auto-Submitted: auto-generated\n";
    m += "MIME-Version: 1.0\n";
    m += "Content-Type: text/plain; charset=us-ascii\n";
    m += "Content-Transfer-Encoding: 7bit\n";
    m += fold_header(proto::uun_header_name, proto::format_uun_header(f.header));
    m += "\n";
    m += cat("This is an urgent update notification (UUN) for appliance ", f.appliance_id, ":\n");
    m += cat("update ", claim.seq, " on channel ", claim.channel, " is waiting on the update server.\n");
    m += "\n";
    m += "The appliance's uun-milter takes this mail out of the mail stream and\n";
    m += "wakes its updater. If you are reading it in a mailbox, uun-milter is not\n";
    m += "running on that appliance; the update still arrives with its next poll.\n";
    return m;
}

std::string to_crlf(std::string_view lf_text)
{
    std::string out;
    out.reserve(lf_text.size() + lf_text.size() / 40);
    for (char c : lf_text) {
        if (c == '\n')
            out += '\r';
        out += c;
    }
    return out;
}

}  // namespace uun::publish
