// SHA-256 through OpenSSL EVP, as lowercase hex. Used for key ids, payload
// addresses and downloads; a file digest streams and never loads the file.
#pragma once

#include "lib/util/result.hpp"

#include <openssl/evp.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace uun {

std::string to_hex(std::string_view bytes);
bool is_sha256_hex(std::string_view text);

std::string sha256_hex(std::string_view bytes);
result<std::string> sha256_file_hex(const std::string& path);

// Incremental digest for data that arrives in pieces (downloads).
class sha256_stream {
public:
    sha256_stream();
    ~sha256_stream();
    sha256_stream(const sha256_stream&) = delete;
    sha256_stream& operator=(const sha256_stream&) = delete;

    void update(std::string_view bytes);
    std::string hex_digest();  // finishes the stream

private:
    EVP_MD_CTX* ctx_;
};

}  // namespace uun
