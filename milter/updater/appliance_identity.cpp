// The appliance's key and enrollment secret (see header).
#include "milter/updater/appliance_identity.hpp"

#include "lib/proto/appliance_key.hpp"
#include "lib/util/base64.hpp"
#include "lib/util/file_util.hpp"
#include "lib/util/log.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <sys/stat.h>
#include <unistd.h>

namespace uun::updater {

namespace {

constexpr std::uint64_t max_key_file_bytes = 4096;
constexpr std::uint64_t max_secret_file_bytes = 1024;
constexpr std::uint64_t max_certificate_file_bytes = 16384;

result<proto::private_key> make_identity_key(const std::string& path)
{
    auto fresh = proto::private_key::generate();
    if (!fresh)
        return std::unexpected(fresh.error());
    // exclusive: an updater and a --print-identity starting together keep one key.
    auto wrote = write_file_atomic(path, fresh->pem(), 0600, /*exclusive=*/true);
    if (wrote) {
        log::info(
            cat("made this appliance's identity key ", path, ": ", proto::key_fingerprint(fresh->public_part().raw())));
        return std::move(*fresh);
    }
    if (::access(path.c_str(), F_OK) == 0)
        return proto::private_key::load(path);
    return std::unexpected(wrote.error());
}

}  // namespace

result<proto::private_key> load_or_make_identity_key(const std::string& state_dir)
{
    std::string path = state_dir + "/identity.key";
    if (::access(path.c_str(), F_OK) != 0 && errno == ENOENT)
        return make_identity_key(path);
    if (auto mode = check_private_mode(path); !mode)
        return std::unexpected(mode.error());
    auto pem = read_file(path, max_key_file_bytes);
    if (!pem)
        return std::unexpected(pem.error());
    auto key = proto::private_key::from_pem(*pem, path);
    if (!key)
        return fail(cat(key.error().message,
                        ". The vendor's registry knows this appliance by that key: restore "
                        "the file from a backup, or move it aside so a new key is made and have the vendor accept "
                        "it (uun-publish --accept ID --key FINGERPRINT, see uun-updater --print-identity)"));
    return key;
}

result<std::string> load_device_certificate(const std::string& path, std::string_view raw_public_key)
{
    auto pem = read_file(path, max_certificate_file_bytes);
    if (!pem)
        return fail(cat("appliance.certificate_file: ", pem.error().message));
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())), BIO_free);
    std::unique_ptr<X509, decltype(&X509_free)> certificate(
        bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr, X509_free);
    ERR_clear_error();
    if (!certificate)
        return fail(cat("appliance.certificate_file: ", path, ": not a PEM certificate"));
    unsigned char raw[32];
    std::size_t len = sizeof raw;
    EVP_PKEY* key = X509_get0_pubkey(certificate.get());
    if (key == nullptr || EVP_PKEY_get_raw_public_key(key, raw, &len) != 1 || len != sizeof raw ||
        std::string_view(reinterpret_cast<char*>(raw), len) != raw_public_key)
        return fail(cat("appliance.certificate_file: ", path,
                        " is for another key than state_dir/identity.key; have the vendor's device CA sign a "
                        "request made with identity.key"));
    unsigned char* der = nullptr;
    int der_len = i2d_X509(certificate.get(), &der);
    if (der_len <= 0)
        return fail(cat("appliance.certificate_file: ", path, ": cannot encode it"));
    std::string out = base64_encode(std::string_view(reinterpret_cast<char*>(der), static_cast<std::size_t>(der_len)));
    OPENSSL_free(der);
    return out;
}

result<appliance_identity> load_appliance_identity(const std::string& state_dir, const std::string& secret_file,
                                                   const std::string& certificate_file)
{
    auto key = load_or_make_identity_key(state_dir);
    if (!key)
        return std::unexpected(key.error());
    std::string secret;
    if (!secret_file.empty()) {
        if (auto mode = check_private_mode(secret_file); !mode)
            return fail(cat("appliance.enrollment_secret_file: ", mode.error().message));
        auto text = read_file(secret_file, max_secret_file_bytes);
        if (!text)
            return fail(cat("appliance.enrollment_secret_file: ", text.error().message));
        auto parsed = proto::parse_enrollment_secret(*text, secret_file);
        if (!parsed)
            return fail(cat("appliance.enrollment_secret_file: ", parsed.error().message));
        secret = std::move(*parsed);
    }
    std::string certificate;
    if (!certificate_file.empty()) {
        auto loaded = load_device_certificate(certificate_file, key->public_part().raw());
        if (!loaded)
            return std::unexpected(loaded.error());
        certificate = std::move(*loaded);
    }
    std::string fingerprint = proto::key_fingerprint(key->public_part().raw());
    return appliance_identity{std::move(*key), std::move(secret), std::move(certificate), std::move(fingerprint)};
}

}  // namespace uun::updater
