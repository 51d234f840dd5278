-- wrk script: the chat bot's auto-approval check, with the bearer token from $TOKEN.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
local requesters = { "ada.lovelace@example.com", "bob@example.com", "grace@example.com", "someone@example.com" }
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, '{"requester": "' .. requesters[(n % #requesters) + 1] .. '"}')
end
