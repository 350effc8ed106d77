package redisstore

// admitLua decides one request atomically: backlog first, then the quota,
// then the GCRA buckets (all or none), then the commit. Numbers written to
// Redis are formatted explicitly: Lua's default rendering of a large number
// would lose digits.
//
// KEYS[1] quota counter, KEYS[2] day record (hash: u = used, r = remaining),
// KEYS[3] and KEYS[4] the same for the backlog, KEYS[5] the backlog's batch
// ID (set when counted: a batch is counted once; kept as long as its
// records), KEYS[6..] the buckets.
// ARGV[1] now (µs), ARGV[2] limit (< 0: none), ARGV[3] n (< 0: refund),
// ARGV[4] quota TTL (s), ARGV[5] day TTL, ARGV[6] backlog n,
// ARGV[7] backlog quota TTL, ARGV[8] backlog day TTL,
// ARGV[9] "1" to compute the first bucket's tokens, then for each bucket its
// emission interval (µs per token) and burst.
//
// Returns {outcome (0 admitted, 1 throttled, 2 quota exceeded), retry-after
// (µs), remaining (-1: no quota), tokens (-1: not computed)}, and when
// throttled a fifth element: the bucket that refused (1 the first).
const admitLua = `
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local bn = tonumber(ARGV[6])
if bn > 0 and redis.call('SET', KEYS[5], '1', 'NX', 'EX',
    math.max(tonumber(ARGV[7]), tonumber(ARGV[8]))) then
  redis.call('INCRBY', KEYS[3], ARGV[6])
  redis.call('EXPIRE', KEYS[3], ARGV[7])
  redis.call('HINCRBY', KEYS[4], 'u', ARGV[6])
  redis.call('EXPIRE', KEYS[4], ARGV[8])
end

local function count()
  local used = redis.call('INCRBY', KEYS[1], ARGV[3])
  redis.call('EXPIRE', KEYS[1], ARGV[4])
  local rem = -1
  if limit >= 0 then rem = limit - used end
  redis.call('HINCRBY', KEYS[2], 'u', ARGV[3])
  redis.call('HSET', KEYS[2], 'r', string.format('%d', rem))
  redis.call('EXPIRE', KEYS[2], ARGV[5])
  return rem
end

if n < 0 then
  return {0, 0, count(), -1}
end
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if limit >= 0 and used + n > limit then
  local rem = limit - used
  if rem < 0 then rem = 0 end
  return {2, 0, rem, -1}
end

local nb = #KEYS - 5
local tats = {}
local wait, refused = 0, 0
for i = 1, nb do
  local t = tonumber(ARGV[8 + 2 * i])
  local b = tonumber(ARGV[9 + 2 * i])
  local tat = tonumber(redis.call('GET', KEYS[5 + i]) or '0')
  if tat < now then tat = now end
  local new = tat + t * n
  local w = new - b * t - now
  if w > wait then wait, refused = w, i end
  tats[i] = new
end
if wait > 0 then
  return {1, math.ceil(wait), -1, -1, refused}
end

local rem = count()
local tokens = -1
for i = 1, nb do
  local t = tonumber(ARGV[8 + 2 * i])
  -- Kept a minute past the moment the bucket is full again, a margin for
  -- replicas' clocks (and tests' simulated ones) running apart from real time.
  local ttl = math.ceil((tats[i] - now) / 1000) + 60000
  redis.call('SET', KEYS[5 + i], string.format('%.17g', tats[i]), 'PX', string.format('%d', ttl))
  if i == 1 and ARGV[9] == '1' and t > 0 then
    tokens = math.floor((now + tonumber(ARGV[9 + 2 * i]) * t - tats[i]) / t)
  end
end
return {0, 0, rem, tokens}
`

// setRemainingLua is UpdateUsage: KEYS[1] quota counter, KEYS[2] day
// record; ARGV[1] used, ARGV[2] remaining, ARGV[3] quota TTL (s), ARGV[4]
// day TTL.
const setRemainingLua = `
redis.call('SET', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('HSETNX', KEYS[2], 'u', '0')
redis.call('HSET', KEYS[2], 'r', ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return 1
`

// usageLua reads day records: KEYS are the records; it returns a flat list
// of used and remaining per key, remaining -2 for a day without a record.
const usageLua = `
local out = {}
for i, k in ipairs(KEYS) do
  local v = redis.call('HMGET', k, 'u', 'r')
  if v[1] or v[2] then
    out[2 * i - 1] = tonumber(v[1] or '0')
    out[2 * i] = tonumber(v[2] or '-1')
  else
    out[2 * i - 1] = 0
    out[2 * i] = -2
  end
end
return out
`
