-- wrk script for the poll-rate benchmark: POST /v1/poll with the bodies in
-- the file named by the environment variable BENCH_BODIES (one JSON per
-- line), each thread walking the list from its own place. Every response
-- that is not 200 is counted by wrk as a non-2xx answer.
local bodies = {}
local next_body = 1

function init(args)
  for line in io.lines(os.getenv("BENCH_BODIES")) do
    bodies[#bodies + 1] = line
  end
  next_body = math.random(#bodies)
end

function request()
  local body = bodies[next_body]
  next_body = next_body % #bodies + 1
  local headers = {["Content-Type"] = "application/json"}
  if os.getenv("BENCH_CLOSE") == "1" then
    headers["Connection"] = "close"
  end
  return wrk.format("POST", "/v1/poll", headers, body)
end
