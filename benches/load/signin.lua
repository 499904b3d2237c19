-- wrk script: password sign-in, the same user on every request.
-- Args (after `--`): client_id email password
-- Counts response statuses per thread and prints them at the end.
local threads = {}
function setup(thread)
    table.insert(threads, thread)
end

local req
statuses = {}

local function json_string(s)
    return '"' .. s:gsub('\\', '\\\\'):gsub('"', '\\"') .. '"'
end

function init(args)
    local client, email, password = args[1], args[2], args[3]
    assert(client and email and password, "usage: -- CLIENT_ID EMAIL PASSWORD")
    local body = string.format('{"client_id":%s,"grant_type":"password","email":%s,"password":%s}',
        json_string(client), json_string(email), json_string(password))
    -- wrk.format replaces wrk.headers when given a table, which would drop the -H Authorization
    -- header: add to wrk.headers instead.
    wrk.headers["Content-Type"] = "application/json"
    req = wrk.format("POST", nil, nil, body)
end

function request()
    return req
end

function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
    local total = {}
    for _, t in ipairs(threads) do
        for code, n in pairs(t:get("statuses")) do
            total[code] = (total[code] or 0) + n
        end
    end
    for code, n in pairs(total) do
        io.write(string.format("status %d: %d\n", code, n))
    end
end
