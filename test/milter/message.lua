-- One message on a new connection. Globals (-D): qid; headers h1n/h1v ..
-- h4n/h4v; want (the answer to end of headers, e.g. ACCEPT); and for the
-- body variants body, want_eom and eom_reply (the full SMTP reply expected
-- at end of message, e.g. "550 5.7.1 Invalid UUN ...").
dofile(lib)

local headers = {}
for i = 1, 4 do
  local name = _G["h" .. i .. "n"]
  if name ~= nil then
    table.insert(headers, {name, _G["h" .. i .. "v"]})
  end
end

local conn = open_conn()
expect("end of headers", reply_name(send_headers(conn, qid, headers)), want)
if body ~= nil then
  if mt.bodystring(conn, body) ~= nil then
    fail("mt.bodystring failed")
  end
  if mt.eom(conn) ~= nil then
    fail("mt.eom failed")
  end
  expect("end of message", reply_name(mt.getreply(conn)), want_eom)
  if eom_reply ~= nil then
    local code, xcode, text = eom_reply:match("^(%d+) ([%d.]+) (.*)$")
    expect("reply " .. eom_reply, mt.eom_check(conn, MT_SMTPREPLY, code, xcode, text), true)
  end
end
mt.disconnect(conn)
