#!/usr/bin/env bash
# 出生"一件事": one family's matter driven end to end through the public JSON API and the departments' stand-in, against
# a running platform (`make run` in another terminal). Every step is one curl the README shows. It prints what each step
# answered and stops at the first refusal it did not expect.
#
# Addresses and the issuer key default to `make run`'s; the AppHost test points them at its own platform.
set -euo pipefail

ENROLLMENT=${ENROLLMENT:-http://127.0.0.1:17102}
PRENATAL=${PRENATAL:-http://127.0.0.1:17112}
CLAIMS=${CLAIMS:-http://127.0.0.1:17122}
ALLOWANCE=${ALLOWANCE:-http://127.0.0.1:17132}
DEPARTMENTS=${DEPARTMENTS:-http://127.0.0.1:17020}
ENROLLMENT_GRPC=${ENROLLMENT_GRPC:-http://127.0.0.1:17101}
CLI=${CLI:-"dotnet tools/Cli/bin/${CONFIGURATION:-Debug}/net10.0/maternitycloud.dll"}
HOSPITAL=H33030200001

step() { printf '\n== %s\n' "$*"; }
# POST JSON with a credential; prints the answer; fails on an HTTP error unless the status is the expected one.
post() { # url credential json [expected-status]
  local out status
  out=$(curl -sS -o /dev/stdout -w '\n%{http_code}' -X POST "$1" -H "authorization: Bearer $2" -H 'content-type: application/json' -d "$3")
  status=${out##*$'\n'}; out=${out%$'\n'*}
  echo "$out" | jq -c . 2>/dev/null || echo "$out"
  [ "$status" = "${4:-200}" ] || { echo "unexpected HTTP $status from $1" >&2; exit 1; }
  LAST=$out
}
get() { # url credential
  LAST=$(curl -sS -f "$1" -H "authorization: Bearer $2"); echo "$LAST" | jq -c .
}
# A resident ID number with a valid check character (GB 11643), of the given sex.
id_number() { # birth-yyyymmdd male|female
  local body seq w=(7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2) sum=0 i odd=0
  [ "$2" = male ] && odd=1   # the 17th digit is odd for a man
  seq=$(( RANDOM % 499 * 2 + odd ))
  body=$(printf '330302%s%03d' "$1" "$seq")
  for i in $(seq 0 16); do sum=$(( sum + ${body:$i:1} * ${w[$i]} )); done
  echo "$body$(echo 10X98765432 | cut -c $(( sum % 11 + 1 )))"
}
# A unified social credit code with its check character (GB 32100), from 17 characters.
credit_code() {
  local chars=0123456789ABCDEFGHJKLMNPQRTUWXY w=(1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28) sum=0 i c
  for i in $(seq 0 16); do c=${1:$i:1}; c=${chars%%"$c"*}; sum=$(( sum + ${#c} * ${w[$i]} )); done
  echo "$1${chars:$(( (31 - sum % 31) % 31 )):1}"
}
day() { date -d "$1" +%Y-%m-%d; }
month() { date -d "$(date +%Y-%m-01) $1" +%Y-%m; }  # from the first of this month: no 31st overflows

step "credentials from the platform's issuer (development): a clerk, the hospital, the official account"
CLERK=$($CLI issue-credential operator walk-clerk Administrator fund-centre)
HOSP=$($CLI issue-credential institution $HOSPITAL --enrollment "$ENROLLMENT_GRPC")
OA=$($CLI issue-credential service official-account)
HUSBAND=$(id_number 19900512 male); WIFE=$(id_number 19920703 female)
CREDIT=$(credit_code "$(printf '9133030%010d' $(( RANDOM * RANDOM )))")
echo "husband $HUSBAND, wife $WIFE"

step "the husband's employer and his insurance, with two years of contributions (the clerk)"
post "$ENROLLMENT/v1/employers" "$CLERK" "{\"credit_code\":\"$CREDIT\",\"name\":\"温州市示例机械有限公司\",\"corporate_account\":{\"bank_name\":\"中国银行温州分行\",\"account_number\":\"35680123456789\",\"account_name\":\"温州市示例机械有限公司\"}}"
post "$ENROLLMENT/v1/insured-persons" "$CLERK" "{\"id_number\":\"$HUSBAND\",\"name\":\"张伟\",\"kind\":\"INSURED_KIND_EMPLOYEE\",\"employer_credit_code\":\"$CREDIT\",\"insured_from\":\"2019-03-01\",\"region\":\"330300\"}"
CSV=$(mktemp --suffix=.csv); trap 'rm -f "$CSV"' EXIT
echo "id_number,month,employer_credit_code,paid_in_full_on_time,back_payment,amount" > "$CSV"
for i in $(seq 1 24); do echo "$HUSBAND,$(month "-$i month"),$CREDIT,true,false,812.40" >> "$CSV"; done
MATERNITYCLOUD_CREDENTIAL=$CLERK $CLI import-contributions "$CSV" --enrollment "$ENROLLMENT_GRPC"

step "民政 civil affairs records the marriage (departments' stand-in)"
CERT=J330302-$(date +%Y)-$RANDOM
post "$DEPARTMENTS/api/records/marriage" "-" "{\"certificate_number\":\"$CERT\",\"husband_id_number\":\"$HUSBAND\",\"wife_id_number\":\"$WIFE\",\"registered_on\":\"$(day '-2 year')\"}"

step "the hospital files the unemployed wife (备案), verified against the marriage record"
post "$ENROLLMENT/v1/spouse-filings" "$HOSP" "{\"employee_id_number\":\"$HUSBAND\",\"spouse_id_number\":\"$WIFE\",\"spouse_name\":\"李娜\",\"marriage_certificate_number\":\"$CERT\"}"
get "$ENROLLMENT/v1/eligibility?idNumber=$WIFE&benefit=BENEFIT_MATERNITY_MEDICAL&eventDate=$(day today)&institutionCode=$HOSPITAL" "$HOSP"
[ "$(echo "$LAST" | jq -r .asFiledSpouse)" = true ]

step "the hospital registers her pregnancy (产前登记)"
post "$PRENATAL/v1/prenatal-registrations" "$HOSP" "{\"certno\":\"$WIFE\",\"pregnancy_date\":\"$(day '-280 day')\",\"expected_delivery_date\":\"$(day '-1 day')\",\"fetus_cnt\":1,\"fixmedins_code\":\"$HOSPITAL\",\"channel\":\"CHANNEL_HOSPITAL_SERVICE_STATION\"}"

step "the childbirth is settled at the counter (national 2207: med_type 52, matn_type 1 normal delivery)"
BORN=$(day '-1 day')
post "$CLAIMS/v1/settlements" "$HOSP" "{\"fixmedins_code\":\"$HOSPITAL\",\"request_id\":\"HIS-$RANDOM$RANDOM\",\"certno\":\"$WIFE\",\"certificate_type\":\"VISIT_CERTIFICATE_TYPE_ID_CARD\",\"mdtrt_cert_no\":\"$WIFE\",\"med_type\":\"52\",\"matn_type\":\"1\",\"geso_val\":39,\"fetus_cnt\":1,\"service_date\":\"$BORN\",\"lines\":[{\"med_list_codg\":\"331505001\",\"cnt\":\"1\",\"pric\":\"2800.00\",\"det_item_fee_sumamt\":\"2800.00\"}],\"medfee_sumamt\":\"2800.00\"}"
echo "fund paid $(echo "$LAST" | jq -r .fundAmount) yuan as a filed spouse: $(echo "$LAST" | jq -r .asFiledSpouse)"

step "the allowance case opened by itself (免申办): Wenzhou pays an unemployed spouse's medical costs, not the allowance"
for _ in $(seq 1 30); do
  get "$ALLOWANCE/v1/allowance-cases?state=CASE_STATE_REFUSED&pageSize=200" "$CLERK" >/dev/null
  CASE=$(echo "$LAST" | jq -c --arg id "$WIFE" '[.cases[] | select(.idNumber == $id)][0] // empty')
  [ -n "$CASE" ] && break; sleep 1
done
echo "$CASE" | jq -c '{state, findings: [.findings[].code]}'
echo "$CASE" | jq -e '.findings[] | select(.code == "spouse-medical-only")' >/dev/null

step "卫健 the health commission issues the birth certificate; the guardian is reminded to enrol the newborn"
BC=Q33$(printf '%07d' $(( RANDOM * 30 + RANDOM % 30 )))
post "$DEPARTMENTS/api/records/birth-certificate" "-" "{\"certificate_number\":\"$BC\",\"birth_date\":\"$BORN\",\"newborn_name\":\"张小满\",\"mother_id_number\":\"$WIFE\",\"guardian_id_number\":\"$WIFE\",\"guardian_name\":\"李娜\",\"guardian_mobile_phone\":\"13912345678\",\"street\":\"五马街道\"}"

step "the hospital's service station enrols the newborn with the birth certificate (落地即参保)"
post "$ENROLLMENT/v1/newborns" "$HOSP" "{\"birth_certificate_number\":\"$BC\",\"name\":\"张小满\",\"birth_date\":\"$BORN\",\"guardian_id_number\":\"$WIFE\"}"

step "亲情代办: the mother links the newborn in the official account and gets its electronic medical-insurance code"
post "$ENROLLMENT/v1/guardian-links" "$OA" "{\"birth_certificate_number\":\"$BC\",\"guardian_id_number\":\"$WIFE\"}"
CODE=$(echo "$LAST" | jq -r .electronicCode.code)
echo "electronic code $CODE"

step "a stranger cannot link the newborn"
post "$ENROLLMENT/v1/guardian-links" "$OA" "{\"birth_certificate_number\":\"$BC\",\"guardian_id_number\":\"$HUSBAND\"}" 403

step "the hospital presents the code at the counter: before household registration it identifies a newborn with no ID number yet"
post "$CLAIMS/v1/settlements:preSettle" "$HOSP" "{\"fixmedins_code\":\"$HOSPITAL\",\"request_id\":\"HIS-$RANDOM\",\"certificate_type\":\"VISIT_CERTIFICATE_TYPE_ELECTRONIC_CODE\",\"mdtrt_cert_no\":\"$CODE\",\"med_type\":\"51\",\"matn_type\":\"7\",\"geso_val\":12,\"fetus_cnt\":1,\"service_date\":\"$(day today)\",\"lines\":[{\"med_list_codg\":\"311202001\",\"cnt\":\"1\",\"pric\":\"100.00\",\"det_item_fee_sumamt\":\"100.00\"}],\"medfee_sumamt\":\"100.00\"}" 400
echo "$LAST" | jq -e '.details[0].violations[0].type == "newborn-identity"' >/dev/null

printf '\nDone: marriage record, spouse filing, prenatal registration, childbirth settlement, allowance case, birth certificate, newborn enrolment, electronic code.\n'
