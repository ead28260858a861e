// libcurl transport (see header). Callbacks are C callbacks: they catch
// everything and turn it into an aborted transfer with a message.
#include "milter/updater/curl_transport.hpp"

#include "lib/util/file_util.hpp"
#include "milter/updater/log_text.hpp"
#include "uun_build_config.hpp"

#include <curl/curl.h>

#include <cctype>
#include <mutex>

namespace uun::updater {

namespace {

constexpr std::size_t max_kept_header = 256;
constexpr std::uint64_t max_credentials_bytes = 1024;

struct transfer {
    response_sink& sink;
    CURL* curl;
    response_head head;
    bool head_delivered = false;
    std::optional<error> refused;
    const std::function<bool()>* cancelled = nullptr;
};

struct slist_deleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using slist_ptr = std::unique_ptr<curl_slist, slist_deleter>;

std::string lower(std::string_view s)
{
    std::string out;
    for (char c : s)
        out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

void keep_header(response_head& head, std::string_view line)
{
    auto colon = line.find(':');
    if (colon == std::string_view::npos)
        return;
    std::string name = lower(trim_header_value(line.substr(0, colon)));
    std::string_view value = trim_header_value(line.substr(colon + 1)).substr(0, max_kept_header);
    if (name == "content-type")
        head.content_type = value;
    else if (name == "content-range")
        head.content_range = value;
    else if (name == "retry-after")
        head.retry_after = value;
    else if (name == "content-length")
        head.content_length = parse_header_number(value);
}

size_t on_header(char* data, size_t size, size_t count, void* user)
{
    auto* t = static_cast<transfer*>(user);
    std::size_t n = size * count;
    try {
        std::string_view line(data, n);
        if (line.starts_with("HTTP/")) {
            t->head = response_head{};  // a new response (after a 1xx)
        } else if (trim_header_value(line).empty()) {
            long code = 0;
            curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code);
            if (code >= 200 && !t->head_delivered) {
                t->head.status = code;
                t->head_delivered = true;
                if (auto ok = t->sink.on_head(t->head); !ok) {
                    t->refused = ok.error();
                    return 0;
                }
            }
        } else {
            keep_header(t->head, line);
        }
        return n;
    } catch (const std::exception& e) {
        t->refused = error{cat("reading the response headers failed: ", e.what())};
        return 0;
    }
}

size_t on_body(char* data, size_t size, size_t count, void* user)
{
    auto* t = static_cast<transfer*>(user);
    std::size_t n = size * count;
    try {
        if (!t->head_delivered) {
            t->refused = error{"the server sent a body before its headers ended"};
            return 0;
        }
        if (auto ok = t->sink.on_body(std::string_view(data, n)); !ok) {
            t->refused = ok.error();
            return 0;
        }
        return n;
    } catch (const std::exception& e) {
        t->refused = error{cat("storing the response failed: ", e.what())};
        return 0;
    }
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t)
{
    auto* t = static_cast<transfer*>(user);
    try {
        if (t->cancelled && *t->cancelled && (*t->cancelled)()) {
            t->refused = error{"cancelled: the updater is stopping"};
            return 1;
        }
    } catch (...) {
        return 1;
    }
    return 0;
}

// The header fields uun sends: no Expect (small bodies), JSON both ways, and
// the request's own (the appliance's signature), refused if they could split a line.
result<slist_ptr> request_headers(const http_request& request)
{
    slist_ptr headers;
    auto add_header = [&](const char* h) {
        curl_slist* grown = curl_slist_append(headers.get(), h);
        if (grown != nullptr) {
            (void)headers.release();
            headers.reset(grown);
        }
        return grown != nullptr;
    };
    bool headers_ok = add_header("Expect:");
    if (request.method == http_request::verb::post)
        headers_ok = headers_ok && add_header("Content-Type: application/json");
    if (request.kind == http_request::purpose::api)
        headers_ok = headers_ok && add_header("Accept: application/json");
    for (const auto& [name, value] : request.headers) {
        if (name.find_first_of(":\r\n") != std::string::npos || value.find_first_of("\r\n") != std::string::npos)
            return fail(cat("request header ", printable(name, 40), " holds a line end or colon; not sent"));
        headers_ok = headers_ok && add_header(cat(name, ": ", value).c_str());
    }
    if (!headers_ok)
        return fail("out of memory building request headers");
    return headers;
}

// The proxy's "user:password", from a file only its owner may read.
result<std::string> read_proxy_credentials(const std::string& path)
{
    if (auto mode = check_private_mode(path); !mode)
        return fail(cat("proxy.credentials_file: ", mode.error().message));
    auto text = read_file(path, max_credentials_bytes);
    if (!text)
        return fail(cat("proxy.credentials_file: ", text.error().message));
    std::string line = *text;
    if (line.ends_with("\n"))
        line.pop_back();
    auto colon = line.find(':');
    bool one_line = line.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos;
    if (colon == 0 || colon == std::string::npos || !one_line)
        return fail(cat("proxy.credentials_file: ", path, ": must be one line, user:password"));
    return line;
}

}  // namespace

curl_settings curl_settings_from(const updater_config& config)
{
    return curl_settings{config.server,         config.ca_file,   config.pinned_public_key,
                         config.source_address, config.timeouts, cat("uun-updater/", UUN_VERSION),
                         config.proxy,          {}};
}

result<std::unique_ptr<curl_transport>> curl_transport::create(curl_settings settings)
{
    static std::once_flag once;
    static CURLcode init_rc = CURLE_OK;
    std::call_once(once, [] { init_rc = curl_global_init(CURL_GLOBAL_DEFAULT); });
    if (init_rc != CURLE_OK)
        return fail(cat("libcurl initialisation failed: ", curl_easy_strerror(init_rc)));
    if (!settings.proxy.credentials_file.empty()) {
        auto credentials = read_proxy_credentials(settings.proxy.credentials_file);
        if (!credentials)
            return std::unexpected(credentials.error());
        settings.proxy_credentials = std::move(*credentials);
    }
    CURL* handle = curl_easy_init();
    if (handle == nullptr)
        return fail("libcurl could not create a handle");
    return std::unique_ptr<curl_transport>(new curl_transport(std::move(settings), handle));
}

curl_transport::curl_transport(curl_settings settings, CURL* handle) : settings_(std::move(settings)), curl_(handle) {}

curl_transport::~curl_transport()
{
    curl_easy_cleanup(curl_);
}

result<void> curl_transport::perform(const http_request& request, response_sink& sink)
{
    // Reset keeps the connection cache, so a poll, its downloads and reports share one TLS session.
    curl_easy_reset(curl_);
    transfer t{sink, curl_, {}, false, std::nullopt, &cancelled_};
    char errbuf[CURL_ERROR_SIZE] = {0};
    std::string url = settings_.server + request.path;
    const auto& to = settings_.timeouts;
    auto total = request.kind == http_request::purpose::download ? to.download : to.request;

    auto headers = request_headers(request);
    if (!headers)
        return std::unexpected(headers.error());
    std::string range = cat(request.range_from, "-");
    std::string interface = cat("host!", settings_.source_address);

    bool ok = true;
    auto set = [&](CURLoption option, auto value) { ok = ok && curl_easy_setopt(curl_, option, value) == CURLE_OK; };
    set(CURLOPT_URL, url.c_str());
    set(CURLOPT_PROTOCOLS_STR, "https");
    set(CURLOPT_REDIR_PROTOCOLS_STR, "https");
    set(CURLOPT_FOLLOWLOCATION, 0L);
    set(CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    set(CURLOPT_SSL_VERIFYPEER, 1L);
    set(CURLOPT_SSL_VERIFYHOST, 2L);
    if (!settings_.ca_file.empty())
        set(CURLOPT_CAINFO, settings_.ca_file.c_str());
    if (!settings_.pinned_public_key.empty())
        set(CURLOPT_PINNEDPUBLICKEY, settings_.pinned_public_key.c_str());
    if (!settings_.source_address.empty())
        set(CURLOPT_INTERFACE, interface.c_str());
    set(CURLOPT_CONNECTTIMEOUT, static_cast<long>(to.connect.count()));
    set(CURLOPT_TIMEOUT, static_cast<long>(total.count()));
    set(CURLOPT_LOW_SPEED_LIMIT, static_cast<long>(to.low_speed_limit));
    set(CURLOPT_LOW_SPEED_TIME, static_cast<long>(to.low_speed_time.count()));
    // "" also turns off http(s)_proxy from the environment: a daemon's route is its config's.
    set(CURLOPT_PROXY, settings_.proxy.url.c_str());
    if (!settings_.proxy.url.empty()) {
        set(CURLOPT_HTTPPROXYTUNNEL, 1L);
        set(CURLOPT_PROXY_SSL_VERIFYPEER, 1L);
        set(CURLOPT_PROXY_SSL_VERIFYHOST, 2L);
        if (!settings_.proxy.ca_file.empty())
            set(CURLOPT_PROXY_CAINFO, settings_.proxy.ca_file.c_str());
        if (!settings_.proxy_credentials.empty()) {
            set(CURLOPT_PROXYUSERPWD, settings_.proxy_credentials.c_str());
            set(CURLOPT_PROXYAUTH, static_cast<long>(CURLAUTH_BASIC | CURLAUTH_DIGEST));
        }
    }
    set(CURLOPT_NOSIGNAL, 1L);
    set(CURLOPT_ERRORBUFFER, errbuf);
    set(CURLOPT_USERAGENT, settings_.user_agent.c_str());
    set(CURLOPT_HTTPHEADER, headers->get());
    set(CURLOPT_HEADERFUNCTION, on_header);
    set(CURLOPT_HEADERDATA, &t);
    set(CURLOPT_WRITEFUNCTION, on_body);
    set(CURLOPT_WRITEDATA, &t);
    set(CURLOPT_NOPROGRESS, 0L);
    set(CURLOPT_XFERINFOFUNCTION, on_progress);
    set(CURLOPT_XFERINFODATA, &t);
    if (request.method == http_request::verb::post) {
        set(CURLOPT_POST, 1L);
        set(CURLOPT_POSTFIELDS, request.body.data());
        set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    } else if (request.range_from > 0) {
        set(CURLOPT_RANGE, range.c_str());
    }
    if (!ok)
        return fail("libcurl refused an option (is it built with HTTPS?)");

    CURLcode rc = curl_easy_perform(curl_);
    if (t.refused)
        return fail(cat(settings_.server, request.path, ": ", t.refused->message));
    if (rc != CURLE_OK)
        return fail(cat(settings_.server, request.path,
                        settings_.proxy.url.empty() ? "" : cat(" (through proxy ", settings_.proxy.url, ")"), ": ",
                        errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc)));
    if (!t.head_delivered)
        return fail(cat(settings_.server, request.path, ": the server sent no complete response"));
    return {};
}

}  // namespace uun::updater
