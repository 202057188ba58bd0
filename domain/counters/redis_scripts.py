"""The Lua scripts of the Redis counter store: one per operation, each on the keys of ONE campaign (they share
a hash tag, so every script runs on Redis Cluster), every key it touches declared in KEYS.

KEYS of the campaign scripts: 1 the counters hash (every counter as a field, plus the readiness marker),
2 the holds sorted set (order id scored by the unix second its entry ends), 3 the hold hash (order id ->
JSON entry), and 4 the set of applied returns (give_back only).

A hold entry is `{"s": state, "f": {field: amount}}`: state "h" held (judged by a reserve), "r" restored
from the ledger by a rebuild (not judged yet) or "c" committed (kept, without amounts, so that a repeated
commit, release or reserve of the order changes nothing until it is forgotten). Amounts travel as
decimal strings, never as Lua numbers (Lua would print large ones in floating point notation).

Every script answers "unready" when the counters hash lacks the readiness marker (the campaign was never
counted, or Redis lost its data): the adapter rebuilds the campaign from the ledger and runs it again.
All the checks of a script come before its first write.
"""

from __future__ import annotations

READY = "ready"
"""The field of the counters hash that says the campaign's counters are whole."""

_PRELUDE = """
local counters, holds, hold = KEYS[1], KEYS[2], KEYS[3]

local function ready()
  return redis.call('HEXISTS', counters, 'ready') == 1
end

local function subtract(fields)
  for field, amount in pairs(fields) do
    local left = redis.call('HINCRBY', counters, field, '-' .. amount)
    if left <= 0 then
      redis.call('HDEL', counters, field)
    end
  end
end

-- Drop the entries whose time is up; a hold gives back what it held. Returns how many holds expired.
local function purge(now)
  local ended = redis.call('ZRANGEBYSCORE', holds, '-inf', now)
  local expired = 0
  for _, order in ipairs(ended) do
    local raw = redis.call('HGET', hold, order)
    if raw then
      local entry = cjson.decode(raw)
      if entry.s ~= 'c' then
        subtract(entry.f)
        expired = expired + 1
      end
      redis.call('HDEL', hold, order)
    end
  end
  if #ended > 0 then
    redis.call('ZREMRANGEBYSCORE', holds, '-inf', now)
  end
  return expired
end
"""

RESERVE = (
    _PRELUDE
    + """
-- ARGV: now, order id, expires at, hold entry JSON, the checks JSON: a list of [limit name, field, ceiling,
-- wanted] (ceiling and wanted as decimal strings), in the order of domain.limits.exhausted_limit
local now, order, expires_at, entry_json = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if not ready() then
  return {'unready'}
end
purge(now)
local own = {}
local existing = redis.call('HGET', hold, order)
if existing then
  local entry = cjson.decode(existing)
  if entry.s == 'h' then
    -- held already (taken again for a late commit, say): not counted twice, made to last this long
    if tonumber(expires_at) > tonumber(redis.call('ZSCORE', holds, order) or '0') then
      redis.call('ZADD', holds, expires_at, order)
    end
  end
  if entry.s ~= 'r' then
    return {'again'}
  end
  -- restored from the ledger before this order was judged: judge it now, without its own amounts
  own = entry.f
end
for _, check in ipairs(cjson.decode(ARGV[5])) do
  local limit, field = check[1], check[2]
  local ceiling, wanted = tonumber(check[3]), tonumber(check[4])
  local taken = tonumber(redis.call('HGET', counters, field) or '0') - tonumber(own[field] or '0')
  if taken + wanted > ceiling then
    if existing then
      subtract(own)
      redis.call('HDEL', hold, order)
      redis.call('ZREM', holds, order)
    end
    return {'refused', limit, tostring(taken), check[4], check[3]}
  end
end
if existing then
  subtract(own)
end
local entry = cjson.decode(entry_json)
for field, amount in pairs(entry.f) do
  redis.call('HINCRBY', counters, field, amount)
end
redis.call('HSET', hold, order, entry_json)
redis.call('ZADD', holds, expires_at, order)
return {'held'}
"""
)

