-- wrk script for http-vs-etcd.sh: 100-byte writes or linearizable reads over a key space, against sansraft's
-- HTTP API or etcd's v3 JSON gateway.
--   wrk ... -s http-vs-etcd.lua http://HOST:PORT -- <sansraft|etcd> <put|get> <keys>
-- Every request is built once in init() (wrk's advice: building requests in request() costs the load generator
-- CPU that the server under test then does not get). Thread t of T cycles through keys t, t+T, t+2T, ..., so a
-- write run touches every key and a later read run finds each one.

local threadCount = 0

function setup(thread)
   thread:set("tid", threadCount)
   threadCount = threadCount + 1
end

local b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

local function base64(s)
   local out = {}
   for i = 1, #s, 3 do
      local a, b, c = s:byte(i, i + 2)
      local n = a * 65536 + (b or 0) * 256 + (c or 0)
      local c1 = math.floor(n / 262144) % 64
      local c2 = math.floor(n / 4096) % 64
      local c3 = math.floor(n / 64) % 64
      local c4 = n % 64
      out[#out + 1] = b64chars:sub(c1 + 1, c1 + 1) .. b64chars:sub(c2 + 1, c2 + 1)
         .. (b and b64chars:sub(c3 + 1, c3 + 1) or "=") .. (c and b64chars:sub(c4 + 1, c4 + 1) or "=")
   end
   return table.concat(out)
end

local requests = {}
local next = 1

function init(args)
   local system, op, keys = args[1], args[2], tonumber(args[3] or "1000")
   -- wrk gives each thread its id through setup(); the thread count comes from the environment (the shell
   -- script passes the same -t it gives wrk).
   local threads = tonumber(os.getenv("WRK_THREADS") or "2")
   local value = string.rep("v", 100)
   local valueB64 = base64(value)
   for k = tid, keys - 1, threads do
      local key = string.format("key-%06d", k)
      local r
      if system == "sansraft" then
         if op == "put" then
            r = wrk.format("PUT", "/kv/" .. key, {["Content-Type"] = "application/octet-stream"}, value)
         else
            r = wrk.format("GET", "/kv/" .. key, nil, nil)
         end
      else
         local path = op == "put" and "/v3/kv/put" or "/v3/kv/range"
         local body = op == "put"
            and ('{"key":"' .. base64(key) .. '","value":"' .. valueB64 .. '"}')
            or ('{"key":"' .. base64(key) .. '"}')
         r = wrk.format("POST", path, {["Content-Type"] = "application/json"}, body)
      end
      requests[#requests + 1] = r
   end
end

function request()
   local r = requests[next]
   next = next + 1
   if next > #requests then
      next = 1
   end
   return r
end

function done(summary, latency, requests)
   local e = summary.errors
   local seconds = summary.duration / 1e6
   io.write(string.format("RESULT ops=%d seconds=%.2f ops_per_s=%.0f p50_ms=%.2f p99_ms=%.2f errors=%d non2xx=%d\n",
      summary.requests, seconds, summary.requests / seconds, latency:percentile(50) / 1000,
      latency:percentile(99) / 1000, e.connect + e.read + e.write + e.timeout, e.status))
end
