-- wrk script for bench/load_mixed.py: rotate over the requests listed in the file named by
-- $WRK_REQUESTS (one per line: METHOD <tab> PATH [<tab> BODY_FILE]) and print the latency
-- distribution and error counts as one JSON line when the run ends.
local requests = {}
local position = 0

local function read_file(name)
  local handle = assert(io.open(name, "rb"))
  local data = handle:read("*a")
  handle:close()
  return data
end

local function load_requests()
  for line in io.lines(os.getenv("WRK_REQUESTS")) do
    local method, path, body_file = line:match("^(%S+)\t([^\t]+)\t?(.*)$")
    local body = nil
    local headers = {}
    if body_file ~= nil and body_file ~= "" then
      body = read_file(body_file)
      headers["Content-Type"] = "application/json"
    end
    table.insert(requests, wrk.format(method, path, headers, body))
  end
end

init = function(args)
  load_requests()
  -- Threads (and the several wrk processes of one run) start at different offsets.
  position = tonumber(os.getenv("WRK_OFFSET") or "0") % #requests
end

request = function()
  position = position % #requests + 1
  return requests[position]
end

done = function(summary, latency, requests_)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "bytes": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "connect": %d, "read": %d, "write": %d, "status": %d, ' ..
    '"timeout": %d}\n',
    summary.requests, summary.bytes, summary.duration, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.max, e.connect, e.read, e.write,
    e.status, e.timeout))
end
