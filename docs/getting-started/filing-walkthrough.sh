#!/usr/bin/env bash
# Walk-through: a filing. A channel opens a session for a person, who files for Shanghai; a Shanghai
# hospital asks whether he is covered; he revokes; the hospital asks again; the history.
#
# Against `make run`'s server, with two of the keys it printed on its first run (under "Channel API keys"):
#   KEY=<xm_wechat key> HKEY=<hospital key> bash docs/getting-started/filing-walkthrough.sh
# Each step is one curl: -sS is quiet but shows errors, --fail-with-body makes a refusal (4xx, 5xx) print
# its body and stop the script (set -e). python3 reads the fields later steps need (jq would do as well).
set -euo pipefail

B=${B:-http://127.0.0.1:8000/api/v1}            # make run's server
KEY=${KEY:?the xm_wechat key make run printed}   # the WeChat channel's backend
HKEY=${HKEY:?the hospital key make run printed}  # the system of a Shanghai hospital, H31010000001
ID_NUMBER=350203195603120312                    # the demo person 张三, a resettled retiree
TODAY=$(TZ=Asia/Shanghai date +%F)               # dates are the bureau's (China Standard Time)

W=$(mktemp -d)          # the answers later steps read from
trap 'rm -rf "$W"' EXIT
step() { printf '\n== %s\n' "$*"; }
# field NAME: the field NAME of the JSON answer on stdin, as JSON writes it (a string without its quotes).
field() { python3 -c 'import json, sys; v = json.load(sys.stdin)[sys.argv[1]]; print(v if isinstance(v, str) else json.dumps(v))' "$1"; }

step "1. A session for 张三"
# The WeChat backend has verified 张三 and opens a session for him (30 minutes); he is then its Bearer.
curl -sS --fail-with-body -X POST "$B/person-sessions/" -H "Authorization: Api-Key $KEY" \
  -H 'Content-Type: application/json' -d '{"id_number":"'$ID_NUMBER'","name":"张三"}' | tee "$W/session.json"; echo
TOKEN=$(field token <"$W/session.json")
echo "→ a person token, until $(field expires_at <"$W/session.json")"

step "2. What a resettled retiree needs; the filing"
# Self-service takes effect at once, resting on a commitment letter (the documents are due in 6 months).
curl -sS --fail-with-body "$B/requirements/?filing_type=retiree_resettled" -H "Authorization: Bearer $TOKEN"; echo
curl -sS --fail-with-body -X POST "$B/filings/" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"filing_type":"retiree_resettled","destination":"310000","start_date":"'$TODAY'",
       "contact_name":"张三","contact_phone":"13906001234","consent":true}' | tee "$W/filing.json"; echo
REF=$(field reference <"$W/filing.json")
echo "→ filing $REF is $(field state <"$W/filing.json"), resting on $(field proof_basis <"$W/filing.json")"

step "3. A Shanghai hospital asks at admission"
# Covered? On which basis? Does this hospital settle his bill directly?
curl -sS --fail-with-body "$B/eligibility/?id_number=$ID_NUMBER&city=310100&visit=inpatient&institution=H31010000001" \
  -H "Authorization: Api-Key $HKEY" | tee "$W/covered.json"; echo
echo "→ covered: $(field covered <"$W/covered.json"), by filing $(field filing <"$W/covered.json")"

step "4. He moves back and revokes; the hospital asks again"
# A revocation takes effect at once: the filing covers up to yesterday. The answer now says what to do.
curl -sS --fail-with-body -X POST "$B/filings/$REF/revoke/" -H "Authorization: Bearer $TOKEN" \
  -H 'Content-Type: application/json' -d '{"reason":"回厦门居住"}' | tee "$W/revoked.json"; echo
echo "→ filing $REF is $(field state <"$W/revoked.json"), covering up to $(field covered_until <"$W/revoked.json")"
curl -sS --fail-with-body "$B/eligibility/?id_number=$ID_NUMBER&city=310100&visit=inpatient" \
  -H "Authorization: Api-Key $HKEY" | tee "$W/not-covered.json"; echo
echo "→ covered: $(field covered <"$W/not-covered.json") ($(field reason_code <"$W/not-covered.json")), with a remedy"

step "5. The history, oldest first"
# submit, activate, revoke: each with its actor, channel and time.
curl -sS --fail-with-body "$B/filings/$REF/events/" -H "Authorization: Bearer $TOKEN"; echo
