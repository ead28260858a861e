// SHA-256 helpers; failures of OpenSSL itself are internal errors and abort.
#include "lib/util/digest.hpp"

#include "lib/util/unique_fd.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace uun {

std::string to_hex(std::string_view bytes)
{
    static const char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 0x0f]);
    }
    return out;
}

bool is_sha256_hex(std::string_view text)
{
    if (text.size() != 64)
        return false;
    for (char c : text)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    return true;
}

sha256_stream::sha256_stream() : ctx_(EVP_MD_CTX_new())
{
    if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1)
        std::abort();
}

sha256_stream::~sha256_stream()
{
    EVP_MD_CTX_free(ctx_);
}

void sha256_stream::update(std::string_view bytes)
{
    if (EVP_DigestUpdate(ctx_, bytes.data(), bytes.size()) != 1)
        std::abort();
}

std::string sha256_stream::hex_digest()
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx_, md, &len) != 1)
        std::abort();
    return to_hex(std::string_view(reinterpret_cast<const char*>(md), len));
}

std::string sha256_hex(std::string_view bytes)
{
    sha256_stream s;
    s.update(bytes);
    return s.hex_digest();
}

result<std::string> sha256_file_hex(const std::string& path)
{
    unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        return fail(cat(path, ": cannot open: ", std::strerror(errno)));
    sha256_stream s;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return fail(cat(path, ": read error: ", std::strerror(errno)));
        }
        if (n == 0)
            break;
        s.update(std::string_view(buf, static_cast<std::size_t>(n)));
    }
    return s.hex_digest();
}

}  // namespace uun
