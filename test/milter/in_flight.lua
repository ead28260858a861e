-- One message whose end of headers waits for the shell: the connection is
-- negotiated and the headers sent, then the script writes the file `ready`
-- and waits (up to 20 s) until the file `go` exists before end of headers.
-- Globals (-D): qid, h1n/h1v, want (the answer to end of headers), ready, go.
dofile(lib)

local function exists(path)
  local f = io.open(path, "r")
  if f ~= nil then
    f:close()
    return true
  end
  return false
end

local conn = open_conn()
if mt.macro(conn, 78, "i", qid) ~= nil then
  fail("mt.macro failed")
end
if mt.header(conn, h1n, h1v) ~= nil then
  fail("mt.header failed")
end
local f = io.open(ready, "w")
f:write("headers sent\n")
f:close()
local waited = 0
while not exists(go) do
  if waited >= 200 then
    fail("the shell never wrote " .. go)
  end
  os.execute("sleep 0.1")
  waited = waited + 1
end
if mt.eoh(conn) ~= nil then
  fail("mt.eoh failed")
end
expect("end of headers", reply_name(mt.getreply(conn)), want)
mt.disconnect(conn)
