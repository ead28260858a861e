// Strict base64 codecs; OpenSSL does the transform, we do the validation that
// EVP_DecodeBlock does not (it skips white space and ignores padding).
#include "lib/util/base64.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <vector>

namespace uun {

namespace {

bool is_base64_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

}  // namespace

std::string base64_encode(std::string_view bytes)
{
    std::vector<unsigned char> out(4 * ((bytes.size() + 2) / 3) + 1);
    int n = EVP_EncodeBlock(out.data(), reinterpret_cast<const unsigned char*>(bytes.data()),
                            static_cast<int>(bytes.size()));
    return std::string(reinterpret_cast<const char*>(out.data()), static_cast<std::size_t>(n));
}

std::optional<std::string> base64_decode(std::string_view text)
{
    if (text.size() % 4 != 0)
        return std::nullopt;
    std::size_t pad = 0;
    if (!text.empty() && text.back() == '=')
        pad = (text.size() >= 2 && text[text.size() - 2] == '=') ? 2 : 1;
    std::string_view body = text.substr(0, text.size() - pad);
    if (!std::all_of(body.begin(), body.end(), is_base64_char))
        return std::nullopt;
    if (text.empty())
        return std::string{};
    std::vector<unsigned char> out(text.size() / 4 * 3 + 1);
    int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                            static_cast<int>(text.size()));
    if (n < 0 || static_cast<std::size_t>(n) < pad)
        return std::nullopt;
    std::string decoded(reinterpret_cast<const char*>(out.data()), static_cast<std::size_t>(n) - pad);
    // Non-canonical encodings (unused bits set) would let two strings carry
    // one value; refuse them so signatures and nonces have one spelling.
    if (base64_encode(decoded) != text)
        return std::nullopt;
    return decoded;
}

std::string base64url_encode(std::string_view bytes)
{
    std::string s = base64_encode(bytes);
    while (!s.empty() && s.back() == '=')
        s.pop_back();
    std::replace(s.begin(), s.end(), '+', '-');
    std::replace(s.begin(), s.end(), '/', '_');
    return s;
}

std::optional<std::string> base64url_decode(std::string_view text)
{
    std::string s(text);
    if (s.find_first_of("+/=") != std::string::npos)
        return std::nullopt;
    std::replace(s.begin(), s.end(), '-', '+');
    std::replace(s.begin(), s.end(), '_', '/');
    if (s.size() % 4 == 1)
        return std::nullopt;
    while (s.size() % 4 != 0)
        s.push_back('=');
    return base64_decode(s);
}

}  // namespace uun
