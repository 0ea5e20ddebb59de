-- wrk script of the load scripts (compare.sh, secure-test.sh, observability-test.sh): POSTs the
-- file $BODY as Content-Type $CTYPE, with Inference-Header-Content-Length $HLEN (the binary
-- extension) and Authorization $AUTH when set; prints one line "RESULT requests duration_us p50_us
-- p99_us errors". With UNIQUE=1 every request is different: its last 8 bytes (the last two FP32
-- elements of a binary body) carry a counter, seeded from the clock so that separate runs of wrk
-- never repeat one another's requests (what a response cache must miss). UNIQUE=same builds every
-- request the same way but with one fixed value: the same client work per request as UNIQUE=1
-- for the same request each time (what a response cache hits), so the two compare fairly.
local f = assert(io.open(os.getenv("BODY"), "rb"))
wrk.body = f:read("*a")
f:close()
wrk.method = "POST"
wrk.headers["Content-Type"] = os.getenv("CTYPE")
local h = os.getenv("HLEN")
if h ~= nil and h ~= "" then wrk.headers["Inference-Header-Content-Length"] = h end
local a = os.getenv("AUTH")
if a ~= nil and a ~= "" then wrk.headers["Authorization"] = a end

local unique = os.getenv("UNIQUE")
if unique == "1" or unique == "same" then
  local prefix = string.sub(wrk.body, 1, #wrk.body - 8)
  local counter = os.time() * 1048576 -- 2^20 requests a second at most before runs could overlap
  -- a float in [0.5, 1) whose 23 mantissa bits are the low bits of n (always finite, never NaN)
  local function float(n)
    local m = n % 8388608
    return string.char(m % 256, math.floor(m / 256) % 256, math.floor(m / 65536), 0x3f)
  end
  request = function()
    if unique == "1" then counter = counter + 1 end
    local body = prefix .. float(counter) .. float(math.floor(counter / 8388608))
    return wrk.format(nil, nil, nil, body)
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %.1f %.1f %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.connect + e.read + e.write + e.status + e.timeout))
end
