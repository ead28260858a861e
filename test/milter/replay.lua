-- The same UUN three times: twice on one connection, once on another. All
-- are discarded; the suite checks that only one trigger was written.
-- Globals: hdr.
dofile(lib)

local conn = open_conn()
expect("first delivery", reply_name(send_headers(conn, "FIRST", {{"X-UUN", hdr}})), "DISCARD")
mt.abort(conn)
expect("replay on the same connection", reply_name(send_headers(conn, "SECOND", {{"X-UUN", hdr}})), "DISCARD")
mt.disconnect(conn)
local other = open_conn()
expect("replay on another connection", reply_name(send_headers(other, "THIRD", {{"X-UUN", hdr}})), "DISCARD")
mt.disconnect(other)
