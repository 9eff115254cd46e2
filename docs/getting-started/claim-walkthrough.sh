#!/usr/bin/env bash
# Walk-through: a manual reimbursement claim (手工报销). 张三 was admitted to a Shanghai hospital nine days
# ago with no filing (he had revoked his in the filing walk-through). Before his discharge today he filed
# again, starting on the day he was admitted, as the hospital's eligibility answer advises; but direct
# settlement failed, so he paid the hospital in full and claims the money back.
#
# Against `make run`'s server, with what it printed on its first run: the xm_wechat key (under "Channel
# API keys") and the passwords of demo_counter, demo_reviewer and demo_admin ("Demo staff accounts"):
#   KEY=<xm_wechat key> COUNTER_PASSWORD=<…> REVIEWER_PASSWORD=<…> ADMIN_PASSWORD=<…> \
#     bash docs/getting-started/claim-walkthrough.sh
# Once per database: 张三 then holds a live filing, and a stay or an invoice backs one claim only, so a
# second run is refused (409). Each step is one curl: -sS is quiet but shows errors, --fail-with-body makes a refusal
# (4xx, 5xx) print its body and stop the script (set -e). python3 reads the fields later steps need.
set -euo pipefail

B=${B:-http://127.0.0.1:8000/api/v1}                                   # make run's server
KEY=${KEY:?the xm_wechat key make run printed}                          # the WeChat channel's backend
COUNTER_PASSWORD=${COUNTER_PASSWORD:?the password of demo_counter}      # counter staff: the checklist
REVIEWER_PASSWORD=${REVIEWER_PASSWORD:?the password of demo_reviewer}   # a reviewer: the decision
ADMIN_PASSWORD=${ADMIN_PASSWORD:?the password of demo_admin}            # an administrator: the payment
ID_NUMBER=350203195603120312                                           # the demo person 张三
# Dates are the bureau's (China Standard Time), counted from today: GNU date.
TODAY=$(TZ=Asia/Shanghai date +%F)
ADMITTED=$(date -d "$TODAY -9 days" +%F)
DISCHARGED=$TODAY

W=$(mktemp -d)          # the answers later steps read from, and the scan to upload
trap 'rm -rf "$W"' EXIT
step() { printf '\n== %s\n' "$*"; }
# field NAME: the field NAME of the JSON answer on stdin, as JSON writes it (a string without its quotes).
field() { python3 -c 'import json, sys; v = json.load(sys.stdin)[sys.argv[1]]; print(v if isinstance(v, str) else json.dumps(v))' "$1"; }

step "0. Staff log in; a session for 张三"
# POST /auth/token/ exchanges a username and password for a staff token (Authorization: Token …).
curl -sS --fail-with-body -X POST "$B/auth/token/" -H 'Content-Type: application/json' \
  -d '{"username":"demo_counter","password":"'"$COUNTER_PASSWORD"'"}' | tee "$W/counter.json"; echo
COUNTER=$(field token <"$W/counter.json")
curl -sS --fail-with-body -X POST "$B/auth/token/" -H 'Content-Type: application/json' \
  -d '{"username":"demo_reviewer","password":"'"$REVIEWER_PASSWORD"'"}' | tee "$W/reviewer.json"; echo
REVIEWER=$(field token <"$W/reviewer.json")
curl -sS --fail-with-body -X POST "$B/auth/token/" -H 'Content-Type: application/json' \
  -d '{"username":"demo_admin","password":"'"$ADMIN_PASSWORD"'"}' | tee "$W/admin.json"; echo
ADMIN=$(field token <"$W/admin.json")
# The WeChat backend opens a session for 张三, as in the filing walk-through.
curl -sS --fail-with-body -X POST "$B/person-sessions/" -H "Authorization: Api-Key $KEY" \
  -H 'Content-Type: application/json' -d '{"id_number":"'$ID_NUMBER'","name":"张三"}' | tee "$W/session.json"; echo
TOKEN=$(field token <"$W/session.json")

step "1. The filing he made before discharge, starting on the day he was admitted"
# A start date may lie up to 12 months back (补办备案). Made by the discharge day, it counts as filed.
curl -sS --fail-with-body -X POST "$B/filings/" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"filing_type":"retiree_resettled","destination":"310000","start_date":"'$ADMITTED'",
       "contact_name":"张三","contact_phone":"13906001234","consent":true}' | tee "$W/filing.json"; echo
echo "→ filing $(field reference <"$W/filing.json") is $(field state <"$W/filing.json"), from $ADMITTED"

