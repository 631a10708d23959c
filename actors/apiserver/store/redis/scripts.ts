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
 *       6 new node index (pods; else unused), 7 old node index (pods; else unused), 8 leases hash (fence),
 *       9 tombstones (zset `ns/name` -> deletion revision), 10 highest trimmed tombstone revision,
 *       11 claims hash (claim -> owner `resource/ns/name`)
 * ARGV: 1 mode, 2 field (`ns/name`), 3 expected revision, 4 json head, 5 json tail,
 *       6 resource, 7 namespace, 8 name, 9 new node, 10 node-indexed ('1' for pods),
 *       11 fence lease field ('' = no fence), 12 fence holder, 13 fence transitions,
 *       14 outbox event type, 15 previous version's selectable summary ('' = none),
 *       16 tombstones kept per resource, 17 claims to take, 18 claims to release (each '\n'-separated)
 * Returns {status, revision[, claim]}: status 'ok' | 'exists' | 'not-found' | 'conflict' | 'fenced' |
 * 'claimed' (with the claim another object holds).
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

-- Claims: every one to take must be free or already this object's; checked before anything changes.
local owner = ARGV[6] .. '/' .. field
local function split(text)
  local out = {}
  for claim in string.gmatch(text, '[^\\n]+') do out[#out + 1] = claim end
  return out
end
local takes, releases = split(ARGV[17]), split(ARGV[18])
for _, claim in ipairs(takes) do
  local holder = redis.call('HGET', KEYS[11], claim)
  if holder and holder ~= owner then return {'claimed', 0, claim} end
end

local rev = redis.call('INCR', KEYS[1])
local json = ARGV[4] .. rev .. ARGV[5]

for _, claim in ipairs(releases) do
  if redis.call('HGET', KEYS[11], claim) == owner then redis.call('HDEL', KEYS[11], claim) end
end
for _, claim in ipairs(takes) do redis.call('HSET', KEYS[11], claim, owner) end

-- A key leaving a list range (deleted, or a pod leaving a node index) leaves a tombstone, so a
-- continue page of an older snapshot can tell that its range changed (LIST_SCRIPT). Only the
-- newest are kept; the highest revision trimmed away says which snapshots can no longer be proven.
local function tombstone()
  redis.call('ZADD', KEYS[9], rev, field)
  local excess = redis.call('ZCARD', KEYS[9]) - tonumber(ARGV[16])
  if excess > 0 then
    local oldest = redis.call('ZRANGE', KEYS[9], excess - 1, excess - 1, 'WITHSCORES')
    redis.call('ZREMRANGEBYRANK', KEYS[9], 0, excess - 1)
    if tonumber(oldest[2]) > tonumber(redis.call('GET', KEYS[10]) or '0') then
      redis.call('SET', KEYS[10], oldest[2])
    end
  end
end

if mode == 'delete' then
  redis.call('HDEL', KEYS[2], field)
  redis.call('HDEL', KEYS[3], field)
  redis.call('ZREM', KEYS[4], field)
  if ARGV[10] == '1' then redis.call('ZREM', KEYS[7], field) end
  tombstone()
else
  redis.call('HSET', KEYS[2], field, json)
  redis.call('HSET', KEYS[3], field, rev)
  if mode == 'create' then redis.call('ZADD', KEYS[4], 0, field) end
  if ARGV[10] == '1' then
    if mode == 'update' and KEYS[7] ~= KEYS[6] then
      redis.call('ZREM', KEYS[7], field)
      tombstone()
    end
    redis.call('ZADD', KEYS[6], 0, field)
  end
end

redis.call('XADD', KEYS[5], '*', 'r', rev, 't', ARGV[14], 'res', ARGV[6], 'ns', ARGV[7], 'nm', ARGV[8], 'nd', ARGV[9], 'o', json, 'pv', ARGV[15])
return {'ok', rev}
`;

/**
 * list: one page, bounded by count and bytes; a continue page only when it is consistent with the
 * snapshot it continues.
 *
 * KEYS: 1 revision counter, 2 index (key index or node index), 3 objects hash, 4 versions hash,
 *       5 tombstones (zset), 6 highest trimmed tombstone revision
 * ARGV: 1 lex min, 2 lex max (ZRANGEBYLEX syntax), 3 limit (0 = none), 4 max bytes (0 = none),
 *       5 snapshot revision ('' = a first page, read now)
 * Returns {'ok', revision, more ('' or last key), json...} or {'expired', revision}.
 *
 * A continue page at revision rv is served only when nothing in its range changed after rv:
 * every item on it has a stored revision <= rv (creates and updates show up here), and no
 * tombstone newer than rv lies in the range (deletes; a pod leaving a node index). The range is
 * from ARGV[1] to the page's last key, or to ARGV[2] on the last page: keys past the cut are the
 * next page's to check. Tombstones are per resource, so a node-filtered page may see a pod
 * of another node as a change: a needless 410, never an inconsistent page.
 */
export const LIST_SCRIPT = `
local limit = tonumber(ARGV[3])
local maxBytes = tonumber(ARGV[4])
local rv = tonumber(ARGV[5]) -- nil for a first page

-- Byte order, as ZRANGEBYLEX sorts: Lua's '<' on strings follows the server's locale (strcoll).
local function before(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end
-- Whether a key lies within a ZRANGEBYLEX bound pair ('-', '+', '[key' inclusive, '(key' exclusive).
local function above(key, min)
  if min == '-' then return true end
  local bound = string.sub(min, 2)
  if string.sub(min, 1, 1) == '[' then return not before(key, bound) end
  return before(bound, key)
end
local function below(key, max)
  if max == '+' then return true end
  local bound = string.sub(max, 2)
  if string.sub(max, 1, 1) == '[' then return not before(bound, key) end
  return before(key, bound)
end

-- Read keys in chunks, so a page bounded by bytes costs what it returns, not the whole range.
local items, fields = {}, {}
local bytes, more, from, done = 0, '', ARGV[1], false
while not done do
  local want = 256
  if limit > 0 then want = math.min(want, limit - #items + 1) end
  local keys = redis.call('ZRANGEBYLEX', KEYS[2], from, ARGV[2], 'LIMIT', 0, want)
  if #keys == 0 then break end
  local values = redis.call('HMGET', KEYS[3], unpack(keys))
  for i = 1, #keys do
    local value = values[i]
    if value then
      local size = #value
      if #items > 0 then size = size + 1 end
      if #items > 0 and ((limit > 0 and #items >= limit) or (maxBytes > 0 and bytes + size > maxBytes)) then
        more = fields[#fields]
        done = true
        break
      end
      items[#items + 1] = value
      fields[#fields + 1] = keys[i]
      bytes = bytes + size
    end
  end
  if #keys < want then break end
  from = '(' .. keys[#keys]
end

local revision = redis.call('GET', KEYS[1]) or '0'
if rv then
  revision = rv
  if tonumber(redis.call('GET', KEYS[6]) or '0') > rv then return {'expired', rv} end
  for i = 1, #fields, 500 do
    local versions = redis.call('HMGET', KEYS[4], unpack(fields, i, math.min(i + 499, #fields)))
    for j = 1, #versions do
      if versions[j] and tonumber(versions[j]) > rv then return {'expired', rv} end
    end
  end
  local upper = ARGV[2]
  if more ~= '' then upper = '[' .. more end
  local deleted = redis.call('ZRANGEBYSCORE', KEYS[5], '(' .. rv, '+inf')
  for i = 1, #deleted do
    if above(deleted[i], ARGV[1]) and below(deleted[i], upper) then return {'expired', rv} end
  end
end

local out = {'ok', revision, more}
for i = 1, #items do out[#out + 1] = items[i] end
return out
`;

const STREAM_ID_ORDER = `
local function newer(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  am = tonumber(am); as = tonumber(as); bm = tonumber(bm); bs = tonumber(bs)
  return am > bm or (am == bm and as > bs)
end
`;

/**
 * ackOutbox: advances the relay cursor (never backwards), only for the relay lease holder, and
 * trims acknowledged entries past the newest `retain` (kept so a lost log tail can be republished).
 *
 * KEYS: 1 ack hash (id, rev, acked = acknowledged entries still retained), 2 outbox stream, 3 relay lease
 * ARGV: 1 owner, 2 acknowledged id (`ms-seq`), 3 its revision, 4 entries newly acknowledged, 5 retain
 * Returns 1 when moved, 0 when the cursor was already there or past it, -1 when `owner` holds no lease.
 */
export const ACK_SCRIPT = `${STREAM_ID_ORDER}
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return -1 end
local current = redis.call('HGET', KEYS[1], 'id')
if current and not newer(ARGV[2], current) then return 0 end
redis.call('HSET', KEYS[1], 'id', ARGV[2], 'rev', ARGV[3])
local acked = redis.call('HINCRBY', KEYS[1], 'acked', ARGV[4])
local len = redis.call('XLEN', KEYS[2])
if acked > len then acked = len; redis.call('HSET', KEYS[1], 'acked', len) end
local excess = acked - tonumber(ARGV[5])
if excess > 0 then
  -- Acknowledged entries are the oldest ones, so trimming the stream's head removes only them.
  redis.call('XTRIM', KEYS[2], 'MAXLEN', len - excess)
  redis.call('HINCRBY', KEYS[1], 'acked', -excess)
end
return 1
`;

/**
 * outboxState: the relay's position and lag, in one step.
 *
 * KEYS: 1 ack hash, 2 outbox stream
 * Returns {cursor id or '', cursor revision, pending, oldest pending age ms, oldest retained revision}.
 */
export const OUTBOX_STATE_SCRIPT = `
local cursor = redis.call('HGET', KEYS[1], 'id') or ''
local rev = tonumber(redis.call('HGET', KEYS[1], 'rev') or '0')
local acked = tonumber(redis.call('HGET', KEYS[1], 'acked') or '0')
local len = redis.call('XLEN', KEYS[2])
local pending = math.max(0, len - acked)
local age = 0
if pending > 0 then
  local from = '-'
  if cursor ~= '' then from = '(' .. cursor end
  local first = redis.call('XRANGE', KEYS[2], from, '+', 'COUNT', 1)[1]
  if first then
    local ms = tonumber(string.match(first[1], '^(%d+)-'))
    local now = redis.call('TIME')
    age = math.max(0, tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - ms)
  end
end
local oldest = 0
local head = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)[1]
if head then
  local fields = head[2]
  for i = 1, #fields, 2 do
    if fields[i] == 'r' then oldest = tonumber(fields[i + 1]) end
  end
end
return {cursor, rev, pending, age, oldest}
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
