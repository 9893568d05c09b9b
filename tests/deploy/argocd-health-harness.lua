-- Runs an Argo CD health script the way Argo CD does: the object as the global `obj`, only the
-- base, string, table and math libraries, and the returned {status, message} table as the
-- result. Usage: lua5.1 argocd-health-harness.lua health.lua object.json; prints the result as JSON.
local cjson = require("cjson")
local script_path, object_path = arg[1], arg[2]
local file = assert(io.open(object_path, "r"))
local text = file:read("*a")
file:close()

local env = {
  obj = cjson.decode(text),
  assert = assert, error = error, ipairs = ipairs, next = next, pairs = pairs, pcall = pcall,
  select = select, tonumber = tonumber, tostring = tostring, type = type, unpack = unpack,
  string = string, table = table, math = math,
}
local chunk = assert(loadfile(script_path))
setfenv(chunk, env)
local result = chunk()
if type(result) ~= "table" then
  error("the health script returned " .. type(result) .. ", not a table")
end
print(cjson.encode({ status = result.status, message = result.message }))
