"""Scenarios that drive `exomig proxy` with pypsrp 0.9.1, the Python PowerShell-remoting client.

Usage: python scenarios.py SCENARIO
Environment: EXOMIG_PROXY_PORT, EXOMIG_EMULATOR_URL, EXOMIG_USER, EXOMIG_PASSWORD, EXOMIG_TENANT.

Each scenario prints one JSON object (its observations) as the last stdout line; the Rust test
(tests/proxy_pypsrp.rs) asserts on it. Exceptions propagate, giving a non-zero exit code.
"""
import json
import os
import sys
import threading
import uuid

import requests
from pypsrp.exceptions import AuthenticationError, WSManFaultError
from pypsrp.powershell import PowerShell, RunspacePool
from pypsrp.wsman import WSMan

PORT = int(os.environ["EXOMIG_PROXY_PORT"])
EMULATOR = os.environ.get("EXOMIG_EMULATOR_URL", "")
USER = os.environ.get("EXOMIG_USER", "")
PASSWORD = os.environ.get("EXOMIG_PASSWORD", "")
TENANT = os.environ.get("EXOMIG_TENANT", "")
EXO_PUBLIC_CLIENT = "fb78d390-0c51-40cd-8e17-fdbfab77341b"


def wsman(query="", user=None, password=None):
    return WSMan(
        "127.0.0.1",
        port=PORT,
        path="PowerShell-LiveID/" + query,
        auth="basic",
        ssl=False,
        encryption="never",
        username=user if user is not None else USER,
        password=password if password is not None else PASSWORD,
        operation_timeout=5,
        read_timeout=15,
    )


def pool(query="", user=None, password=None):
    return RunspacePool(wsman(query, user, password), configuration_name="Microsoft.Exchange")


def run(p, cmdlet, **params):
    ps = PowerShell(p)
    ps.add_cmdlet(cmdlet)
    for name, value in params.items():
        if value is None:
            ps.add_parameter(name)
        else:
            ps.add_parameter(name, value)
    out = ps.invoke()
    return ps, out


def describe(obj):
    if hasattr(obj, "adapted_properties"):
        props = dict(obj.adapted_properties)
        props.update(obj.extended_properties)
        return {"types": list(obj.types), "to_string": obj.to_string, "props": {k: str(v) for k, v in props.items()}}
    return {"value": str(obj)}


def errors(ps):
    return [
        {
            "fqid": e.fq_error,
            "category": e.category,
            "message": e.message,
            "reason": e.reason,
            "target_name": e.target_name,
            "text": str(e),
        }
        for e in ps.streams.error
    ]


def summary(ps, out):
    return {"state": ps.state, "had_errors": ps.had_errors, "output": [describe(o) for o in out], "errors": errors(ps)}


def token(user=USER, password=PASSWORD):
    r = requests.post(
        f"{EMULATOR}/{TENANT}/oauth2/v2.0/token",
        data={
            "grant_type": "password",
            "client_id": EXO_PUBLIC_CLIENT,
            "username": user,
            "password": password,
            "scope": "https://outlook.office365.com/.default",
        },
        timeout=10,
    )
    r.raise_for_status()
    return r.json()["access_token"]


def s_open_pool():
    with pool() as p:
        return {"state": p.state, "shell_id": p.shell.id}


def s_accepted_domain():
    with pool() as p:
        ps, out = run(p, "Get-AcceptedDomain")
        return summary(ps, out)


def s_mailbox_list_and_identity():
    with pool() as p:
        ps, listed = run(p, "Get-Mailbox", ResultSize="Unlimited")
        first = listed[0].adapted_properties["Identity"]
        ps2, one = run(p, "Get-Mailbox", Identity=first)
        return {"list": summary(ps, listed), "one": summary(ps2, one), "asked": str(first)}


def s_set_then_get():
    with pool() as p:
        _, listed = run(p, "Get-Mailbox", ResultSize=1)
        identity = str(listed[0].adapted_properties["Identity"])
        new_name = "Renamed " + uuid.uuid4().hex[:8]
        ps_set, set_out = run(p, "Set-Mailbox", Identity=identity, DisplayName=new_name)
        ps_get, got = run(p, "Get-Mailbox", Identity=identity)
        return {"set": summary(ps_set, set_out), "get": summary(ps_get, got), "new_name": new_name}


def s_missing_mailbox():
    ghost = "ghost-" + uuid.uuid4().hex[:6]
    with pool() as p:
        ps, out = run(p, "Get-Mailbox", Identity=ghost)
        result = summary(ps, out)
        ps, out = run(p, "Get-Mailbox", Identity=ghost, ErrorAction="Stop")
        result["stop"] = summary(ps, out)
        ps, out = run(p, "Get-Mailbox", Identity=ghost, ErrorAction="SilentlyContinue")
        result["silent"] = summary(ps, out)
        return result


def s_script_refused():
    with pool() as p:
        ps = PowerShell(p)
        ps.add_script("Get-Mailbox | ForEach-Object { $_.Name }")
        ps.invoke()
        refused = {"state": ps.state, "had_errors": ps.had_errors, "errors": errors(ps)}
        ps2, out = run(p, "Get-AcceptedDomain")
        return {"refused": refused, "after": summary(ps2, out)}


def s_command_metadata():
    with pool() as p:
        meta = p.get_command_metadata("*")
        by_name = {m.name: m for m in meta}
        mbx = by_name.get("Get-Mailbox")
        return {
            "count": len(meta),
            "names": sorted(by_name),
            "get_mailbox_params": sorted(mbx.parameters.keys()) if mbx else [],
            "command_type": str(mbx.command_type) if mbx else None,
        }