step "2. What must be brought for an inpatient claim"
curl -sS --fail-with-body "$B/requirements/?claim_kind=inpatient" -H "Authorization: Bearer $TOKEN"; echo

step "3. The claim"
# Amounts are decimal strings in yuan; the invoices (票据) add up to the total. The institution is named
# by its catalogue code (it must lie in "city"), or by name and level. The answer carries the basis
# derived from the records (never from "reason"), the checklist, what is missing, and an estimate from
# the amount engine.
curl -sS --fail-with-body -X POST "$B/claims/" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{
  "claim_kind":"inpatient","reason":"settlement_failed","institution":"H31010000001",
  "city":"310100","admission_date":"'$ADMITTED'","discharge_date":"'$DISCHARGED'",
  "total_amount":"20000.00","excluded_amount":"1000.00",
  "invoices":[{"code":"31000026","number":"110001","amount":"20000.00","issued_on":"'$DISCHARGED'"}],
  "bank_name":"中国银行","bank_account":"6216610000001234567"}' | tee "$W/claim.json"; echo
CLAIM=$(field reference <"$W/claim.json")
echo "→ claim $CLAIM is $(field state <"$W/claim.json"), basis $(field basis <"$W/claim.json")" \
  "(filing $(field filing <"$W/claim.json")), missing $(field missing <"$W/claim.json")"

step "4. A scan from 张三; the counter accepts the original invoice and asks for the rest"
# Uploads are multipart: PDF, JPEG or PNG, up to 10 MB. A tiny PDF stands in for the discharge summary.
printf '%%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%%%EOF\n' >"$W/summary.pdf"
curl -sS --fail-with-body -X POST "$B/claims/$CLAIM/materials/discharge_summary/" -H "Authorization: Bearer $TOKEN" \
  -F file=@"$W/summary.pdf"; echo
curl -sS --fail-with-body -X POST "$B/claims/$CLAIM/materials/hospital_invoice/status/" -H "Authorization: Token $COUNTER" \
  -H 'Content-Type: application/json' -d '{"status":"accepted"}'; echo
# 补正: the claim waits for the person; the event's reason names what is missing.
curl -sS --fail-with-body -X POST "$B/claims/$CLAIM/request-materials/" -H "Authorization: Token $COUNTER" \
  | tee "$W/asked.json"; echo
echo "→ claim $CLAIM is $(field state <"$W/asked.json"), missing $(field missing <"$W/asked.json")"

step "5. He brings the rest; the counter accepts each missing item; he resubmits"
# A review cannot start (409 materials_missing) until every required item is accepted.
for ITEM in $(python3 -c 'import json, sys; print(*json.load(sys.stdin)["missing"])' <"$W/asked.json"); do
  curl -sS --fail-with-body -X POST "$B/claims/$CLAIM/materials/$ITEM/status/" -H "Authorization: Token $COUNTER" \
    -H 'Content-Type: application/json' -d '{"status":"accepted"}'; echo
done
curl -sS --fail-with-body -X POST "$B/claims/$CLAIM/submit/" -H "Authorization: Bearer $TOKEN" | tee "$W/resubmitted.json"; echo
echo "→ claim $CLAIM is $(field state <"$W/resubmitted.json"), missing $(field missing <"$W/resubmitted.json")"

step "6. A reviewer starts the review and approves"
curl -sS --fail-with-body -X POST "$B/claims/$CLAIM/start-review/" -H "Authorization: Token $REVIEWER"; echo
# Approval derives the basis again, computes the amount and freezes it with its breakdown.
curl -sS --fail-with-body -X POST "$B/claims/$CLAIM/approve/" -H "Authorization: Token $REVIEWER" | tee "$W/approved.json"; echo
echo "→ claim $CLAIM is $(field state <"$W/approved.json"), payable $(field payable_amount <"$W/approved.json") yuan"

step "7. An administrator records the payment; the history"
curl -sS --fail-with-body -X POST "$B/claims/$CLAIM/pay/" -H "Authorization: Token $ADMIN" \
  -H 'Content-Type: application/json' -d '{"payment_reference":"ZF'"${TODAY//-/}"'0001"}' | tee "$W/paid.json"; echo
echo "→ claim $CLAIM is $(field state <"$W/paid.json") on $(field paid_at <"$W/paid.json")"
# Every step, oldest first, with its actor, channel and time.
curl -sS --fail-with-body "$B/claims/$CLAIM/events/" -H "Authorization: Bearer $TOKEN"; echo