COMMIT = (
    _PRELUDE
    + """
-- ARGV: now, order id, the unix second the committed entry is forgotten at
local now, order, forget_at = ARGV[1], ARGV[2], ARGV[3]
if not ready() then
  return {'unready'}
end
purge(now)
local raw = redis.call('HGET', hold, order)
if not raw then
  return {'expired'}
end
if cjson.decode(raw).s == 'c' then
  return {'again'}
end
redis.call('HSET', hold, order, '{"s":"c","f":{}}')
redis.call('ZADD', holds, forget_at, order)
return {'committed'}
"""
)

RELEASE = (
    _PRELUDE
    + """
-- ARGV: now, order id, and for an expiry the unix second by which the expired hold ends (a hold that ends
-- later was taken again since, for a new reservation, and stays)
local now, order, ended_by = ARGV[1], ARGV[2], ARGV[3]
if not ready() then
  return {'unready'}
end
purge(now)
local raw = redis.call('HGET', hold, order)
if not raw then
  return {'none'}
end
local entry = cjson.decode(raw)
if entry.s == 'c' then
  return {'committed'}
end
if ended_by and tonumber(redis.call('ZSCORE', holds, order) or '0') > tonumber(ended_by) then
  return {'kept'}
end
subtract(entry.f)
redis.call('HDEL', hold, order)
redis.call('ZREM', holds, order)
return {'released'}
"""
)

GIVE_BACK = (
    _PRELUDE
    + """
-- KEYS[4]: the set of applied returns. ARGV: now, the return's member, JSON {field: amount}
local now, member, fields = ARGV[1], ARGV[2], ARGV[3]
if not ready() then
  return {'unready'}
end
purge(now)
if redis.call('SADD', KEYS[4], member) == 0 then
  return {'again'}
end
subtract(cjson.decode(fields))
return {'given'}
"""
)

USAGE = (
    _PRELUDE
    + """
-- ARGV: now, then the fields to read
if not ready() then
  return {'unready'}
end
purge(ARGV[1])
local values = {'ready'}
for index = 2, #ARGV do
  values[index] = redis.call('HGET', counters, ARGV[index]) or '0'
end
return values
"""
)

SWEEP = (
    _PRELUDE
    + """
-- ARGV: now
if not ready() then
  return {'unready', 0}
end
return {'swept', purge(ARGV[1])}
"""
)

REBUILD = """
-- KEYS: counters, holds, hold, returns. ARGV: number of counters, then field, amount per counter, then the
-- number of applied returns and their members, then order id, expires at, entry JSON per hold. Writes
-- only if the campaign is still not ready (whoever rebuilds first wins; the others change nothing),
-- replacing whatever was left of the campaign's keys.
local counters, holds, hold, returns = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
if redis.call('HEXISTS', counters, 'ready') == 1 then
  return 0
end
redis.call('DEL', counters, holds, hold, returns)
local fields = tonumber(ARGV[1])
for index = 0, fields - 1 do
  redis.call('HSET', counters, ARGV[2 + index * 2], ARGV[3 + index * 2])
end
local at = 2 + fields * 2
local applied = tonumber(ARGV[at])
for index = 1, applied do
  redis.call('SADD', returns, ARGV[at + index])
end
for entry = at + applied + 1, #ARGV, 3 do
  redis.call('ZADD', holds, ARGV[entry + 1], ARGV[entry])
  redis.call('HSET', hold, ARGV[entry], ARGV[entry + 2])
end
redis.call('HSET', counters, 'ready', '1')
return 1
"""

FAILURES = """
-- KEYS[1]: the attempts sorted set. ARGV: the oldest instant still in the window (exclusive)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
return redis.call('ZCARD', KEYS[1])
"""

RECORD_FAILURE = """
-- KEYS[1]: the attempts sorted set. ARGV: the oldest instant still in the window (exclusive), now, a
-- unique member, the window in milliseconds, how many attempts to keep at most
local key = KEYS[1]
redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[1])
redis.call('ZADD', key, ARGV[2], ARGV[3])
redis.call('ZREMRANGEBYRANK', key, 0, -1 - tonumber(ARGV[5]))
redis.call('PEXPIRE', key, ARGV[4])
return redis.call('ZCARD', key)
"""
