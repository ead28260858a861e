// Ed25519 keys in PEM files, signing and verification through OpenSSL 3 EVP.
// Callers: uun-keygen and uun-publish (private keys), the milter and the
// updater (public keys only). Bad files give an error naming the file.
#pragma once

#include "lib/util/result.hpp"

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>

namespace uun::proto {

struct pkey_deleter {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using pkey_ptr = std::shared_ptr<EVP_PKEY>;

// Leaves OpenSSL's error strings unloaded (0.4 MB resident in every process
// that loads them); call first, before anything uses OpenSSL. Key errors then
// carry OpenSSL's error code for `openssl errstr` instead of its text. For
// uun-milter, whose only OpenSSL errors are key files at startup; not for a
// process using libcurl, whose TLS errors need the text.
void defer_openssl_error_strings();

// Key id: first 16 hex digits of SHA-256 of the raw 32-byte public key.
std::string key_id_of_raw(std::string_view raw_public_key);

class public_key {
public:
    static result<public_key> from_pem(std::string_view pem, std::string_view origin = "key");
    static result<public_key> load(const std::string& path);
    // The 32 raw bytes, as root metadata lists a key.
    static result<public_key> from_raw(std::string_view raw);

    bool verify(std::string_view message, std::string_view signature) const;
    const std::string& id() const { return id_; }
    std::string raw() const;
    std::string pem() const;

private:
    explicit public_key(pkey_ptr key);
    pkey_ptr key_;
    std::string id_;
};

class private_key {
public:
    static result<private_key> generate();
    static result<private_key> from_pem(std::string_view pem, std::string_view origin = "key");
    static result<private_key> load(const std::string& path);

    std::string sign(std::string_view message) const;
    public_key public_part() const;
    const std::string& id() const { return id_; }
    std::string pem() const;

private:
    explicit private_key(pkey_ptr key);
    pkey_ptr key_;
    std::string id_;
};

}  // namespace uun::proto
