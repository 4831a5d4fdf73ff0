// The functions libsveltos registers for its Lua scripts (lib/lua/methods.go), written in Lua so
// they run under the same instruction budget and memory cap as the script: getLabel,
// getAnnotation, getResource, base64Encode and base64Decode, with the same results (nil when a
// label is absent; nil and a message for an empty or undecodable string). Sveltos runs gopher-lua,
// a Lua 5.1: the 5.1 globals scripts still use are given back on top of Lua 5.4.
export const SVELTOS_LUA_PRELUDE = `
unpack = table.unpack
table.getn = function(t) return #t end
math.pow = function(x, y) return x ^ y end
local function metadataField(obj, field, key)
  if type(obj) ~= "table" or type(obj.metadata) ~= "table" or type(obj.metadata[field]) ~= "table" then return nil end
  local value = obj.metadata[field][key]
  if type(value) == "string" then return value end
  return nil
end
function getLabel(obj, key) return metadataField(obj, "labels", key) end
function getAnnotation(obj, key) return metadataField(obj, "annotations", key) end
function getResource(resources, key)
  if type(resources) ~= "table" then return nil end
  return rawget(resources, key)
end
local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
function base64Encode(s)
  if type(s) ~= "string" or s == "" then return nil, "provided string is empty" end
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = (a << 16) | ((b or 0) << 8) | (c or 0)
    local q = {}
    for j = 1, 4 do
      local k = (n >> (6 * (4 - j))) & 63
      q[j] = B64:sub(k + 1, k + 1)
    end
    if not b then q[3] = "="; q[4] = "=" elseif not c then q[4] = "=" end
    out[#out + 1] = table.concat(q)
  end
  return table.concat(out)
end
function base64Decode(s)
  if type(s) ~= "string" or s == "" then return nil, "provided string is empty" end
  if #s % 4 ~= 0 or s:find("[^A-Za-z0-9+/=]") or s:find("=[^=]") then return nil, "deconding failed" end
  local out = {}
  for i = 1, #s, 4 do
    local n, pad = 0, 0
    for j = 0, 3 do
      local ch = s:sub(i + j, i + j)
      local v = 0
      if ch == "=" then pad = pad + 1 else v = B64:find(ch, 1, true) - 1 end
      n = (n << 6) | v
    end
    out[#out + 1] = string.char((n >> 16) & 255, (n >> 8) & 255, n & 255):sub(1, 3 - pad)
  end
  return table.concat(out)
end
`;
