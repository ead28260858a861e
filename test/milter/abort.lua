-- Several messages on one connection, one of them aborted half way (as
-- Postfix does on RSET or a lost client): nothing of the aborted message
-- may leak into the next. Globals: hdr (a valid X-UUN value).
dofile(lib)

local conn = open_conn()
if mt.macro(conn, 78, "i", "ABORTED") ~= nil or mt.header(conn, "X-UUN", "garbage") ~= nil then
  fail("sending the first header failed")
end
if mt.abort(conn) ~= nil then
  fail("mt.abort failed")
end
expect("mail after an abort", reply_name(send_headers(conn, "AFTER1", {{"From", "a@example.com"}})), "ACCEPT")
mt.abort(conn)
expect("UUN after an abort (not 'more than one')", reply_name(send_headers(conn, "AFTER2", {{"X-UUN", hdr}})),
       "DISCARD")
mt.abort(conn)
expect("mail after a UUN", reply_name(send_headers(conn, "AFTER3", {{"Subject", "x"}})), "ACCEPT")
mt.disconnect(conn)
-- A connection dropped in the middle of a message must be freed too.
local dropped = open_conn()
mt.header(dropped, "X-UUN", "half a message")
mt.disconnect(dropped, false)
