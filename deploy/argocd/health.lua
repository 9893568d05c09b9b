-- Argo CD health of a LoraStudy (lorahpo.io/v1alpha1), read from what the operator writes:
-- status.observedGeneration, the Valid/Ready/Stalled conditions and status.phase.
--   Healthy      the study succeeded (Ready=True)
--   Degraded     the spec is invalid (Valid=False), or the study failed (Stalled=True, phase Failed)
--   Progressing  no status yet, a spec generation the operator has not seen, or trials to run
-- A finished study stays Healthy or Degraded: its result is what a sync delivered.
local hs = { status = "Progressing", message = "Waiting for the lorahpo operator" }
local status = obj.status
if status == nil then
  return hs
end

local generation = obj.metadata and obj.metadata.generation
if generation ~= nil and status.observedGeneration ~= nil and status.observedGeneration < generation then
  hs.message = "The operator has not seen generation " .. tostring(generation) .. " yet"
  return hs
end

local conditions = {}
if status.conditions ~= nil then
  for _, condition in ipairs(status.conditions) do
    conditions[condition.type] = condition
  end
end

local function said(condition, fallback)
  if condition ~= nil and condition.message ~= nil and condition.message ~= "" then
    return condition.message
  end
  if status.message ~= nil and status.message ~= "" then
    return status.message
  end
  return fallback
end

local valid = conditions["Valid"]
if valid ~= nil and valid.status == "False" then
  hs.status = "Degraded"
  hs.message = said(valid, "The spec is invalid")
  return hs
end

local ready = conditions["Ready"]
local stalled = conditions["Stalled"]
if (ready ~= nil and ready.status == "True") or (ready == nil and status.phase == "Succeeded") then
  hs.status = "Healthy"
  hs.message = said(ready, "The study succeeded")
  return hs
end
if (stalled ~= nil and stalled.status == "True") or status.phase == "Failed" then
  hs.status = "Degraded"
  hs.message = said(stalled, "The study failed")
  return hs
end

hs.message = said(ready, "Trials are running")
if status.progress ~= nil then
  hs.message = hs.message .. " (" .. status.progress .. ")"
end
return hs
