// The real transport: libcurl (OpenSSL flavour) to uun-server, HTTPS only,
// TLS 1.2 or later, certificate and server name always verified, optional
// public key pin, no redirects, timeouts on connect, total and low speed.
// With proxy.url every request (polls, payloads, reports) goes through the
// proxy's CONNECT tunnel, the TLS inside it verified the same way; without
// it the connection is direct, whatever http(s)_proxy the environment has.
// Created by main.cpp (again on a reload); a request that fails returns
// why, with curl's words.
#pragma once

#include "lib/util/result.hpp"
#include "milter/updater/transport.hpp"
#include "milter/updater/updater_config.hpp"

#include <functional>
#include <memory>
#include <string>

typedef void CURL;

namespace uun::updater {

struct curl_settings {
    std::string server;  // https base URL
    std::string ca_file;
    std::string pinned_public_key;
    std::string source_address;
    timeouts_config timeouts;
    std::string user_agent;
    proxy_config proxy;
    std::string proxy_credentials;  // "user:password" read from proxy.credentials_file by create()
};

curl_settings curl_settings_from(const updater_config& config);

class curl_transport final : public http_transport {
public:
    static result<std::unique_ptr<curl_transport>> create(curl_settings settings);
    ~curl_transport() override;
    curl_transport(const curl_transport&) = delete;
    curl_transport& operator=(const curl_transport&) = delete;

    result<void> perform(const http_request& request, response_sink& sink) override;

    // Checked during transfers; true aborts the transfer (shutdown).
    void set_cancel_check(std::function<bool()> cancelled) { cancelled_ = std::move(cancelled); }

private:
    curl_transport(curl_settings settings, CURL* handle);

    curl_settings settings_;
    CURL* curl_;
    std::function<bool()> cancelled_;
};

}  // namespace uun::updater
