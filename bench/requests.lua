-- wrk script for python -m bench: requests from a file, one per line, and a JSON summary.
--
-- Each line: a path, then optional headers, separated by tabs:
--   /api/v1/clearance/E000042<TAB>Authorization: Bearer lms_...
-- The file is shuffled (deterministically) by the runner; each wrk thread walks it from
-- its own offset, so threads do not send the same request at the same time.

local requests = {}
local index = 0

function setup(thread)
  thread_count = (thread_count or 0) + 1
  thread:set("thread_number", thread_count)
end

function init(args)
  local file = args[1]
  for line in io.lines(file) do
    if line ~= "" then
      local fields = {}
      for field in string.gmatch(line, "[^\t]+") do
        table.insert(fields, field)
      end
      local headers = {}
      for i = 2, #fields do
        local name, value = string.match(fields[i], "^([^:]+):%s*(.*)$")
        headers[name] = value
      end
      table.insert(requests, wrk.format("GET", fields[1], headers))
    end
  end
  local n = thread_number or 1
  index = math.floor((n - 1) * #requests / 2) % #requests
end

function request()
  index = index % #requests + 1
  return requests[index]
end

function done(summary, latency, requests_)
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"mean": %.1f, "p50": %d, "p90": %d, "p99": %d, "p99.9": %d, "max": %d}}\n',
    summary.requests, summary.duration, summary.bytes,
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max))
end
