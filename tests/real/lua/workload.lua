-- irjit real-world workload for the Lua 5.4 interpreter.
--
-- Usage: lua workload.lua [scale]      (scale: positive integer, default 1)
--
-- CPU-bound and fully deterministic: no clock, no os.time, no math.random,
-- no addresses (no tostring of tables/functions). Randomness comes from an
-- own 64-bit LCG with a fixed seed. Output: one "name: value" line per check.
-- Exit status: 3 on success (os.exit(3), to exercise a non-zero exit), 1 if
-- an internal self-check fails (error() propagates to the interpreter).

local scale = math.tointeger(tonumber(arg and arg[1] or "1")) or 1
if scale < 1 then error("scale must be a positive integer", 0) end

local fmt = string.format
local function out(name, value) print(name .. ": " .. tostring(value)) end

-- 64-bit LCG (Knuth MMIX constants); integer arithmetic wraps in Lua 5.4.
local Rng = {}
Rng.__index = Rng
function Rng.new(seed) return setmetatable({ s = seed }, Rng) end
function Rng:next()
  self.s = self.s * 6364136223846793005 + 1442695040888963407
  return (self.s >> 33) -- 31 random bits, non-negative
end
function Rng:range(n) return self:next() % n + 1 end

-- fold a list of values into one 32-bit checksum (FNV-1a-like over strings)
local function hash_str(h, s)
  for i = 1, #s do h = ((h ~ s:byte(i)) * 16777619) & 0xffffffff end
  return h
end

out("scale", scale)
out("version", _VERSION)

---------------------------------------------------------------------------
-- 1. recursion
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
do
  local s = 0
  for i = 1, scale do s = s + fib(22 + (i % 3)) end
  out("fib", s)
  local function ack(m, n)
    if m == 0 then return n + 1 end
    if n == 0 then return ack(m - 1, 1) end
    return ack(m - 1, ack(m, n - 1))
  end
  out("ackermann(2,300)", ack(2, 300))
end

