"""The official Python SDK (tencentcloud-sdk-python-intl-en) against tc-mock.

Run by scripts/python-sdk-check.sh, which installs the SDK in a scratch virtualenv and starts
two servers: TC_MOCK_ENDPOINT (a correct clock) and TC_MOCK_SKEWED_ENDPOINT (its clock an hour
ahead, so the SDK's timestamps look stale). For each TCSS/CWP action in spec/, with every
signing option the SDK offers (TC3 POST and GET, TC3 with unsignedPayload on POST and GET,
HmacSHA1 and HmacSHA256 on GET and POST), it calls the action through the SDK's own client
and request model, then checks the documented codes for a wrong key, an unknown SecretId and
a stale timestamp. Prints a Markdown report; exits 1 if any check failed.
"""

import glob
import importlib
import json
import os
import sys

import yaml
import tencentcloud
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile

# (label, signMethod, reqMethod, unsignedPayload)
OPTIONS = [
    ("TC3 POST", "TC3-HMAC-SHA256", "POST", False),
    ("TC3 GET", "TC3-HMAC-SHA256", "GET", False),
    ("TC3 unsigned POST", "TC3-HMAC-SHA256", "POST", True),
    ("TC3 unsigned GET", "TC3-HMAC-SHA256", "GET", True),
    ("HmacSHA1 GET", "HmacSHA1", "GET", False),
    ("HmacSHA1 POST", "HmacSHA1", "POST", False),
    ("HmacSHA256 GET", "HmacSHA256", "GET", False),
    ("HmacSHA256 POST", "HmacSHA256", "POST", False),
]

# (label, what changes, expected code)
FAILURES = [
    ("wrong SecretKey", "key", "AuthFailure.SignatureFailure"),
    ("unknown SecretId", "id", "AuthFailure.SecretIdNotFound"),
    ("stale timestamp (server clock +1 h)", "skew", "AuthFailure.SignatureExpire"),
]


def load_spec(root):
    """{(service, version): [(action, params)]} from spec/, params typed from the example."""
    out = {}
    for service_file in sorted(glob.glob(os.path.join(root, "*", "service.yaml"))):
        service_dir = os.path.dirname(service_file)
        service = yaml.safe_load(open(service_file))
        structures = {}
        for f in glob.glob(os.path.join(service_dir, "structures", "*.yaml")):
            s = yaml.safe_load(open(f))
            structures[s["structure"]] = {m["name"]: m["type"] for m in s.get("fields", [])}
        actions = []
        for f in sorted(glob.glob(os.path.join(service_dir, "actions", "*.yaml"))):
            a = yaml.safe_load(open(f))
            types = {m["name"]: m["type"] for m in a.get("request", [])}
            example = (a.get("examples") or [{}])[0].get("request", "")
            actions.append((a["action"], example_params(example, types, structures)))
        out[(service["service"], str(service["version"]))] = actions
    return out


def coerce(text, ty, structures):
    if ty == "Integer" or ty == "UInteger":
        return int(text)
    if ty == "Float":
        return float(text)
    if ty == "Boolean":
        return text.lower() == "true"
    return text


def element_type(ty):
    return ty[len("Array of "):] if ty.startswith("Array of ") else None


def put(obj, keys, text, ty, structures):
    """Sets a flattened key (`Filters.0.Values.1`) in `obj`, typing the leaf."""
    key, rest = keys[0], keys[1:]
    if isinstance(obj, list):
        i = int(key)
        while len(obj) <= i:
            obj.append(None)
        inner = element_type(ty) or ty
        if not rest:
            obj[i] = coerce(text, inner, structures)
            return
        obj[i] = obj[i] if obj[i] is not None else ({} if not rest[0].isdigit() else [])
        put(obj[i], rest, text, inner, structures)
        return
    fields = structures.get(ty, {}) if ty else {}
    field_ty = fields.get(key, "String") if ty else ty
    if not rest:
        obj[key] = coerce(text, field_ty, structures)
        return
    obj.setdefault(key, [] if rest[0].isdigit() else {})
    put(obj[key], rest, text, field_ty, structures)


