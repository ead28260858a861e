// bench-null-milter: the cheapest filter libmilter allows, for the
// milter-overhead benchmark. It negotiates exactly as uun-milter does (the
// same uun::filter::negotiate, the same symbol list) and accepts every mail
// at end of headers, so its cost is the cost of Postfix's milter protocol.
// With --all-steps it negotiates nothing away (every SMTP step and every
// header is sent and answered), to show what negotiation saves; with
// --reply-headers it negotiates as uun-milter but answers every header;
// --clear-steps HEX leaves those SMFIP_* bits out; --no-symlist asks for no
// macro list. Usage: bench-null-milter [options] unix:/path | inet:PORT@ADDR;
// runs in the foreground until SIGTERM; exits 1 when libmilter refuses the socket.
#include "milter/filter/negotiate.hpp"

#include <libmilter/mfapi.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <getopt.h>

namespace {

bool no_header_reply_ = false;
bool all_steps_ = false;
uun::filter::milter_transport transport_ = uun::filter::milter_transport::unix_socket;
unsigned long clear_steps_ = 0;  // SMFIP_* bits not to ask for
bool no_symlist_ = false;

int usage()
{
    std::fprintf(stderr, "usage: bench-null-milter [--all-steps] [--reply-headers] [--clear-steps HEX] [--no-symlist] "
                         "unix:/path | inet:PORT@ADDR\\n");
    return 2;
}

sfsistat on_negotiate(SMFICTX* ctx, unsigned long f0, unsigned long f1, unsigned long, unsigned long,
                      unsigned long* pf0, unsigned long* pf1, unsigned long* pf2, unsigned long* pf3)
{
    if (all_steps_) {
        *pf0 = 0;
        *pf1 = 0;
        *pf2 = 0;
        *pf3 = 0;
        no_header_reply_ = false;
        return SMFIS_CONTINUE;
    }
    auto n = uun::filter::negotiate(f0, f1, false, transport_);
    n.steps &= ~clear_steps_;
    n.no_header_reply = (n.steps & SMFIP_NR_HDR) != 0;
    *pf0 = n.actions;
    *pf1 = n.steps;
    *pf2 = 0;
    *pf3 = 0;
    no_header_reply_ = n.no_header_reply;  // the same answer for every connection
    if (n.symbol_list && !no_symlist_)
        smfi_setsymlist(ctx, SMFIM_EOH, const_cast<char*>("{i}"));
    return SMFIS_CONTINUE;
}

sfsistat on_header(SMFICTX*, char*, char*)
{
    return no_header_reply_ ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

sfsistat on_eoh(SMFICTX*)
{
    return SMFIS_ACCEPT;
}

}  // namespace

int main(int argc, char** argv)
{
    static const option long_options[] = {{"all-steps", no_argument, nullptr, 'a'},
                                           {"reply-headers", no_argument, nullptr, 'r'},
                                           {"clear-steps", required_argument, nullptr, 'c'},
                                           {"no-symlist", no_argument, nullptr, 'n'},
                                           {nullptr, 0, nullptr, 0}};
    for (int opt; (opt = getopt_long(argc, argv, "", long_options, nullptr)) != -1;) {
        switch (opt) {
        case 'a':
            all_steps_ = true;
            break;
        case 'r':
            clear_steps_ |= SMFIP_NR_HDR;
            break;
        case 'c':
            clear_steps_ |= std::strtoul(optarg, nullptr, 16);
            break;
        case 'n':
            no_symlist_ = true;
            break;
        default:
            return usage();
        }
    }
    if (optind + 1 != argc)
        return usage();
    transport_ = uun::filter::transport_of(argv[optind]);
    smfiDesc desc{};
    desc.xxfi_name = const_cast<char*>("bench-null-milter");
    desc.xxfi_version = SMFI_VERSION;
    desc.xxfi_flags = SMFIF_SETSYMLIST;
    desc.xxfi_header = on_header;
    desc.xxfi_eoh = on_eoh;
    desc.xxfi_negotiate = on_negotiate;
    if (smfi_register(desc) != MI_SUCCESS || smfi_setconn(argv[optind]) != MI_SUCCESS ||
        smfi_opensocket(1) != MI_SUCCESS) {
        std::fprintf(stderr, "bench-null-milter: libmilter refused %s\n", argv[optind]);
        return 1;
    }
    return smfi_main() == MI_SUCCESS ? 0 : 1;
}
