-- wrk script of the load scripts (compare.sh, secure-test.sh): POSTs the file $BODY as
-- Content-Type $CTYPE, with Inference-Header-Content-Length $HLEN (the binary extension) and
-- Authorization $AUTH when set; prints one line "RESULT requests duration_us p50_us p99_us errors".
local f = assert(io.open(os.getenv("BODY"), "rb"))
wrk.body = f:read("*a")
f:close()
wrk.method = "POST"
wrk.headers["Content-Type"] = os.getenv("CTYPE")
local h = os.getenv("HLEN")
if h ~= nil and h ~= "" then wrk.headers["Inference-Header-Content-Length"] = h end
local a = os.getenv("AUTH")
if a ~= nil and a ~= "" then wrk.headers["Authorization"] = a end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %.1f %.1f %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.connect + e.read + e.write + e.status + e.timeout))
end