def example_params(request, types, structures):
    """The business parameters of a documented example request (URL form or POST JSON)."""
    lines = [l.strip() for l in request.splitlines() if l.strip()]
    if lines and lines[0].startswith("POST "):
        start = next((i for i, l in enumerate(lines) if l.startswith("{")), len(lines))
        return json.loads("\n".join(lines[start:]) or "{}")
    params = {}
    for line in lines:
        part = line.split("?", 1)[1] if "?" in line else line.lstrip("&")
        for pair in part.split("&"):
            if "=" not in pair or pair.startswith("<"):
                continue
            k, v = pair.split("=", 1)
            if k == "Action":
                continue
            top = k.split(".")[0]
            ty = types.get(top, "String")
            if "." in k:
                params.setdefault(top, [])
                put(params[top], k.split(".")[1:], v, ty, structures)
            else:
                params[k] = coerce(v, ty, structures)
    return params


def client_for(service, version, endpoint, secret_id, secret_key, option):
    _, sign_method, req_method, unsigned = option
    http = HttpProfile(endpoint=endpoint, reqMethod=req_method, protocol="http")
    profile = ClientProfile(signMethod=sign_method, httpProfile=http, language="en-US")
    profile.unsignedPayload = unsigned
    module = importlib.import_module("tencentcloud.%s.v%s.%s_client" % (service, version.replace("-", ""), service))
    cls = getattr(module, "%sClient" % service.capitalize())
    return cls(credential.Credential(secret_id, secret_key), "ap-guangzhou", profile)


def call(service, version, action, params, endpoint, secret_id, secret_key, option):
    """'OK' or the error code."""
    client = client_for(service, version, endpoint, secret_id, secret_key, option)
    models = importlib.import_module("tencentcloud.%s.v%s.models" % (service, version.replace("-", "")))
    req = getattr(models, action + "Request")()
    req.from_json_string(json.dumps(params))
    try:
        resp = getattr(client, action)(req)
    except TencentCloudSDKException as e:
        return e.get_code() or "SDKError", e.get_message()
    return ("OK", resp.RequestId) if resp.RequestId else ("no RequestId", "")


def main():
    endpoint = os.environ["TC_MOCK_ENDPOINT"]
    skewed = os.environ["TC_MOCK_SKEWED_ENDPOINT"]
    secret_id = os.environ["TENCENTCLOUD_SECRET_ID"]
    secret_key = os.environ["TENCENTCLOUD_SECRET_KEY"]
    spec = load_spec(os.environ.get("TC_MOCK_SPEC", "spec"))
    calls = []
    for (service, version), actions in spec.items():
        for action, params in actions:
            calls.append((service, version, action, params))
            if action == "DescribeImageAutoAuthorizedTaskList":
                # Nested arrays, an integer and a boolean: what GET and v1 flatten and sign.
                nested = dict(params, Limit=5, Offset=0,
                              Filters=[{"Name": "Source", "Values": ["LOCAL", "REGISTRY"], "ExactMatch": True}])
                calls.append((service, version, action, nested))
    failed = 0
    header = "| service | action | parameters | " + " | ".join(o[0] for o in OPTIONS) + " |"
    print(header)
    print("|" + "---|" * (3 + len(OPTIONS)))
    for service, version, action, params in calls:
        cells = []
        for option in OPTIONS:
            code, detail = call(service, version, action, params, endpoint, secret_id, secret_key, option)
            if code != "OK":
                failed += 1
                cells.append("**%s** (%s)" % (code, detail[:80]))
            else:
                cells.append("OK")
        print("| %s %s | %s | `%s` | %s |" % (service, version, action, json.dumps(params), " | ".join(cells)))
    print()
    print("| failure | expected | " + " | ".join(o[0] for o in OPTIONS) + " |")
    print("|" + "---|" * (2 + len(OPTIONS)))
    service, version, action, params = calls[0]
    for label, change, expected in FAILURES:
        cells = []
        for option in OPTIONS:
            ep, sid, key = endpoint, secret_id, secret_key
            if change == "key":
                key = "wrong-" + secret_key
            elif change == "id":
                sid = "AKIDnobodyknows0000000000000000000000"
            else:
                ep = skewed
            code, _ = call(service, version, action, params, ep, sid, key, option)
            ok = code == expected
            failed += 0 if ok else 1
            cells.append(code if ok else "**%s**" % code)
        print("| %s (%s) | `%s` | %s |" % (label, action, expected, " | ".join(cells)))
    print()
    total = len(calls) * len(OPTIONS) + len(FAILURES) * len(OPTIONS)
    print("%d checks with tencentcloud-sdk-python-intl-en %s, Python %s: %d passed, %d failed"
          % (total, tencentcloud.__version__, sys.version.split()[0], total - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
