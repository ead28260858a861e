// Identity rules (see header). Each byte is checked; nothing is allocated,
// so hostile text of any size costs one pass.
#include "lib/proto/identity.hpp"

#include "lib/util/address.hpp"
#include "lib/util/base64.hpp"
#include "lib/util/result.hpp"

#include <algorithm>

namespace uun::proto {

namespace {

bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_domain_name(std::string_view domain)
{
    if (domain.empty())
        return false;
    std::size_t label = 0;
    char previous = '.';
    for (char c : domain) {
        if (c == '.') {
            if (label == 0 || previous == '-')
                return false;
            label = 0;
        } else if (is_alnum(c) || (c == '-' && label > 0)) {
            if (++label > max_domain_label_bytes)
                return false;
        } else {
            return false;
        }
        previous = c;
    }
    return label > 0 && previous != '-';
}

bool is_address_literal(std::string_view domain)
{
    if (domain.size() < 3 || domain.front() != '[' || domain.back() != ']')
        return false;
    std::string_view inner = domain.substr(1, domain.size() - 2);
    if (inner.starts_with("IPv6:"))
        return is_ipv6_address(inner.substr(5));
    return is_ipv4_address(inner);
}

}  // namespace

bool is_valid_appliance_id(std::string_view id)
{
    return !id.empty() && id.size() <= max_appliance_id_bytes && std::all_of(id.begin(), id.end(), [](char c) {
               return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
           });
}

bool is_valid_token(std::string_view token)
{
    if (token.size() != token_chars)
        return false;
    auto raw = base64url_decode(token);
    return raw && raw->size() == token_bytes;
}

bool is_valid_product_text(std::string_view text)
{
    return !text.empty() && text.size() <= max_product_bytes && std::all_of(text.begin(), text.end(), [](char c) {
               return is_alnum(c) || c == '.' || c == '_' || c == '+' || c == '~' || c == ':' || c == '-';
           });
}

bool is_valid_notify_recipient(std::string_view recipient)
{
    if (recipient.empty() || recipient.size() > max_recipient_bytes)
        return false;
    for (char c : recipient) {
        if (c <= ' ' || c > '~')
            return false;
        if (c == '<' || c == '>' || c == '"' || c == '\\' || c == ',' || c == ';')
            return false;
    }
    auto at = recipient.find('@');
    if (at == 0 || at == std::string_view::npos || recipient.find('@', at + 1) != std::string_view::npos)
        return false;
    auto domain = recipient.substr(at + 1);
    return is_domain_name(domain) || is_address_literal(domain);
}

namespace {

char lower_ascii(char c)
{
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equal_without_case(std::string_view a, std::string_view b)
{
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower_ascii(x) == lower_ascii(y); });
}

// domain is parent, or below it ("a.vendor.example" under "vendor.example").
bool is_at_or_below(std::string_view domain, std::string_view parent)
{
    if (parent.empty())
        return false;
    if (equal_without_case(domain, parent))
        return true;
    return domain.size() > parent.size() && domain[domain.size() - parent.size() - 1] == '.' &&
           equal_without_case(domain.substr(domain.size() - parent.size()), parent);
}

}  // namespace

std::string refused_recipient_reason(std::string_view recipient, const std::vector<std::string>& vendor_domains)
{
    auto domain = recipient.substr(recipient.rfind('@') + 1);
    if (is_address_literal(domain)) {
        auto inner = domain.substr(1, domain.size() - 2);
        if (inner.starts_with("IPv6:"))
            inner.remove_prefix(5);
        if (is_host_local_address(inner))
            return cat("the address literal ", domain, " is this host's own (loopback, unspecified or link-local)");
        return "";
    }
    if (domain.find('.') == std::string_view::npos)
        return cat("the domain '", domain, "' is a single label, which the vendor's MTA would deliver locally");
    if (is_at_or_below(domain, "localhost"))
        return cat("the domain '", domain, "' is under localhost");
    for (const auto& vendor : vendor_domains)
        if (is_at_or_below(domain, vendor))
            return cat("the domain '", domain, "' is the vendor's own (", vendor, ")");
    return "";
}

}  // namespace uun::proto
