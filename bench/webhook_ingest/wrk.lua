-- Cycles through pre-signed bodies (one "signature<TAB>body" per line) so each request is a distinct event.
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

function init(args)
  sigs, bodies = {}, {}
  for line in io.lines(os.getenv("BENCH_BODIES")) do
    local tab = line:find("\t", 1, true)
    sigs[#sigs + 1] = line:sub(1, tab - 1)
    bodies[#bodies + 1] = line:sub(tab + 1)
  end
  step = tonumber(os.getenv("BENCH_THREADS"))
  -- BENCH_OFFSET: where in the list this run starts, so a second run posts new events, not duplicates.
  i = tid + tonumber(os.getenv("BENCH_OFFSET") or "0")
  path = os.getenv("BENCH_PATH")
end

function request()
  local k = (i % #bodies) + 1
  i = i + step
  return wrk.format("POST", path, {["Content-Type"] = "application/json", ["X-Hub-Signature-256"] = sigs[k]}, bodies[k])
end
