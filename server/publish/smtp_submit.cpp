// libcurl SMTP (see header). libcurl dot-stuffs the body and keeps the
// connection in its cache between transfers on the same handle, so the greeting
// and EHLO happen once per session. Nothing here throws; curl errors are values.
#include "server/publish/smtp_submit.hpp"

#include <curl/curl.h>

#include <cstring>
#include <mutex>

namespace uun::publish {

namespace {

void global_init_once()
{
    static std::once_flag once;
    std::call_once(once, [] { ::curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct upload {
    const std::string* data = nullptr;
    std::size_t offset = 0;
};

extern "C" std::size_t read_upload(char* buffer, std::size_t size, std::size_t items, void* user)
{
    auto* u = static_cast<upload*>(user);
    std::size_t n = std::min(size * items, u->data->size() - u->offset);
    std::memcpy(buffer, u->data->data() + u->offset, n);
    u->offset += n;
    return n;
}

extern "C" std::size_t discard_output(char*, std::size_t size, std::size_t items, void*)
{
    return size * items;
}

}  // namespace

std::string smtp_url(const std::string& host_port)
{
    return "smtp://" + host_port;
}

struct smtp_session::impl {
    CURL* curl = nullptr;
    std::string url;
    char error[CURL_ERROR_SIZE] = {};
};

smtp_session::smtp_session(const std::string& host_port) : impl_(std::make_unique<impl>())
{
    global_init_once();
    impl_->url = smtp_url(host_port);
    impl_->curl = ::curl_easy_init();
}

smtp_session::~smtp_session()
{
    if (impl_->curl != nullptr)
        ::curl_easy_cleanup(impl_->curl);
}

handoff::outcome smtp_failure_outcome(int curl_code, long reply)
{
    if (reply >= 400 && reply < 500)
        return handoff::outcome::deferred;
    if (reply >= 500)
        return handoff::outcome::refused;
    switch (static_cast<CURLcode>(curl_code)) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
        return handoff::outcome::deferred;
    default:
        return handoff::outcome::refused;
    }
}

handoff smtp_session::send(const std::string& sender, const std::string& recipient,
                           const std::string& crlf_message)
{
    CURL* c = impl_->curl;
    if (c == nullptr)
        return handoff::refused("libcurl could not make a handle");
    upload body{&crlf_message, 0};
    std::string from = "<" + sender + ">";
    curl_slist* rcpt = ::curl_slist_append(nullptr, ("<" + recipient + ">").c_str());
    impl_->error[0] = '\0';
    ::curl_easy_setopt(c, CURLOPT_URL, impl_->url.c_str());
    ::curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
    ::curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    ::curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    ::curl_easy_setopt(c, CURLOPT_READFUNCTION, read_upload);
    ::curl_easy_setopt(c, CURLOPT_READDATA, &body);
    ::curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(crlf_message.size()));
    ::curl_easy_setopt(c, CURLOPT_ERRORBUFFER, impl_->error);
    ::curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(smtp_connect_timeout.count()));
    ::curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(smtp_transaction_timeout.count()));
    ::curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    ::curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp");
    CURLcode rc = ::curl_easy_perform(c);
    ::curl_easy_setopt(c, CURLOPT_MAIL_RCPT, nullptr);
    ::curl_slist_free_all(rcpt);
    if (rc != CURLE_OK) {
        long reply = 0;
        ::curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
        std::string detail = impl_->error[0] != '\0' ? impl_->error : ::curl_easy_strerror(rc);
        return {smtp_failure_outcome(rc, reply),
                cat("SMTP to ", impl_->url, ": ", detail, reply != 0 ? cat(" (reply ", reply, ")") : "")};
    }
    return {};
}

result<void> probe_smtp(const std::string& host_port)
{
    global_init_once();
    CURL* c = ::curl_easy_init();
    if (c == nullptr)
        return fail("libcurl could not make a handle");
    char error[CURL_ERROR_SIZE] = {};
    std::string url = smtp_url(host_port);
    ::curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    ::curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
    ::curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
    ::curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(smtp_connect_timeout.count()));
    ::curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    ::curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp");
    ::curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard_output);
    CURLcode rc = ::curl_easy_perform(c);
    ::curl_easy_cleanup(c);
    if (rc != CURLE_OK)
        return fail(cat("no SMTP service at ", url, ": ", error[0] != '\0' ? error : ::curl_easy_strerror(rc)));
    return {};
}

}  // namespace uun::publish
