#!/bin/sh
# Writes starting corpora for every fuzz target into fuzz/corpus/<target>/ from the real
# inputs of the repository: the spec files, the documented example replies, a profile file,
# GET queries and an Authorization header. Run from anywhere; idempotent.
set -eu
cd "$(dirname "$0")"
spec=../spec
mkdir -p corpus/spec_load corpus/response_decode corpus/credentials_ini corpus/query_unflatten corpus/authorization_parse

# spec_load: first byte = index of the file in the sorted list of spec files, then its text.
i=0
for f in $(cd "$spec" && find . -name '*.yaml' | sed 's|^\./||' | LC_ALL=C sort); do
    { printf "\\$(printf '%03o' "$i")"; cat "$spec/$f"; } > "corpus/spec_load/$(echo "$f" | tr / _)"
    i=$((i + 1))
done

# response_decode: two bytes of status selector (0,0 = HTTP 200), then a body.
n=0
for f in "$spec"/*/actions/*.yaml; do
    # The example response block: the lines after `response: |-` under `examples:`, dedented.
    awk '/^examples:/ {ex=1} ex && /^    response: \|-?$/ {r=1; next} r && /^      / {sub(/^      /, ""); print; next} r {r=0}' "$f" \
        > /tmp/tc-fuzz-body.$$
    if [ -s /tmp/tc-fuzz-body.$$ ]; then
        { printf '\000\000'; cat /tmp/tc-fuzz-body.$$; } > "corpus/response_decode/example-$n"
        n=$((n + 1))
    fi
done
rm -f /tmp/tc-fuzz-body.$$
printf '\000\000{"Response":{"Error":{"Code":"InvalidParameter","Message":"bad"},"RequestId":"r"}}' > corpus/response_decode/error
printf '\003\001<html><body>502 Bad Gateway</body></html>' > corpus/response_decode/status-502

# credentials_ini
printf '[default]\nsecret_id = AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA\nsecret_key = Gu5t9xGARNpq86cd98joQYCN3EozvY\n\n[prod]\nsecret_id=AKIDprod\nsecret_key="k=:ey"\ntoken = tok\n' \
    > corpus/credentials_ini/two-profiles
printf '\357\273\277# c\r\n; c\r\n[default] ; x\r\nSECRET_ID: AKID1\r\nsecret_key=k\r\n' > corpus/credentials_ini/bom-crlf

# query_unflatten
printf 'StartTime=2022-01-01&EndTime=2022-01-07&Filters.0.Name=Source&Filters.0.Values.0=LOCAL&Filters.0.Values.1=REGISTRY&Limit=10&Offset=0' \
    > corpus/query_unflatten/task-list
printf 'MachineId=m-1&Count=2&Quota=3&Weight=0.25&Disk.DiskId=d-1&Disk.State=1&ExtraDisks.0.DiskId=d-2&Async=true' \
    > corpus/query_unflatten/modify-machine
printf 'Type=CVM&Filters.0.Name=Zone&Filters.0.Values.0=ap-guangzhou-1&MachineIds.0=a%%20b&IncludeDeep=false&Limit=1' \
    > corpus/query_unflatten/describe-machines

# authorization_parse: 8 bytes of little-endian timestamp (1640995200), then the header.
printf '\200\231\317\141\000\000\000\000TC3-HMAC-SHA256 Credential=test-secret-id/2022-01-01/cvm/tc3_request, SignedHeaders=content-type;host, Signature=96473b50fe407833672a5d6d067238d88bb44c8abcc39ef83baa3132afbfadd3' \
    > corpus/authorization_parse/vector-1
echo "corpora written under $(pwd)/corpus"
