-- Shared by the test/milter Lua scripts (loaded with dofile(lib)). miltertest
-- does not print the text of error(), so every failure is echoed first.

reply_names = {
  [SMFIR_ACCEPT] = "ACCEPT", [SMFIR_CONTINUE] = "CONTINUE", [SMFIR_DISCARD] = "DISCARD",
  [SMFIR_REJECT] = "REJECT", [SMFIR_TEMPFAIL] = "TEMPFAIL", [SMFIR_REPLYCODE] = "REPLYCODE",
  [SMFIR_SKIP] = "SKIP",
}

function reply_name(code)
  return reply_names[code] or ("code " .. tostring(code))
end

function fail(message)
  mt.echo("FAIL: " .. message)
  error(message)
end

function expect(label, got, want)
  if got ~= want then
    fail(label .. ": got " .. tostring(got) .. ", want " .. tostring(want))
  end
  mt.echo("ok: " .. label)
end

function expect_reply(label, conn, want)
  local got = mt.getreply(conn)
  if got ~= want then
    fail(label .. ": got reply " .. reply_name(got) .. ", want " .. reply_name(want))
  end
  mt.echo("ok: " .. label .. " -> " .. reply_name(got))
end

-- A new connection, negotiated with everything a modern MTA offers.
function open_conn()
  local conn = mt.connect(socket, 40, 0.25)
  if conn == nil then
    fail("cannot connect to " .. socket)
  end
  if mt.negotiate(conn, nil, nil, nil) ~= nil then
    fail("negotiation failed")
  end
  return conn
end

-- Sends the queue id macro, the headers ({name, value} pairs) and end of
-- headers; returns the filter's answer to end of headers.
local SMFIC_EOH = 78  -- 'N': macros sent with end of headers

function send_headers(conn, qid, headers)
  if qid ~= nil and mt.macro(conn, SMFIC_EOH, "i", qid) ~= nil then
    fail("mt.macro failed")
  end
  for _, h in ipairs(headers) do
    if mt.header(conn, h[1], h[2]) ~= nil then
      fail("mt.header(" .. h[1] .. ") failed")
    end
  end
  if mt.eoh(conn) ~= nil then
    fail("mt.eoh failed")
  end
  return mt.getreply(conn)
end
