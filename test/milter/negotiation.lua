-- What uun-milter asks of the MTA: every step it does not need is negotiated
-- away; the body only when a body variant is on (-D want_body=1); on a TCP
-- socket (-D tcp=1) the DATA step is kept (Nagle; see milter/filter/negotiate.hpp).
dofile(lib)
tcp = tcp or "0"

local conn = open_conn()
local away = {
  {"SMFIP_NOCONNECT", SMFIP_NOCONNECT}, {"SMFIP_NOHELO", SMFIP_NOHELO},
  {"SMFIP_NOMAIL", SMFIP_NOMAIL}, {"SMFIP_NORCPT", SMFIP_NORCPT},
  {"SMFIP_NOUNKNOWN", SMFIP_NOUNKNOWN},
  {"SMFIP_NR_HDR", SMFIP_NR_HDR}, {"SMFIP_SKIP", SMFIP_SKIP},
}
for _, o in ipairs(away) do
  expect("negotiated " .. o[1], mt.test_option(conn, o[2]), true)
end
expect("DATA negotiated away on a unix socket only (tcp=" .. tcp .. ")",
       mt.test_option(conn, SMFIP_NODATA), tcp ~= "1")
expect("headers are kept", mt.test_option(conn, SMFIP_NOHDRS), false)
expect("end of headers is kept", mt.test_option(conn, SMFIP_NOEOH), false)
expect("body requested only with a body variant (want_body=" .. want_body .. ")",
       not mt.test_option(conn, SMFIP_NOBODY), want_body == "1")
for _, a in ipairs({SMFIF_ADDHDRS, SMFIF_CHGHDRS, SMFIF_CHGBODY, SMFIF_ADDRCPT, SMFIF_DELRCPT,
                    SMFIF_QUARANTINE, SMFIF_CHGFROM}) do
  expect("no right to change mail (" .. a .. ")", mt.test_action(conn, a), false)
end
mt.disconnect(conn)
