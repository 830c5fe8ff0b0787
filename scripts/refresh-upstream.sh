#!/usr/bin/env bash
# Refreshes upstream/ from PyPI: scripts/refresh-upstream.sh [TCCLI_VERSION [SDK_VERSION]]
# (default: the newest of each). A maintainer command: it runs pip; tests never do.
set -euo pipefail
cd "$(dirname "$0")/.."
tccli=${1:+==$1}
sdk=${2:+==$2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m pip download --quiet --no-deps -d "$work" "tccli-intl-en$tccli" "tencentcloud-sdk-python-intl-en$sdk"
python3 - "$work" <<'PY'
import json, pathlib, re, sys, zipfile
work = pathlib.Path(sys.argv[1])
root = pathlib.Path("upstream")
manifest = json.loads((root / "manifest.json").read_text())
def wheel(prefix):
    (w,) = [p for p in work.iterdir() if p.name.startswith(prefix)]
    return zipfile.ZipFile(w), re.match(r"[^-]+-([^-]+)-", w.name).group(1)
cli, cli_version = wheel("tccli_intl_en-")
sdk, sdk_version = wheel("tencentcloud_sdk_python_intl_en-")
for s in manifest["services"]:
    svc, ver = s["service"], s["version"]
    for name in ("api.json", "examples.json"):
        out = root / "tccli-intl-en" / svc / ver / name
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(cli.read(f"tccli/services/{svc}/{ver}/{name}"))
    out = root / "tencentcloud-sdk-python-intl-en" / svc / ver / "errorcodes.py"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(sdk.read(f"tencentcloud/{svc}/{ver}/errorcodes.py"))
manifest["description"]["version"] = cli_version
manifest["error_codes"]["version"] = sdk_version
(root / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
print(f"upstream/: tccli-intl-en {cli_version}, tencentcloud-sdk-python-intl-en {sdk_version}")
PY
echo "now: update the versions in upstream/README.md, then cargo xtask import && cargo xtask drift"
