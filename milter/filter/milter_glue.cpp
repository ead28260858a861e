// libmilter callbacks (see header). Per-connection state is one `connection`
// object made at negotiation and freed in xxfi_close, so an abort or a
// dropped connection never leaks it.
#include "milter/filter/milter_glue.hpp"

#include "lib/util/log.hpp"
#include "milter/filter/negotiate.hpp"

#include <libmilter/mfapi.h>

#include <cstdlib>
#include <exception>
#include <mutex>
#include <new>
#include <string_view>

namespace uun::filter {

namespace {

std::mutex generation_lock_;
std::shared_ptr<const filter_generation> generation_;  // under generation_lock_
milter_transport transport_ = milter_transport::unix_socket;

std::shared_ptr<const filter_generation> current_generation()
{
    std::lock_guard<std::mutex> hold(generation_lock_);
    return generation_;
}

struct connection {
    explicit connection(std::shared_ptr<const filter_generation> g)
        : generation_(std::move(g)), session_(generation_->context)
    {
    }
    bool wants_body() const { return generation_->config.wants_body(); }

    std::shared_ptr<const filter_generation> generation_;  // before session_, which refers into it
    session session_;
    negotiation negotiated_;
};

class libmilter_link final : public mta_link {
public:
    explicit libmilter_link(SMFICTX* ctx) : ctx_(ctx) {}

    const char* macro(const char* name) override { return smfi_getsymval(ctx_, const_cast<char*>(name)); }

    void set_reply(const char* rcode, const char* xcode, const char* text) override
    {
        if (smfi_setreply(ctx_, const_cast<char*>(rcode), const_cast<char*>(xcode), const_cast<char*>(text)) !=
            MI_SUCCESS)
            log::warning(cat("smfi_setreply refused the reply ", rcode, " ", xcode, "; the MTA uses its default"));
    }

private:
    SMFICTX* ctx_;
};

// The connection of ctx, made on first use if the MTA skipped negotiation.
connection* connection_of(SMFICTX* ctx)
{
    auto* c = static_cast<connection*>(smfi_getpriv(ctx));
    if (c == nullptr) {
        auto generation = current_generation();
        if (!generation) {
            log::error("a milter callback ran before the filter context was set");
            std::abort();
        }
        c = new connection(std::move(generation));
        c->negotiated_ = negotiate(0, 0, c->wants_body(), transport_);
        smfi_setpriv(ctx, c);
    }
    return c;
}

sfsistat to_sfsistat(step s, const connection& c)
{
    switch (s) {
    case step::next:
        return SMFIS_CONTINUE;
    case step::accept:
        return SMFIS_ACCEPT;
    case step::discard:
        return SMFIS_DISCARD;
    case step::reject:
        return SMFIS_REJECT;
    case step::tempfail:
        return SMFIS_TEMPFAIL;
    case step::skip:
        return c.negotiated_.can_skip ? SMFIS_SKIP : SMFIS_CONTINUE;
    }
    return SMFIS_TEMPFAIL;
}

// Runs one callback body; nothing thrown crosses into libmilter.
template <class Body>
sfsistat guarded(const char* callback, Body&& body) noexcept
{
    try {
        return body();
    } catch (const std::exception& e) {
        log::error(cat(callback, ": ", e.what(), "; answering tempfail"));
    } catch (...) {
        log::error(cat(callback, ": unknown exception; answering tempfail"));
    }
    return SMFIS_TEMPFAIL;
}

sfsistat on_negotiate(SMFICTX* ctx, unsigned long f0, unsigned long f1, unsigned long, unsigned long,
                      unsigned long* pf0, unsigned long* pf1, unsigned long* pf2, unsigned long* pf3)
{
    return guarded("negotiate", [&] {
        auto* c = connection_of(ctx);
        c->negotiated_ = negotiate(f0, f1, c->wants_body(), transport_);
        *pf0 = c->negotiated_.actions;
        *pf1 = c->negotiated_.steps;
        *pf2 = 0;
        *pf3 = 0;
        if (c->negotiated_.symbol_list) {
            smfi_setsymlist(ctx, SMFIM_EOH, const_cast<char*>("{i}"));
            if (c->wants_body())
                smfi_setsymlist(ctx, SMFIM_EOM, const_cast<char*>("{i}"));
        }
        return SMFIS_CONTINUE;
    });
}

sfsistat on_header(SMFICTX* ctx, char* name, char* value)
{
    return guarded("header", [&] {
        auto* c = connection_of(ctx);
        if (name != nullptr && value != nullptr)
            c->session_.header(name, value);
        return c->negotiated_.no_header_reply ? SMFIS_NOREPLY : SMFIS_CONTINUE;
    });
}

sfsistat on_eoh(SMFICTX* ctx)
{
    return guarded("end of headers", [&] {
        auto* c = connection_of(ctx);
        libmilter_link link(ctx);
        return to_sfsistat(c->session_.end_of_headers(link), *c);
    });
}

sfsistat on_body(SMFICTX* ctx, unsigned char* chunk, size_t size)
{
    return guarded("body", [&] {
        auto* c = connection_of(ctx);
        std::string_view text =
            chunk == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(chunk), size);
        return to_sfsistat(c->session_.body(text), *c);
    });
}

sfsistat on_eom(SMFICTX* ctx)
{
    return guarded("end of message", [&] {
        auto* c = connection_of(ctx);
        libmilter_link link(ctx);
        return to_sfsistat(c->session_.end_of_message(link), *c);
    });
}

sfsistat on_abort(SMFICTX* ctx)
{
    return guarded("abort", [&] {
        if (auto* c = static_cast<connection*>(smfi_getpriv(ctx)))
            c->session_.reset();
        return SMFIS_CONTINUE;
    });
}

sfsistat on_close(SMFICTX* ctx)
{
    return guarded("close", [&] {
        delete static_cast<connection*>(smfi_getpriv(ctx));
        smfi_setpriv(ctx, nullptr);
        return SMFIS_CONTINUE;
    });
}

}  // namespace

void set_filter_generation(std::shared_ptr<const filter_generation> generation)
{
    std::lock_guard<std::mutex> hold(generation_lock_);
    generation_ = std::move(generation);
}

result<void> register_filter(milter_transport transport)
{
    transport_ = transport;
    smfiDesc desc{};
    desc.xxfi_name = const_cast<char*>("uun-milter");
    desc.xxfi_version = SMFI_VERSION;
    desc.xxfi_flags = SMFIF_SETSYMLIST;
    desc.xxfi_header = on_header;
    desc.xxfi_eoh = on_eoh;
    desc.xxfi_body = on_body;
    desc.xxfi_eom = on_eom;
    desc.xxfi_abort = on_abort;
    desc.xxfi_close = on_close;
    desc.xxfi_negotiate = on_negotiate;
    if (smfi_register(desc) != MI_SUCCESS)
        return fail("libmilter refused to register the filter (smfi_register)");
    return {};
}

}  // namespace uun::filter
