// Building and swapping TLS contexts (see header). OpenSSL does the TLS; we
// only choose versions and resumption and load the operator's files.
#include "server/daemon/tls_context.hpp"

#include "lib/util/file_util.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <ctime>

namespace uun::daemon {

namespace ssl = boost::asio::ssl;

result<tls_context_ptr> make_tls_context(const settings::tls_config& files)
{
    auto certificate = read_file(files.certificate, max_pem_file_bytes);
    if (!certificate)
        return fail(cat("tls.certificate: ", certificate.error().message));
    auto key = read_file(files.key, max_pem_file_bytes);
    if (!key)
        return fail(cat("tls.key: ", key.error().message));

    auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
    SSL_CTX* native = context->native_handle();
    if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1)
        return fail("OpenSSL refuses TLS 1.2 as the lowest version");
    context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                         ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    SSL_CTX_set_options(native, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
    // Resumption by session tickets only: the key lives in this context, no
    // per-session memory on the server. One ticket is all an updater needs;
    // tls.session_tickets: false turns resumption off altogether.
    SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
    if (files.session_tickets) {
        SSL_CTX_set_num_tickets(native, 1);
    } else {
        SSL_CTX_set_options(native, SSL_OP_NO_TICKET);
        SSL_CTX_set_num_tickets(native, 0);
    }
    // Idle keep-alive connections give their 34 KiB of record buffers back.
    SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);

    boost::system::error_code ec;
    context->use_certificate_chain(boost::asio::buffer(*certificate), ec);
    if (ec)
        return fail(cat(files.certificate, ": not a usable PEM certificate chain: ", ec.message()));
    context->use_private_key(boost::asio::buffer(*key), ssl::context::pem, ec);
    if (ec)
        return fail(cat(files.key, ": not a usable PEM private key: ", ec.message()));
    if (SSL_CTX_check_private_key(native) != 1)
        return fail(cat(files.key, ": the key does not belong to the certificate in ", files.certificate));
    return context;
}

std::string describe_certificate(const ssl::context& context)
{
    X509* cert = SSL_CTX_get0_certificate(const_cast<ssl::context&>(context).native_handle());
    if (cert == nullptr)
        return "no certificate";
    char subject[256] = "";
    X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof subject);
    std::string serial = "?";
    if (BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr)) {
        if (char* hex = BN_bn2hex(bn)) {
            serial = hex;
            OPENSSL_free(hex);
        }
        BN_free(bn);
    }
    std::string until = "?";
    struct tm tm {};
    if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) == 1) {
        char buf[32];
        std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
        until = buf;
    }
    return cat("subject ", subject, ", serial ", serial, ", valid until ", until);
}

result<tls_context_ptr> tls_holder::reload(const settings::tls_config& files)
{
    auto fresh = make_tls_context(files);
    if (!fresh)
        return fresh;
    std::lock_guard lock(mutex_);
    current_ = *fresh;
    return fresh;
}

}  // namespace uun::daemon
