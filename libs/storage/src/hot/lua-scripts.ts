/**
 * Lua scripts of the hot tier. Each touches only keys of one series (or one partition),
 * which share a hash slot, so they run atomically on Redis Cluster too.
 */

/**
 * KEYS: open, sealing, packed, replayed. Moves every point of the open window into the
 * sealing hash (open is newer, so it overwrites), deletes open, and returns the sealing
 * hash, the packed chunk (or false) and whether the replay group wrote into the window. Atomic: a point written during a seal lands either in what
 * this seal returns or in a fresh open hash, never nowhere.
 */
export const BEGIN_SEAL = `
local fields = redis.call('HGETALL', KEYS[1])
local n = #fields
local i = 1
while i <= n do
  local last = math.min(i + 999, n)
  redis.call('HSET', KEYS[2], unpack(fields, i, last))
  i = last + 1
end
if n > 0 then redis.call('DEL', KEYS[1]) end
return { redis.call('HGETALL', KEYS[2]), redis.call('GET', KEYS[3]), redis.call('EXISTS', KEYS[4]) }
`;

/**
 * Projection of a replayed record (`writer --replay-from`): writes a point only where the
 * hot tier holds no newer write of it. KEYS: (open, sealing, replayed) per window of one
 * series; `replayed` is set where a point was written, so the seal knows (seal-merge.ts).
 * ARGV[1]: the record offset; then per window a point count followed by (field, value)
 * pairs, values already encoded with that offset. A field is written when neither hash
 * holds it, or both hold it only from a lower offset or without one (legacy value). The
 * sealed copy is not consulted here: the seal applies the seal offset (see seal-merge.ts).
 * Returns the number of fields written.
 */
export const APPLY_IF_NEWER = `
local offset = tonumber(ARGV[1])
local function stored(v)
  if not v then return nil end
  if #v <= 8 then return -1 end
  local n = 0
  for p = 9, #v do n = n * 256 + string.byte(v, p) end
  return n
end
local written = 0
local a = 2
for w = 1, #KEYS / 3 do
  local open, sealing, replayed = KEYS[3 * w - 2], KEYS[3 * w - 1], KEYS[3 * w]
  local before = written
  local count = tonumber(ARGV[a])
  a = a + 1
  for p = 1, count do
    local field, value = ARGV[a], ARGV[a + 1]
    a = a + 2
    local current = stored(redis.call('HGET', open, field))
    local sealed = stored(redis.call('HGET', sealing, field))
    if current == nil or (sealed ~= nil and sealed > current) then current = sealed end
    if current == nil or current < offset then
      redis.call('HSET', open, field, value)
      written = written + 1
    end
  end
  if written > before then redis.call('SET', replayed, '1') end
end
return written
`;

/**
 * KEYS: open. ARGV: the merged field's name and value, then the names of the packed fields
 * it replaces (window-hash.ts). Replaces them only if every one is still in the open hash
 * (a seal that took the window since leaves a hash without them); returns 1 when it did.
 */
export const MERGE_PACKED = `
for i = 3, #ARGV do
  if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 0 then return 0 end
end
redis.call('HDEL', KEYS[1], unpack(ARGV, 3))
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`;

/**
 * KEYS: sealing, packed, replayed. ARGV: packed bytes, ttl ms. The seal is durable in the
 * warm tier. A replay write after the seal began is covered by the next seal, a re-seal,
 * which keeps per-point offsets anyway.
 */
export const FINISH_SEAL = `
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
redis.call('DEL', KEYS[1], KEYS[3])
return 1
`;

/** KEYS: lease. ARGV: owner, ttl ms. Takes or renews the lease; 1 when held by owner. */
export const ACQUIRE_LEASE = `
local current = redis.call('GET', KEYS[1])
if current == false or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
`;

/** KEYS: lease. ARGV: owner. Releases the lease only if owner holds it. */
export const RELEASE_LEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * KEYS: projected. ARGV: expected current value ('' = absent), next. Advances the offset
 * Redis holds a partition through, only from the value the writer last set: a key that is
 * missing or holds another value means Redis lost (or rolled back) writes since, and the
 * writer must rebuild rather than paper over the gap. Returns 1 when advanced.
 */
export const ADVANCE_PROJECTED = `
local current = redis.call('GET', KEYS[1])
if (current == false and ARGV[1] == '') or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  return 1
end
return 0
`;

/**
 * KEYS: state. ARGV: partition count. Takes stock of a hot tier that has never been, or
 * is no longer, initialised: marks every partition as needing a check against the log.
 * Returns 1 when it did (Redis was empty or lost its data), 0 when already initialised.
 */
export const TAKE_STOCK = `
if redis.call('HEXISTS', KEYS[1], 'initialised') == 1 then return 0 end
local fields = { 'initialised', ARGV[2] }
for p = 0, tonumber(ARGV[1]) - 1 do
  fields[#fields + 1] = 'p:' .. p
  fields[#fields + 1] = ARGV[2]
end
redis.call('HSET', KEYS[1], unpack(fields))
return 1
`;

/**
 * KEYS: projected, unsealedFrom (one partition, one slot). Returns the projected offset
 * and the lowest unsealed offset (false when absent) as one consistent snapshot: read
 * apart, a Redis that lost its data between the two reads would yield a start past
 * points that were never sealed.
 */
export const REBUILD_START = `
local projected = redis.call('GET', KEYS[1])
local lowest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
return { projected, lowest[2] or false }
`;
