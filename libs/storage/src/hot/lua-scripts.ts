/**
 * Lua scripts of the hot tier. Each touches only keys of one series (or one partition),
 * which share a hash slot, so they run atomically on Redis Cluster too.
 */

/**
 * KEYS: open, sealing, packed. Moves every point of the open window into the sealing
 * hash (open is newer, so it overwrites), deletes open, and returns the sealing hash and
 * the packed chunk (or false). Atomic: a point written during a seal lands either in what
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
return { redis.call('HGETALL', KEYS[2]), redis.call('GET', KEYS[3]) }
`;

/** KEYS: sealing, packed. ARGV: chunk bytes, ttl ms. The seal is durable in the warm tier. */
export const FINISH_SEAL = `
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
redis.call('DEL', KEYS[1])
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
