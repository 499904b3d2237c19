"""SCIM load: provision users and groups with Okta-shaped requests, then time
`filter=userName eq "..."` lookups. Talks only to 127.0.0.1. Driven by scim.sh.

Usage: python3 scim_load.py provision BASE API_KEY SERVER_PID USERS GROUPS MEMBERS_PER_GROUP CONCURRENCY
       python3 scim_load.py lookups SCIM_BASE TOKEN DOMAIN TOTAL_USERS SAMPLES
"""

import asyncio
import json
import random
import statistics
import sys
import time

import httpx2

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
SCIM_JSON = {"content-type": "application/scim+json"}


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        fields = dict(line.split(":", 1) for line in f if ":" in line)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


async def sample_rss(pid, peak, stop):
    while not stop.is_set():
        rss, _ = rss_kib(pid)
        peak[0] = max(peak[0], rss)
        await asyncio.sleep(0.25)


def okta_user(i, domain):
    login = f"user{i}@{domain}"
    return {
        "schemas": [USER],
        "userName": login,
        "name": {"givenName": f"Given{i}", "familyName": f"Family{i}"},
        "emails": [{"primary": True, "value": login, "type": "work"}],
        "displayName": f"Given{i} Family{i}",
        "locale": "en-US",
        "externalId": f"00u{i:017d}",
        "groups": [],
        "password": "1mz050nq",
        "active": True,
    }


async def run_all(jobs, concurrency):
    queue = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    failures = []

    async def worker():
        while not queue.empty():
            job = queue.get_nowait()
            status = await job()
            if status >= 300:
                failures.append(status)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return failures


async def provision(base, key, pid, users, groups, per_group, concurrency):
    vendor = httpx2.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=60)
    domain = f"bench-{int(time.time())}.com"
    org = (await vendor.post("/organizations", json={"name": "Bench"})).json()
    claim = await vendor.post(
        "/organization_domains",
        json={"organization_id": org["id"], "domain": domain, "verification_strategy": "manual"},
    )
    assert claim.status_code == 201, claim.text
    directory = (
        await vendor.post("/directories", json={"organization_id": org["id"], "name": "Okta", "type": "okta"})
    ).json()
    scim_base = f"{base}/scim/v2/{directory['id']}"
    scim = httpx2.AsyncClient(
        base_url=scim_base,
        headers={"Authorization": f"Bearer {directory['bearer_token']}", **SCIM_JSON},
        timeout=60,
        limits=httpx2.Limits(max_connections=concurrency),
    )
    peak = [0]
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_rss(pid, peak, stop))
    ids = [None] * users
    requests = 0

    def create(i):
        async def job():
            nonlocal requests
            # Okta looks the user up first, then creates it.
            login = f"user{i}@{domain}"
            await scim.get("/Users", params={"filter": f'userName eq "{login}"', "startIndex": 1, "count": 100})
            resp = await scim.post("/Users", content=json.dumps(okta_user(i, domain)))
            requests += 2
            if resp.status_code == 201:
                ids[i] = resp.json()["id"]
            return resp.status_code

        return job

    t0 = time.monotonic()
    failures = await run_all([create(i) for i in range(users)], concurrency)
    t_users = time.monotonic() - t0

    def push(g):
        async def job():
            nonlocal requests
            resp = await scim.post(
                "/Groups", content=json.dumps({"schemas": [GROUP], "displayName": f"Group {g}", "members": []})
            )
            requests += 1
            if resp.status_code != 201:
                return resp.status_code
            gid = resp.json()["id"]
            members = [ids[(g * per_group + k) % users] for k in range(per_group)]
            # Okta pushes membership in PATCH batches.
            for start in range(0, len(members), 10):
                batch = [{"value": m, "display": m} for m in members[start : start + 10] if m]
                body = {"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "members", "value": batch}]}
                resp = await scim.patch(f"/Groups/{gid}", content=json.dumps(body))
                requests += 1
                if resp.status_code >= 300:
                    return resp.status_code
            return 204

        return job

    t1 = time.monotonic()
    failures += await run_all([push(g) for g in range(groups)], concurrency)
    t_groups = time.monotonic() - t1
    total = time.monotonic() - t0
    stop.set()
    await sampler
    _, hwm = rss_kib(pid)
    print(
        json.dumps(
            {
                "users": users,
                "groups": groups,
                "memberships": groups * per_group,
                "requests": requests,
                "failures": len(failures),
                "users_s": round(t_users, 1),
                "groups_s": round(t_groups, 1),
                "total_s": round(total, 1),
                "req_per_s": round(requests / total, 1),
                "peak_rss_mib": round(peak[0] / 1024, 1),
                "vmhwm_mib": round(hwm / 1024, 1),
                "scim_base": scim_base,
                "token": directory["bearer_token"],
                "domain": domain,
                "directory_id": directory["id"],
                "organization_id": org["id"],
            }
        )
    )


async def lookups(scim_base, token, domain, total, samples):
    scim = httpx2.AsyncClient(base_url=scim_base, headers={"Authorization": f"Bearer {token}"}, timeout=60)
    times = []
    for _ in range(samples):
        i = random.randrange(total)
        t = time.perf_counter()
        resp = await scim.get("/Users", params={"filter": f'userName eq "user{i}@{domain}"'})
        times.append((time.perf_counter() - t) * 1000)
        assert resp.status_code == 200 and resp.json()["totalResults"] == 1, (i, resp.text)
    times.sort()
    print(
        json.dumps(
            {
                "samples": samples,
                "p50_ms": round(statistics.median(times), 2),
                "p99_ms": round(times[int(len(times) * 0.99) - 1], 2),
                "max_ms": round(times[-1], 2),
            }
        )
    )


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "provision":
        base, key, pid = sys.argv[2], sys.argv[3], int(sys.argv[4])
        users, groups, per_group, concurrency = map(int, sys.argv[5:9])
        asyncio.run(provision(base, key, pid, users, groups, per_group, concurrency))
    else:
        asyncio.run(lookups(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6])))