def s_format_data():
    with pool() as p:
        ps = PowerShell(p)
        ps.add_cmdlet("Get-FormatData").add_parameter("TypeName", "*")
        ps.add_cmdlet("Measure-Object")
        measured = ps.invoke()
        ps2, out2 = run(p, "Get-FormatData", TypeName="*", PowerShellVersion="5.1.19041.1")
        return {"measure": summary(ps, measured), "plain": summary(ps2, out2)}


def s_pipeline_input():
    with pool() as p:
        _, listed = run(p, "Get-Mailbox", ResultSize=3)
        identities = [str(m.adapted_properties["Identity"]) for m in listed]
        ps = PowerShell(p)
        ps.add_cmdlet("Get-Mailbox")
        ps.begin_invoke(input=identities)
        ps.poll_invoke()
        out = ps.output
        return {"sent": identities, "result": summary(ps, out)}


def s_exchange_pipeline():
    with pool() as p:
        _, listed = run(p, "Get-Mailbox", ResultSize=2)
        identity = str(listed[0].adapted_properties["Identity"])
        ps = PowerShell(p)
        ps.add_cmdlet("Get-Mailbox").add_parameter("Identity", identity)
        ps.add_cmdlet("Get-MailboxPermission")
        out = ps.invoke()
        return {"identity": identity, "result": summary(ps, out)}


def s_token_passthrough():
    t = token()
    with pool("?BasicAuthToOAuthConversion=true", user="anyone", password="Bearer " + t) as p:
        ps, out = run(p, "Get-AcceptedDomain")
        good = summary(ps, out)
    with pool("?BasicAuthToOAuthConversion=true;PSVersion=5.1.19041.1", user="anyone", password=t) as p:
        ps, out = run(p, "Get-AcceptedDomain")
        bare = summary(ps, out)
    with pool("?BasicAuthToOAuthConversion=true", user="anyone", password="Bearer not-a-token") as p:
        ps, out = run(p, "Get-AcceptedDomain")
        bad = summary(ps, out)
    return {"good": good, "bare": bare, "bad": bad}


def s_password_passthrough():
    with pool() as p:
        ps, out = run(p, "Get-AcceptedDomain")
        good = summary(ps, out)
    try:
        with pool(password=PASSWORD + "-wrong") as p:
            rejected = None
    except AuthenticationError as e:
        rejected = str(e)
    return {"good": good, "wrong_password_error": rejected}


def s_delegated_org():
    with pool("?DelegatedOrg=" + TENANT) as p:
        ps, out = run(p, "Get-AcceptedDomain")
        own = summary(ps, out)
    with pool("?DelegatedOrg=fabrikam.onmicrosoft.com") as p:
        ps, out = run(p, "Get-AcceptedDomain")
        other = summary(ps, out)
    return {"own": own, "other": other}


def s_parallel_pools():
    results = [None] * 8

    def one(i):
        try:
            with pool() as p:
                ps, out = run(p, "Get-AcceptedDomain")
                results[i] = {"state": ps.state, "count": len(out)}
        except Exception as e:  # reported, asserted in Rust
            results[i] = {"error": repr(e)}

    threads = [threading.Thread(target=one, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return {"results": results}


def s_deleted_shell():
    p = pool()
    p.open()
    shell = p.shell
    selector = shell._selector_set
    p.close()
    out = {}
    try:
        shell.receive("stdout")
        out["receive"] = None
    except WSManFaultError as e:
        out["receive"] = e.code
    try:
        shell.wsman.delete(shell.resource_uri, selector_set=selector)
        out["delete"] = None
    except WSManFaultError as e:
        out["delete"] = e.code
    return out


def s_quota():
    opened, fault = [], None
    try:
        for _ in range(3):
            p = pool()
            p.open()
            opened.append(p)
    except WSManFaultError as e:
        fault = {"code": e.code, "message": e.message}
    count = len(opened)
    for p in opened:
        p.close()
    with pool() as p:
        reopened = p.state
    return {"opened": count, "fault": fault, "reopened_state": reopened}


def s_property_order():
    # The same mailbox twice: through the proxy (CLIXML) and straight from the emulator's REST
    # API (JSON, whose key order Python keeps).
    with pool() as p:
        ps, out = run(p, "Get-Mailbox", ResultSize=1)
        proxied = list(out[0].adapted_properties.keys())
        identity = str(out[0].adapted_properties["Identity"])
    r = requests.post(
        f"{EMULATOR}/adminapi/beta/{TENANT}/InvokeCommand",
        headers={"Authorization": f"Bearer {token()}", "X-ResponseFormat": "json"},
        json={"CmdletInput": {"CmdletName": "Get-Mailbox", "Parameters": {"Identity": identity}}},
        timeout=10,
    )
    r.raise_for_status()
    rest = list(r.json()["value"][0].keys())
    return {"state": ps.state, "proxied": proxied, "rest": rest}


def s_held_during_shutdown():
    # The Rust test holds the upstream answer until the proxy has received SIGTERM.
    p = pool()
    p.open()
    ps, out = run(p, "Get-AcceptedDomain")
    result = summary(ps, out)
    # Closing after a shutdown may find the proxy gone; that is not what is tested.
    try:
        p.close()
        result["closed"] = True
    except Exception as e:  # noqa: BLE001
        result["closed"] = str(e)
    return result


SCENARIOS = {name[2:]: fn for name, fn in globals().items() if name.startswith("s_")}

if __name__ == "__main__":
    result = SCENARIOS[sys.argv[1]]()
    print(json.dumps(result, default=str))
