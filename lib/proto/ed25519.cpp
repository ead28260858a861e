// Ed25519 through OpenSSL EVP; no cryptography of our own lives here.
#include "lib/proto/ed25519.hpp"

#include "lib/util/digest.hpp"
#include "lib/util/file_util.hpp"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <cstdio>
#include <cstdlib>

namespace uun::proto {

namespace {

constexpr std::size_t max_pem_bytes = 16 * 1024;

std::string openssl_error()
{
    unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0)
        return "not a PEM key";
    if (ERR_reason_error_string(code) == nullptr) {
        char hex[24];
        std::snprintf(hex, sizeof hex, "%08lX", code);
        return cat("OpenSSL error ", hex, " (`openssl errstr ", hex, "` says what it is)");
    }
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    return buf;
}

struct bio_deleter {
    void operator()(BIO* b) const { BIO_free(b); }
};
using bio_ptr = std::unique_ptr<BIO, bio_deleter>;

bio_ptr memory_bio(std::string_view pem)
{
    return bio_ptr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

std::string bio_contents(BIO* bio)
{
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(len));
}

std::string raw_public_of(EVP_PKEY* key)
{
    unsigned char raw[32];
    std::size_t len = sizeof raw;
    if (EVP_PKEY_get_raw_public_key(key, raw, &len) != 1 || len != sizeof raw)
        std::abort();
    return std::string(reinterpret_cast<const char*>(raw), len);
}

}  // namespace

void defer_openssl_error_strings()
{
    OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS, nullptr);
}

std::string key_id_of_raw(std::string_view raw_public_key)
{
    return sha256_hex(raw_public_key).substr(0, 16);
}

public_key::public_key(pkey_ptr key) : key_(std::move(key)), id_(key_id_of_raw(raw_public_of(key_.get())))
{
}

result<public_key> public_key::from_pem(std::string_view pem, std::string_view origin)
{
    if (pem.size() > max_pem_bytes)
        return fail(cat(origin, ": too large for a public key"));
    auto bio = memory_bio(pem);
    EVP_PKEY* key = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
    if (key == nullptr)
        return fail(cat(origin, ": cannot read public key: ", openssl_error()));
    pkey_ptr owned(key, pkey_deleter{});
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_ED25519)
        return fail(cat(origin, ": not an Ed25519 public key"));
    return public_key(std::move(owned));
}

result<public_key> public_key::from_raw(std::string_view raw)
{
    if (raw.size() != 32)
        return fail(cat("an Ed25519 public key is 32 bytes, not ", raw.size()));
    EVP_PKEY* key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                                reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
    if (key == nullptr)
        return fail(cat("cannot use raw public key: ", openssl_error()));
    return public_key(pkey_ptr(key, pkey_deleter{}));
}

result<public_key> public_key::load(const std::string& path)
{
    auto text = read_file(path, max_pem_bytes);
    if (!text)
        return std::unexpected(text.error());
    return from_pem(*text, path);
}

bool public_key::verify(std::string_view message, std::string_view signature) const
{
    if (signature.size() != 64)
        return false;
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    if (ctx == nullptr)
        std::abort();
    bool ok = EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key_.get()) == 1 &&
              EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                               reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return ok;
}

std::string public_key::raw() const
{
    return raw_public_of(key_.get());
}

std::string public_key::pem() const
{
    bio_ptr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1)
        std::abort();
    return bio_contents(bio.get());
}

private_key::private_key(pkey_ptr key) : key_(std::move(key)), id_(key_id_of_raw(raw_public_of(key_.get())))
{
}

result<private_key> private_key::generate()
{
    EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    if (key == nullptr)
        return fail(cat("cannot generate an Ed25519 key: ", openssl_error()));
    return private_key(pkey_ptr(key, pkey_deleter{}));
}

result<private_key> private_key::from_pem(std::string_view pem, std::string_view origin)
{
    if (pem.size() > max_pem_bytes)
        return fail(cat(origin, ": too large for a private key"));
    auto bio = memory_bio(pem);
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
    if (key == nullptr)
        return fail(cat(origin, ": cannot read private key: ", openssl_error()));
    pkey_ptr owned(key, pkey_deleter{});
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_ED25519)
        return fail(cat(origin, ": not an Ed25519 private key"));
    return private_key(std::move(owned));
}

result<private_key> private_key::load(const std::string& path)
{
    auto text = read_file(path, max_pem_bytes);
    if (!text)
        return std::unexpected(text.error());
    return from_pem(*text, path);
}

std::string private_key::sign(std::string_view message) const
{
    unsigned char sig[64];
    std::size_t len = sizeof sig;
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    if (ctx == nullptr || EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key_.get()) != 1 ||
        EVP_DigestSign(ctx, sig, &len, reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1)
        std::abort();
    EVP_MD_CTX_free(ctx);
    return std::string(reinterpret_cast<const char*>(sig), len);
}

public_key private_key::public_part() const
{
    bio_ptr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1)
        std::abort();
    auto pub = public_key::from_pem(bio_contents(bio.get()), "private key");
    if (!pub)
        std::abort();
    return *pub;
}

std::string private_key::pem() const
{
    bio_ptr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
        std::abort();
    return bio_contents(bio.get());
}

}  // namespace uun::proto
