/**
 * The Lua scripts behind the Redis store. Each runs atomically on the server, so a write is one
 * step: precondition checks, revision bump, object, indexes and outbox entry, or nothing at all.
 *
 * Every key a script touches arrives in KEYS and shares the cluster's hash tag, so the scripts work
 * unchanged on Redis Cluster (one slot per Skiff cluster).
 */

/**
 * write(mode, ...): create | update | delete.
 *
 * KEYS: 1 revision counter, 2 objects hash, 3 versions hash, 4 key index (zset), 5 outbox stream,
 *       6 new node index (pods; else unused), 7 old node index (pods; else unused), 8 leases hash (fence)
 * ARGV: 1 mode, 2 field (`ns/name`), 3 expected revision, 4 json head, 5 json tail,
 *       6 resource, 7 namespace, 8 name, 9 new node, 10 node-indexed ('1' for pods),
 *       11 fence lease field ('' = no fence), 12 fence holder, 13 fence transitions,
 *       14 outbox event type, 15 previous version's selectable summary ('' = none)
 * Returns {status, revision}: status 'ok' | 'exists' | 'not-found' | 'conflict' | 'fenced'.
 */
export const WRITE_SCRIPT = `
local mode = ARGV[1]
local field = ARGV[2]

if ARGV[11] ~= '' then
  local lease = redis.call('HGET', KEYS[8], ARGV[11])
  if not lease then return {'fenced', 0} end
  local ok, obj = pcall(cjson.decode, lease)
  if not ok or type(obj) ~= 'table' or type(obj['spec']) ~= 'table' then return {'fenced', 0} end
  local spec = obj['spec']
  local transitions = spec['leaseTransitions']
  if type(transitions) ~= 'number' then transitions = 0 end
  if spec['holderIdentity'] ~= ARGV[12] or tostring(transitions) ~= ARGV[13] then return {'fenced', 0} end
end

local current = redis.call('HGET', KEYS[3], field)
if mode == 'create' then
  if current then return {'exists', tonumber(current)} end
else
  if not current then return {'not-found', 0} end
  if tonumber(current) ~= tonumber(ARGV[3]) then return {'conflict', tonumber(current)} end
end

local rev = redis.call('INCR', KEYS[1])
local json = ARGV[4] .. rev .. ARGV[5]

if mode == 'delete' then
  redis.call('HDEL', KEYS[2], field)
  redis.call('HDEL', KEYS[3], field)
  redis.call('ZREM', KEYS[4], field)
  if ARGV[10] == '1' then redis.call('ZREM', KEYS[7], field) end
else
  redis.call('HSET', KEYS[2], field, json)
  redis.call('HSET', KEYS[3], field, rev)
  if mode == 'create' then redis.call('ZADD', KEYS[4], 0, field) end
  if ARGV[10] == '1' then
    if mode == 'update' and KEYS[7] ~= KEYS[6] then redis.call('ZREM', KEYS[7], field) end
    redis.call('ZADD', KEYS[6], 0, field)
  end
end

redis.call('XADD', KEYS[5], '*', 'r', rev, 't', ARGV[14], 'res', ARGV[6], 'ns', ARGV[7], 'nm', ARGV[8], 'nd', ARGV[9], 'o', json, 'pv', ARGV[15])
return {'ok', rev}
`;

/**
 * list: one consistent page.
 *
 * KEYS: 1 revision counter, 2 index (key index or node index), 3 objects hash
 * ARGV: 1 lex min, 2 lex max, 3 limit (0 = all)
 * Returns {revision, more ('' or last key), json...}.
 */
export const LIST_SCRIPT = `
local limit = tonumber(ARGV[3])
local fields
if limit > 0 then
  fields = redis.call('ZRANGEBYLEX', KEYS[2], ARGV[1], ARGV[2], 'LIMIT', 0, limit + 1)
else
  fields = redis.call('ZRANGEBYLEX', KEYS[2], ARGV[1], ARGV[2])
end
local more = ''
if limit > 0 and #fields > limit then
  fields[#fields] = nil
  more = fields[#fields]
end
local out = {redis.call('GET', KEYS[1]) or '0', more}
-- HMGET in chunks: unpack() of thousands of arguments overflows the Lua stack.
local chunk = 500
for i = 1, #fields, chunk do
  local last = math.min(i + chunk - 1, #fields)
  local values = redis.call('HMGET', KEYS[3], unpack(fields, i, last))
  for j = 1, #values do
    if values[j] then out[#out + 1] = values[j] end
  end
end
return out
`;

/**
 * ackOutbox: advances the relay cursor (never backwards) and trims what it passed.
 *
 * KEYS: 1 cursor, 2 outbox stream
 * ARGV: 1 acknowledged id (`ms-seq`)
 */
export const ACK_SCRIPT = `
local function newer(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  am = tonumber(am); as = tonumber(as); bm = tonumber(bm); bs = tonumber(bs)
  return am > bm or (am == bm and as > bs)
end
local current = redis.call('GET', KEYS[1])
if current and not newer(ARGV[1], current) then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
local ms, seq = string.match(ARGV[1], '^(%d+)-(%d+)$')
redis.call('XTRIM', KEYS[2], 'MINID', ms .. '-' .. (tonumber(seq) + 1))
return 1
`;

/**
 * raiseRevision: lifts the revision counter to a floor (never lowers it).
 * KEYS: 1 revision counter; ARGV: 1 floor. Returns the revision after.
 */
export const RAISE_SCRIPT = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local floor = tonumber(ARGV[1])
if floor > current then
  redis.call('SET', KEYS[1], floor)
  return floor
end
return current
`;

/**
 * renewLease: takes the relay lease when free, renews it when held by the same owner.
 * KEYS: 1 lease; ARGV: 1 owner, 2 ttl ms. Returns 1 when the owner holds it.
 */
export const LEASE_SCRIPT = `
local holder = redis.call('GET', KEYS[1])
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`;

/** releaseLease: drops the relay lease only when `owner` holds it. KEYS: 1 lease; ARGV: 1 owner. */
export const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`;