---------------------------------------------------------------------------
-- 2. tables: arrays, hashes, sorting with a comparator
do
  local rng = Rng.new(42)
  local n = 20000 * scale
  local a = {}
  for i = 1, n do a[i] = rng:range(1000000) end
  table.sort(a, function(x, y) return x > y end)
  local ok = true
  for i = 2, n do if a[i - 1] < a[i] then ok = false end end
  out("sort.desc.ok", ok)
  out("sort.first3", fmt("%d %d %d", a[1], a[2], a[3]))
  local sum = 0
  for i = 1, n, 7 do sum = sum + a[i] end
  out("sort.sum7", sum)

  -- records sorted by two keys
  local recs = {}
  for i = 1, 3000 * scale do
    recs[i] = { id = i, group = rng:range(50), score = rng:range(1000) }
  end
  table.sort(recs, function(p, q)
    if p.group ~= q.group then return p.group < q.group end
    if p.score ~= q.score then return p.score > q.score end
    return p.id < q.id
  end)
  out("recs.head", fmt("%d/%d/%d %d/%d/%d", recs[1].group, recs[1].score, recs[1].id,
    recs[#recs].group, recs[#recs].score, recs[#recs].id))

  -- hash table: counting, deletion, next-based iteration (order-independent sums)
  local counts = {}
  for i = 1, 30000 * scale do
    local k = "k" .. rng:range(4096)
    counts[k] = (counts[k] or 0) + 1
  end
  local nkeys, total, maxc = 0, 0, 0
  for k, v in pairs(counts) do
    nkeys = nkeys + 1; total = total + v
    if v > maxc then maxc = v end
  end
  for k in pairs(counts) do if counts[k] % 2 == 0 then counts[k] = nil end end
  local left = 0
  for _ in pairs(counts) do left = left + 1 end
  out("hash", fmt("keys=%d total=%d max=%d odd=%d", nkeys, total, maxc, left))

  -- table library
  local t = {}
  for i = 1, 1000 do table.insert(t, i) end
  for i = 1, 100 do table.remove(t, 1) end
  table.insert(t, 1, -1)
  local moved = table.move(t, 1, 10, 1, {})
  out("tablelib", fmt("%d %d %d %s", #t, t[1], t[#t], table.concat(moved, ",")))
  out("unpack", select("#", table.unpack(t, 1, 50)) .. " " .. select(3, table.unpack(t)))
end

---------------------------------------------------------------------------
-- 3. strings: building, format, gsub, find, rep, byte/char, pack
do
  local parts = {}
  for i = 1, 5000 * scale do
    parts[#parts + 1] = fmt("%05d:%x:%s;", i, i * 2654435761 % 65536, i % 3 == 0 and "fizz" or "x")
  end
  local s = table.concat(parts)
  out("str.len", #s)
  out("str.hash", hash_str(2166136261, s))
  local fizz = select(2, s:gsub("fizz", "FIZZ"))
  out("str.gsub.count", fizz)
  local digits = s:gsub("%d", function(d) return string.char(65 + tonumber(d)) end)
  out("str.gsub.fn", hash_str(2166136261, digits))
  local nfind, pos = 0, 1
  while true do
    local a, b = s:find("0:[0-9a-f]+:x", pos)
    if not a then break end
    nfind = nfind + 1; pos = b + 1
  end
  out("str.find", nfind)
  local words = {}
  for w in ("the quick brown fox jumps over the lazy dog"):gmatch("%a+") do
    words[#words + 1] = w:upper():reverse()
  end
  out("str.gmatch", table.concat(words, " "))
  out("str.format", fmt("[%8.3f|%-6s|%+d|%e|%g|%q]", math.pi, "ab", 42, 12345.678, 1e20, "a\n\"b\""))
  out("str.rep", #("abc"):rep(1000, ",") .. " " .. ("ab"):rep(3, "-"))
  out("str.sub", ("hello world"):sub(-5) .. "|" .. ("hello"):sub(2, 3) .. "|" .. ("x"):byte())
  local packed = string.pack("<i4 d s1", -7, 2.5, "hi")
  local a, b, c = string.unpack("<i4 d s1", packed)
  out("str.pack", fmt("%d %d %g %s", #packed, a, b, c))
  out("utf8", fmt("%d %s", utf8.len("h\u{e9}llo \u{4e16}"), table.concat({ utf8.codepoint("\u{e9}\u{4e16}", 1, -1) }, ",")))
end

---------------------------------------------------------------------------
-- 4. closures and higher-order functions
do
  local function counter(step)
    local n = 0
    return function() n = n + step; return n end
  end
  local cs = {}
  for i = 1, 10 do cs[i] = counter(i) end
  local acc = 0
  for _ = 1, 1000 * scale do
    for i = 1, 10 do acc = acc + cs[i]() end
  end
  out("closures.counters", acc)

  local function map(f, t) local r = {} for i = 1, #t do r[i] = f(t[i]) end return r end
  local function filter(p, t) local r = {} for i = 1, #t do if p(t[i]) then r[#r + 1] = t[i] end end return r end
  local function reduce(f, t, init) local a = init for i = 1, #t do a = f(a, t[i]) end return a end
  local function compose(...)
    local fs = table.pack(...)
    return function(x) for i = fs.n, 1, -1 do x = fs[i](x) end return x end
  end
  local xs = {}
  for i = 1, 10000 * scale do xs[i] = i end
  local f = compose(function(x) return x * 3 end, function(x) return x + 1 end)
  local r = reduce(function(a, b) return a + b end,
    filter(function(x) return x % 5 ~= 0 end, map(f, xs)), 0)
  out("closures.mapreduce", r)

  -- varargs
  local function va(...) local n = select("#", ...) return n, (select(n > 0 and n or 1, ...)) end
  out("varargs", table.concat({ va(1, nil, 3) }, ",") .. " " .. tostring((va())))
end

---------------------------------------------------------------------------
-- 5. metatables and OOP
do
  local Vec = {}
  Vec.__index = Vec
  function Vec.new(x, y) return setmetatable({ x = x, y = y }, Vec) end
  Vec.__add = function(a, b) return Vec.new(a.x + b.x, a.y + b.y) end
  Vec.__sub = function(a, b) return Vec.new(a.x - b.x, a.y - b.y) end
  Vec.__mul = function(a, k)
    if type(a) == "number" then a, k = k, a end
    return Vec.new(a.x * k, a.y * k)
  end
  Vec.__eq = function(a, b) return a.x == b.x and a.y == b.y end
  Vec.__lt = function(a, b) return a:len2() < b:len2() end
  Vec.__le = function(a, b) return a:len2() <= b:len2() end
  Vec.__unm = function(a) return Vec.new(-a.x, -a.y) end
  Vec.__len = function(a) return 2 end
  Vec.__tostring = function(a) return fmt("(%g,%g)", a.x, a.y) end
  Vec.__concat = function(a, b) return tostring(a) .. tostring(b) end
  function Vec:len2() return self.x * self.x + self.y * self.y end

  local rng = Rng.new(7)
  local acc = Vec.new(0, 0)
  local vs = {}
  for i = 1, 5000 * scale do
    local v = Vec.new(rng:range(200) - 100, rng:range(200) - 100)
    vs[#vs + 1] = v
    acc = acc + v * 2 - Vec.new(1, 1)
  end
  table.sort(vs, function(a, b) return a < b end)
  out("vec.acc", tostring(acc))
  out("vec.sorted", tostring(vs[1]) .. " " .. tostring(vs[#vs]) .. " " .. #vs[1])
  out("vec.ops", tostring(-Vec.new(1, 2)) .. " " .. tostring(Vec.new(1, 2) == Vec.new(1, 2))
    .. " " .. tostring(Vec.new(3, 4) <= Vec.new(4, 3)) .. " " .. (Vec.new(1, 0) .. Vec.new(0, 1)))

  -- inheritance chain with super calls
  local Account = {}
  Account.__index = Account
  function Account.new(owner, balance)
    return setmetatable({ owner = owner, balance = balance or 0, log = 0 }, Account)
  end
  function Account:deposit(v) self.balance = self.balance + v; self.log = self.log + 1 end
  function Account:withdraw(v)
    if v > self.balance then error({ code = "NSF", need = v - self.balance }) end
    self.balance = self.balance - v; self.log = self.log + 1
  end
  function Account:describe() return fmt("%s:%d", self.owner, self.balance) end

  local Savings = setmetatable({}, { __index = Account })
  Savings.__index = Savings
  function Savings.new(owner, balance, rate)
    local o = Account.new(owner, balance)
    o.rate = rate
    return setmetatable(o, Savings)
  end
  function Savings:accrue() self:deposit(self.balance * self.rate // 100) end
  function Savings:describe() return "S/" .. Account.describe(self) .. "@" .. self.rate end

  local accts = { Account.new("ann", 100), Savings.new("bob", 1000, 3), Savings.new("cy", 50, 10) }
  local failures, short = 0, 0
  for round = 1, 2000 * scale do
    for i, a in ipairs(accts) do
      a:deposit(round % 7 + i)
      local ok, e = pcall(a.withdraw, a, (round * 13 + i * 5) % 40)
      if not ok then failures = failures + 1; short = short + e.need end
      if a.accrue and round % 100 == 0 then a:accrue() end
    end
  end
  local d = {}
  for i, a in ipairs(accts) do d[i] = a:describe() end
  out("oop", table.concat(d, " ") .. fmt(" fail=%d short=%d", failures, short))

  -- __index/__newindex proxies, __call, rawget/rawset
  local log = {}
  local store = {}
  local proxy = setmetatable({}, {
    __index = function(_, k) log[#log + 1] = "get:" .. k; return store[k] end,
    __newindex = function(_, k, v) log[#log + 1] = "set:" .. k; store[k] = v end,
    __call = function(self, a, b) return a * b + (store.base or 0) end,
  })
  proxy.base = 10
  proxy.x = proxy.base + 1
  out("proxy", fmt("%d %s %s %s", proxy(6, 7), tostring(rawget(proxy, "x")), store.x, table.concat(log, ",")))

  -- memoizing table with __index function and weak-free cache
  local memo = setmetatable({}, { __index = function(t, n)
    local v = n < 2 and n or t[n - 1] + t[n - 2]
    t[n] = v
    return v
  end })
  out("memo.fib90", memo[90])
end

---------------------------------------------------------------------------
-- 6. coroutines
do
  local function primes()
    return coroutine.wrap(function()
      local found = {}
      local n = 2
      while true do
        local isp = true
        for _, p in ipairs(found) do
          if p * p > n then break end
          if n % p == 0 then isp = false; break end
        end
        if isp then found[#found + 1] = n; coroutine.yield(n) end
        n = n + 1
      end
    end)
  end
  local gen = primes()
  local sum, last = 0, 0
  for _ = 1, 1000 * scale do last = gen(); sum = sum + last end
  out("coro.primes", fmt("sum=%d last=%d", sum, last))

  -- producer / filter / consumer pipeline with resume/yield passing values
  local function producer(n)
    return coroutine.create(function()
      for i = 1, n do coroutine.yield(i) end
      return nil
    end)
  end
  local function filter(src, f)
    return coroutine.create(function()
      while true do
        local ok, v = coroutine.resume(src)
        if not v then return nil end
        if f(v) then coroutine.yield(v * v) end
      end
    end)
  end
  local pipe = filter(producer(20000 * scale), function(v) return v % 3 == 1 end)
  local total, count = 0, 0
  while true do
    local ok, v = coroutine.resume(pipe)
    if not v then break end
    total = total + v; count = count + 1
  end
  out("coro.pipe", fmt("count=%d total=%d status=%s", count, total, coroutine.status(pipe)))

  -- yield across pcall, error inside coroutine, two-way value passing
  local co = coroutine.create(function(a)
    local b = coroutine.yield(a + 1)
    local ok, err = pcall(function()
      local c = coroutine.yield(b * 2)
      error("boom:" .. c, 0)
    end)
    coroutine.yield(err)
    error({ tag = "final" })
  end)
  local r = {}
  local _, v1 = coroutine.resume(co, 10); r[#r + 1] = v1
  local _, v2 = coroutine.resume(co, 20); r[#r + 1] = v2
  local _, v3 = coroutine.resume(co, 30); r[#r + 1] = v3
  local ok4, v4 = coroutine.resume(co); r[#r + 1] = tostring(ok4) .. "/" .. v4.tag
  r[#r + 1] = coroutine.status(co)
  out("coro.pass", table.concat(r, " "))
  out("coro.isyieldable", tostring(coroutine.isyieldable()) .. " " .. tostring(select(2, coroutine.running())))
end

---------------------------------------------------------------------------
-- 7. integer and float arithmetic
do
  local n = 150000 * scale
  local isum, xr, fsum, prod = 0, 0, 0.0, 1
  for i = 1, n do
    isum = isum + i * i // 7 - i % 13
    xr = xr ~ (i << (i % 17)) ~ (i >> 3)
    fsum = fsum + math.sqrt(i) / (1.0 + (i % 11))
    prod = (prod * 31 + i) & 0xffffffffff
  end
  out("arith.int", isum)
  out("arith.xor", xr)
  out("arith.float", fmt("%.6f", fsum))
  out("arith.prod", prod)
  out("arith.wrap", math.maxinteger + 1 == math.mininteger and "yes" or "no")
  out("arith.div", fmt("%d %d %.4f %d %g %g", 7 // 2, -7 // 2, 7 / 2, -7 % 3, 7.5 // 2, -7.5 % 2))
  out("arith.types", math.type(1) .. " " .. math.type(1.0) .. " " .. tostring(math.type("1"))
    .. " " .. tostring(math.tointeger(3.0)) .. " " .. tostring(3 == 3.0) .. " " .. tostring(1 // 0.0))
  out("arith.conv", tostring(10 / 2) .. " " .. tostring(2 ^ 10) .. " " .. tostring("10" + 5)
    .. " " .. tostring("0x10" * 1) .. " " .. tostring(tonumber("z", 36)) .. " " .. tostring(tonumber("1e2")))
  local t = {}
  for i = 0, 7 do t[#t + 1] = fmt("%.5f", math.sin(i) + math.cos(i * 0.5) + math.exp(-i) + math.log(i + 1)) end
  out("arith.math", table.concat(t, " "))
  out("arith.minmax", fmt("%d %g %d %d", math.max(3, 9, -1), math.min(2.5, 1), math.abs(-12), math.floor(-3.5)))
  out("arith.fmt", fmt("%.14g %.14g %d", 0.1 + 0.2, 1 / 3, math.ult(1, -1) and 1 or 0))
end

---------------------------------------------------------------------------
-- 8. a small JSON-like serializer and parser (round trip)
do
  local function is_array(t)
    local n = #t
    for k in pairs(t) do
      if math.type(k) ~= "integer" or k < 1 or k > n then return false end
    end
    return true
  end
  local escapes = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\t"] = "\\t" }
  local function encode(v, buf)
    local tv = type(v)
    if tv == "table" then
      if is_array(v) then
        buf[#buf + 1] = "["
        for i = 1, #v do
          if i > 1 then buf[#buf + 1] = "," end
          encode(v[i], buf)
        end
        buf[#buf + 1] = "]"
      else
        local keys = {}
        for k in pairs(v) do keys[#keys + 1] = tostring(k) end
        table.sort(keys)
        buf[#buf + 1] = "{"
        for i, k in ipairs(keys) do
          if i > 1 then buf[#buf + 1] = "," end
          encode(k, buf)
          buf[#buf + 1] = ":"
          encode(v[k], buf)
        end
        buf[#buf + 1] = "}"
      end
    elseif tv == "string" then
      buf[#buf + 1] = '"' .. v:gsub('[%c"\\]', function(c)
        return escapes[c] or fmt("\\u%04x", c:byte())
      end) .. '"'
    elseif tv == "number" then
      buf[#buf + 1] = math.type(v) == "integer" and fmt("%d", v) or fmt("%.14g", v)
    elseif tv == "boolean" then
      buf[#buf + 1] = tostring(v)
    elseif tv == "nil" then
      buf[#buf + 1] = "null"
    else
      error("cannot encode " .. tv, 0)
    end
    return buf
  end
  local function encode_str(v) return table.concat(encode(v, {})) end

  local function decode(s)
    local pos = 1
    local function ws() pos = s:find("[^ \t\r\n]", pos) or #s + 1 end
    local value
    local function str()
      pos = pos + 1
      local buf = {}
      while true do
        local c = s:sub(pos, pos)
        if c == '"' then pos = pos + 1; break end
        if c == "\\" then
          local e = s:sub(pos + 1, pos + 1)
          if e == "u" then
            buf[#buf + 1] = utf8.char(tonumber(s:sub(pos + 2, pos + 5), 16)); pos = pos + 6
          else
            buf[#buf + 1] = ({ n = "\n", t = "\t" })[e] or e; pos = pos + 2
          end
        elseif c == "" then
          error("unterminated string", 0)
        else
          buf[#buf + 1] = c; pos = pos + 1
        end
      end
      return table.concat(buf)
    end
    function value()
      ws()
      local c = s:sub(pos, pos)
      if c == "{" then
        local t = {}
        pos = pos + 1; ws()
        if s:sub(pos, pos) == "}" then pos = pos + 1 return t end
        while true do
          ws()
          local k = str(); ws()
          assert(s:sub(pos, pos) == ":"); pos = pos + 1
          t[k] = value(); ws()
          local d = s:sub(pos, pos); pos = pos + 1
          if d == "}" then return t end
          if d ~= "," then error("bad object at " .. pos, 0) end
        end
      elseif c == "[" then
        local t = {}
        pos = pos + 1; ws()
        if s:sub(pos, pos) == "]" then pos = pos + 1 return t end
        while true do
          t[#t + 1] = value(); ws()
          local d = s:sub(pos, pos); pos = pos + 1
          if d == "]" then return t end
          if d ~= "," then error("bad array at " .. pos, 0) end
        end
      elseif c == '"' then
        return str()
      elseif s:find("^true", pos) then pos = pos + 4 return true
      elseif s:find("^false", pos) then pos = pos + 5 return false
      elseif s:find("^null", pos) then pos = pos + 4 return nil
      else
        local num = s:match("^-?%d+%.?%d*[eE]?[-+]?%d*", pos)
        if not num or #num == 0 then error("unexpected '" .. c .. "' at " .. pos, 0) end
        pos = pos + #num
        return math.tointeger(tonumber(num)) or tonumber(num)
      end
    end
    local v = value()
    ws()
    if pos <= #s then error("trailing garbage at " .. pos, 0) end
    return v
  end

  local rng = Rng.new(2024)
  local function gen(depth)
    local k = rng:range(depth > 3 and 4 or 7)
    if k == 1 then return rng:range(100000) - 50000
    elseif k == 2 then return (rng:range(1000000) - 500000) / 64
    elseif k == 3 then
      local cs = {}
      for i = 1, rng:range(12) do cs[i] = string.char(31 + rng:range(95)) end
      if rng:range(4) == 1 then cs[#cs + 1] = "\n\t\"\\\1" end
      return table.concat(cs)
    elseif k == 4 then return rng:range(2) == 1
    elseif k == 5 then
      local t = {}
      for i = 1, rng:range(6) do t[i] = gen(depth + 1) end
      return t
    else
      local t = {}
      for _ = 1, rng:range(6) do t["key" .. rng:range(20)] = gen(depth + 1) end
      return t
    end
  end
  local h, bytes, same = 2166136261, 0, 0
  local docs = 100 * scale
  for _ = 1, docs do
    local doc = { id = rng:range(1000), items = { gen(0), gen(0), gen(0) }, meta = gen(1) }
    local s1 = encode_str(doc)
    local s2 = encode_str(decode(s1))
    if s1 == s2 then same = same + 1 end
    bytes = bytes + #s1
    h = hash_str(h, s1)
  end
  out("json.roundtrip", fmt("%d/%d", same, docs))
  out("json.bytes", bytes)
  out("json.hash", h)
  out("json.sample", encode_str({ 1, 2.5, "a\"b", { x = true, y = false }, {} }))
  local ok, err = pcall(decode, "[1, 2,, 3]")
  out("json.error", tostring(ok) .. " " .. err)
end

---------------------------------------------------------------------------
-- 9. pcall / error / xpcall
do
  local function strip(msg) return (tostring(msg):gsub("^[^:]*:%d+: ", "")) end
  local results = {}
  local ok, e = pcall(error, "plain", 0)
  results[#results + 1] = tostring(ok) .. ":" .. e
  ok, e = pcall(function() local x = nil; return x.field end)
  results[#results + 1] = strip(e)
  ok, e = pcall(function() return 1 + {} end)
  results[#results + 1] = strip(e)
  ok, e = pcall(function() return #5 end)
  results[#results + 1] = strip(e)
  ok, e = pcall(function() error(setmetatable({ msg = "objerr" }, { __tostring = function(s) return "E<" .. s.msg .. ">" end })) end)
  results[#results + 1] = tostring(e)
  ok, e = pcall(function() return ("x"):rep(-1) .. string.rep("y", 2, 5) end)
  results[#results + 1] = tostring(ok)
  ok, e = pcall(string.format, "%d", 1.5)
  results[#results + 1] = strip(e)
  local depth = 0
  local function nest(n)
    if n == 0 then error("deep", 0) end
    local ok2, e2 = pcall(nest, n - 1)
    depth = depth + 1
    error(e2 .. ".", 0)
  end
  ok, e = pcall(nest, 50)
  results[#results + 1] = #e .. "/" .. depth
  local handled = xpcall(function() error("xp") end, function(m)
    results[#results + 1] = "handler:" .. strip(m)
    return "h"
  end)
  results[#results + 1] = tostring(handled)
  ok, e = pcall(function() local t = setmetatable({}, { __index = function() error("idx", 0) end }); return t.k end)
  results[#results + 1] = e
  -- C stack overflow (LUAI_MAXCCALLS) through a recursive __index metamethod
  ok, e = pcall(function()
    local t = setmetatable({}, {})
    getmetatable(t).__index = function(tt, k) return tt[k .. "x"] end
    return t.k
  end)
  results[#results + 1] = strip(e):match("stack overflow") or ("unexpected: " .. tostring(e))
  -- deep (non-tail) Lua recursion: grows the Lua stack to ~100k slots, then shrinks
  local function deep(n) if n == 0 then return 0 end return 1 + deep(n - 1) end
  results[#results + 1] = deep(30000)
  out("errors", table.concat(results, " | "))

  -- many protected calls in a loop
  local caught = 0
  for i = 1, 10000 * scale do
    local ok3 = pcall(function(k) if k % 3 == 0 then error(k) end return k end, i)
    if not ok3 then caught = caught + 1 end
  end
  out("errors.loop", caught)
  -- load / string chunks / environments
  local env = { x = 5 }
  local chunk = load("y = x * 2; return y + 1", "=chunk", "t", env)
  out("load", chunk() .. " " .. env.y .. " " .. tostring(load("return +")))
end

---------------------------------------------------------------------------
-- 10. goto, integer for-loops with steps, string<->number keys
do
  local n, i = 0, 1
  ::top::
  if i <= 100 then
    if i % 2 == 0 then n = n + i end
    i = i + 1
    goto top
  end
  local s = 0
  for k = 10, 1, -3 do s = s + k end
  for x = 0.5, 2.0, 0.25 do s = s + x end
  local t = { [1] = "int", ["1"] = "str", [2.0] = "float-normalized" }
  out("misc", fmt("%d %g %s %s %s", n, s, t[1], t["1"], t[2]))
end

collectgarbage()
out("gc.count.kb.positive", collectgarbage("count") > 0)
out("done", "ok")
io.stdout:flush()
os.exit(3)
