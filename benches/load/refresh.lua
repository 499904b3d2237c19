-- wrk script: refresh_token grants, chained. A refresh token is single-use and rotates, and a
-- replayed one revokes its session, so no token may ever be sent twice.
--
-- Each wrk thread owns a pool of unused tokens, seeded from a file (one token per line, at least
-- one per connection; thread k of T takes lines k, k+T, k+2T, ...). request() takes a token out of
-- the pool; response() puts the token that came back into it. wrk calls a connection's response()
-- before it asks for that connection's next request, so the pool never runs dry while every
-- answer carries a new token. If it does run dry (an error answer, a dropped connection), the
-- request goes to GET /health instead and is counted as `starved`: the run is then invalid.
--
-- Args (after `--`): client_id token_file thread_count
local threads = {}
local counter = 0
function setup(thread)
    counter = counter + 1
    thread:set("tid", counter)
    table.insert(threads, thread)
end

statuses = {}
starved = 0
sent = 0
local pool = {}
local client
local health

function init(args)
    client = args[1]
    local file, nthreads = args[2], tonumber(args[3])
    assert(client and file and nthreads, "usage: -- CLIENT_ID TOKEN_FILE THREADS")
    local i = 0
    for line in io.lines(file) do
        if line ~= "" then
            if i % nthreads == tid - 1 then
                table.insert(pool, line)
            end
            i = i + 1
        end
    end
    -- wrk.format replaces wrk.headers when given a table, which would drop the -H Authorization
    -- header: add to wrk.headers instead.
    wrk.headers["Content-Type"] = "application/json"
    health = wrk.format("GET", "/health")
    verifying = (tid == 1)
end

function request()
    if verifying then
        -- wrk 4.x calls request() once on the first thread's state right after init() to check
        -- the script (script_verify_request); that request is never sent, so it must not spend a
        -- token. Were it sent after all (another wrk), the token would go out twice, the server
        -- would revoke that session, and identity.sh would report the run as invalid.
        verifying = false
        return wrk.format("POST", nil, nil, string.format(
            '{"client_id":"%s","grant_type":"refresh_token","refresh_token":"%s"}', client, pool[#pool] or ""))
    end
    local token = table.remove(pool)
    if token == nil then
        starved = starved + 1
        return health
    end
    sent = sent + 1
    local body = string.format('{"client_id":"%s","grant_type":"refresh_token","refresh_token":"%s"}', client, token)
    return wrk.format("POST", nil, nil, body)
end

function response(status, hdrs, body)
    statuses[status] = (statuses[status] or 0) + 1
    if status == 200 then
        local token = body:match('"refresh_token"%s*:%s*"([^"]+)"')
        if token then
            table.insert(pool, token)
        end
    end
end

function done(summary, latency, requests)
    local total, total_starved, total_sent = {}, 0, 0
    for _, t in ipairs(threads) do
        for code, n in pairs(t:get("statuses")) do
            total[code] = (total[code] or 0) + n
        end
        total_starved = total_starved + t:get("starved")
        total_sent = total_sent + t:get("sent")
    end
    for code, n in pairs(total) do
        io.write(string.format("status %d: %d\n", code, n))
    end
    io.write(string.format("refresh requests sent: %d\n", total_sent))
    io.write(string.format("starved: %d\n", total_starved))
end
