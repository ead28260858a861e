// Device certificates against the vendor's device CA (see header).
#include "server/daemon/device_certificate.hpp"

#include "lib/util/base64.hpp"
#include "lib/util/file_util.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace uun::daemon {

namespace {

constexpr std::uint64_t max_ca_file_bytes = 1 << 20;
constexpr std::size_t max_certificate_bytes = 8192;  // base64 in one header field

struct x509_deleter {
    void operator()(X509* x) const { X509_free(x); }
};
struct ctx_deleter {
    void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
};
struct bio_deleter {
    void operator()(BIO* b) const { BIO_free(b); }
};
using x509_ptr = std::unique_ptr<X509, x509_deleter>;

std::string common_name(X509* certificate)
{
    X509_NAME* subject = X509_get_subject_name(certificate);
    int at = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    if (at < 0 || X509_NAME_get_index_by_NID(subject, NID_commonName, at) >= 0)
        return "";  // none, or more than one: no single name to compare
    ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, at));
    unsigned char* utf8 = nullptr;
    int n = ASN1_STRING_to_UTF8(&utf8, value);
    if (n < 0)
        return "";
    std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(n));
    OPENSSL_free(utf8);
    return out;
}

std::string raw_key_of(X509* certificate)
{
    EVP_PKEY* key = X509_get0_pubkey(certificate);
    if (key == nullptr || EVP_PKEY_get_id(key) != EVP_PKEY_ED25519)
        return "";
    unsigned char raw[32];
    std::size_t len = sizeof raw;
    if (EVP_PKEY_get_raw_public_key(key, raw, &len) != 1 || len != sizeof raw)
        return "";
    return std::string(reinterpret_cast<char*>(raw), len);
}

}  // namespace

result<device_ca> device_ca::load(const std::string& pem_path)
{
    auto pem = read_file(pem_path, max_ca_file_bytes);
    if (!pem)
        return fail(cat("registry.device_ca: ", pem.error().message));
    device_ca out;
    out.store_.reset(X509_STORE_new(), X509_STORE_free);
    std::unique_ptr<BIO, bio_deleter> bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
    if (!out.store_ || !bio)
        return fail("registry.device_ca: out of memory");
    while (x509_ptr ca{PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)}) {
        if (X509_STORE_add_cert(out.store_.get(), ca.get()) != 1)
            return fail(cat("registry.device_ca: ", pem_path, ": a certificate could not be added"));
        ++out.certificates_;
    }
    ERR_clear_error();  // the loop ends on "no start line"
    if (out.certificates_ == 0)
        return fail(cat("registry.device_ca: ", pem_path, " holds no PEM certificate"));
    return out;
}

result<void> device_ca::vouches(std::string_view certificate_base64, std::string_view raw_public_key,
                                std::string_view id, std::int64_t now) const
{
    if (certificate_base64.empty())
        return fail("the poll carries no device certificate (X-UUN-Certificate)");
    if (certificate_base64.size() > max_certificate_bytes)
        return fail("the device certificate is too large");
    auto der = base64_decode(certificate_base64);
    if (!der)
        return fail("the device certificate is not base64");
    const auto* p = reinterpret_cast<const unsigned char*>(der->data());
    x509_ptr certificate{d2i_X509(nullptr, &p, static_cast<long>(der->size()))};
    if (!certificate || p != reinterpret_cast<const unsigned char*>(der->data()) + der->size())
        return fail("the device certificate is not one DER certificate");
    std::unique_ptr<X509_STORE_CTX, ctx_deleter> ctx(X509_STORE_CTX_new());
    if (!ctx || X509_STORE_CTX_init(ctx.get(), store_.get(), certificate.get(), nullptr) != 1)
        return fail("out of memory verifying a device certificate");
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
    X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(now));
    int verified = X509_verify_cert(ctx.get());
    ERR_clear_error();
    if (verified != 1)
        return fail(cat("the device certificate does not verify against registry.device_ca: ",
                        X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()))));
    if (raw_key_of(certificate.get()) != raw_public_key)
        return fail("the device certificate is for another key than the one that signed the poll");
    if (common_name(certificate.get()) != id)
        return fail(cat("the device certificate's subject CN is not the appliance id ", id));
    return {};
}

}  // namespace uun::daemon
