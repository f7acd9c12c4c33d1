# shellcheck shell=bash
# Functions shared by the migration scripts that kaizala-migrate generates.
# Sourced by each customer's script, which sets the customer's values and calls km_main.
#
# Environment:
#   PARTNER_CENTER_TOKEN     Partner Center access token (App+User); never written anywhere
#   GRAPH_TOKEN              Microsoft Graph token for the customer's tenant (--license-api graph)
#   PARTNER_CENTER_BASE_URL  default https://api.partnercenter.microsoft.com
#   GRAPH_BASE_URL           default https://graph.microsoft.com
#   RESULTS_FILE             default results.csv beside the scripts
#   KM_MAX_ATTEMPTS          tries per request on 429 / 5xx / no answer, default 6
#   KM_TIMEOUT               seconds before a request counts as unanswered, default 180
#   KM_POLL_SECONDS, KM_POLL_MAX   how often and how many times a transition is looked at
#                            (default 10 s, 60 times)

km_log() { printf '%s\n' "$*" >&2; }
km_die() { printf 'error: %s\n' "$*" >&2; exit 2; }

km_usage() {
  cat >&2 <<'USAGE'
Usage: <customer>.sh [--apply] [--set-usage-location] [--no-transitions]
First, a pre-flight (P) reads what the migration depends on and reports what would stop it.
Without --apply the script then reads the tenant and prints every request that would change
something (method, URL, body), sending none of them. With --apply it buys (A), moves the users
(B) and suspends the retiring subscriptions (C), skipping whatever is already done.
--set-usage-location gives users to move who have no usage location the customer's country.
Where Partner Center offers a transition (or upgrade) of the expiring subscription to the target
with licence transfer, it is used instead of A and B; --no-transitions keeps to A, B and C.
USAGE
}

km_uuid() {
  if [ -r /proc/sys/kernel/random/uuid ]; then
    cat /proc/sys/kernel/random/uuid
  elif command -v uuidgen >/dev/null 2>&1; then
    uuidgen | tr '[:upper:]' '[:lower:]'
  else
    od -An -N16 -tx1 /dev/urandom | tr -d ' \n' |
      sed -E 's/^(.{8})(.{4})(.{4})(.{4})(.{12}).*/\1-\2-\3-\4-\5/'
  fi
}

# Creates the results file with its header; of several scripts starting at once only one does.
km_results_header() {
  (
    set -o noclobber
    printf 'time,customer_id,step,target,outcome,http_status,request_id\n' >"$1"
  ) 2>/dev/null || true
}

km_init() {
  KM_APPLY=0
  KM_SET_USAGE_LOCATION=0
  KM_NO_TRANSITIONS=0
  while [ "$#" -gt 0 ]; do
    case "$1" in
      --apply) KM_APPLY=1 ;;
      --set-usage-location) KM_SET_USAGE_LOCATION=1 ;;
      --no-transitions) KM_NO_TRANSITIONS=1 ;;
      -h|--help) km_usage; exit 0 ;;
      *) km_die "unknown argument: $1 (--apply makes changes; without it nothing is changed)" ;;
    esac
    shift
  done
  command -v curl >/dev/null 2>&1 || km_die "curl is needed"
  command -v jq >/dev/null 2>&1 || km_die "jq is needed"
  # ${VAR:+set}: tracing (bash -x) shows "set", never the token.
  [ -n "${PARTNER_CENTER_TOKEN:+set}" ] ||
    km_die "PARTNER_CENTER_TOKEN is not set: export a Partner Center access token (App+User) first. No request was sent."
  if [ "$KM_LICENSE_API" = graph ] && [ -z "${GRAPH_TOKEN:+set}" ]; then
    km_die "GRAPH_TOKEN is not set: export a Microsoft Graph token for tenant $CUSTOMER_ID first. No request was sent."
  fi
  KM_PC="${PARTNER_CENTER_BASE_URL:-https://api.partnercenter.microsoft.com}"
  KM_PC="${KM_PC%/}"
  KM_GRAPH="${GRAPH_BASE_URL:-https://graph.microsoft.com}"
  KM_GRAPH="${KM_GRAPH%/}"
  KM_RESULTS="${RESULTS_FILE:-$KM_DIR/results.csv}"
  KM_MAX_ATTEMPTS="${KM_MAX_ATTEMPTS:-6}"
  # Seconds a request may take before it counts as unanswered (and is sent again, same id).
  KM_TIMEOUT="${KM_TIMEOUT:-180}"
  km_results_header "$KM_RESULTS"
  KM_TMP="$(mktemp -d)"
  trap 'rm -rf "$KM_TMP"' EXIT
  KM_B_FAILED=0
}

# km_cell VALUE: sets KM_CELL to the value as a results file cell: quoted, and safe to open in
# a spreadsheet (a value starting with = + - @ or a tab gets a leading apostrophe, so that it is
# not taken for a formula).
km_cell() {
  local v="$1"
  case "$v" in
    [=+@-]* | $'\t'* | $'\r'*) v="'$v" ;;
  esac
  KM_CELL="\"${v//\"/\"\"}\""
}

# Appends one row to the results file: step, target, outcome, HTTP status, request id.
km_result() {
  local row="" field
  for field in "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$CUSTOMER_ID" "$@"; do
    km_cell "$field"
    row="$row,$KM_CELL"
  done
  printf '%s\n' "${row#,}" >>"$KM_RESULTS"
}

# True when an earlier run recorded this step and target as done.
km_done_before() {
  local needle
  km_cell "$CUSTOMER_ID"
  needle="$KM_CELL"
  km_cell "$1"
  needle="$needle,$KM_CELL"
  km_cell "$2"
  grep -qF "$needle,$KM_CELL,\"done\"" "$KM_RESULTS"
}

# km_request METHOD URL API [BODY_FILE]
# Sends one request (API: pc or graph); retries 429 and 5xx after Retry-After, else with
# exponential backoff, at most KM_MAX_ATTEMPTS times. A new MS-RequestId follows any answer; a
# request that got no answer is retried with the same one. Sets KM_STATUS, KM_REQUEST_ID and
# leaves the answer in "$KM_TMP/response".
km_request() {
  # Tracing (bash -x, or SHELLOPTS=xtrace) would print the token: off while a request is
  # sent, back on after.
  local traced=0 rc=0
  case $- in *x*) traced=1; set +x ;; esac
  km_send "$@" || rc=$?
  if [ "$traced" = 1 ]; then set -x; fi
  return "$rc"
}

# km_send METHOD URL API [BODY_FILE]: km_request without the tracing guard.
km_send() {
  local method="$1" url="$2" api="$3" body="${4:-}"
  local attempt=1 rid="" reuse=0 wait token status
  if [ "$api" = graph ]; then token="$GRAPH_TOKEN"; else token="$PARTNER_CENTER_TOKEN"; fi
  while :; do
    if [ "$reuse" = 0 ]; then rid="$(km_uuid)"; fi
    local args=(-sS -X "$method" -o "$KM_TMP/response" -D "$KM_TMP/headers" -w '%{http_code}'
      --connect-timeout 20 --max-time "$KM_TIMEOUT" --config -
      -H "Accept: application/json" -H "MS-RequestId: $rid" -H "MS-CorrelationId: $(km_uuid)"
      -H "MS-Contract-Version: v1")
    if [ -n "$body" ]; then
      args+=(-H "Content-Type: application/json" --data-binary "@$body")
    fi
    : >"$KM_TMP/response"
    : >"$KM_TMP/headers"
    # The token goes to curl on standard input, never on its command line.
    status="$(printf 'header = "Authorization: Bearer %s"\n' "${token//\"/}" |
      curl "${args[@]}" "$url" 2>"$KM_TMP/curl-error")" || status="000"
    KM_STATUS="${status:-000}"
    KM_REQUEST_ID="$rid"
    case "$KM_STATUS" in
      429 | 5?? | 000)
        if [ "$attempt" -ge "$KM_MAX_ATTEMPTS" ]; then
          return 0
        fi
        wait="$(tr -d '\r' <"$KM_TMP/headers" | awk 'tolower($1) == "retry-after:" { print $2 }' | tail -n 1)"
        case "$wait" in
          '' | *[!0-9]*) wait=$((1 << attempt)) ;;
        esac
        [ "$wait" -le 300 ] || wait=300
        if [ "$KM_STATUS" = 000 ]; then
          reuse=1
          km_log "   no answer ($(head -c 200 "$KM_TMP/curl-error")); retrying in ${wait}s with the same MS-RequestId"
        else
          reuse=0
          km_log "   HTTP $KM_STATUS; retrying in ${wait}s (attempt $attempt of $KM_MAX_ATTEMPTS)"
        fi
        sleep "$wait"
        attempt=$((attempt + 1))
        ;;
      *) return 0 ;;
    esac
  done
}

# km_change METHOD URL API BODY_FILE STEP TARGET
# A request that changes something: printed and recorded as dry-run unless --apply.
# Returns 0 when applied with a 2xx answer (or in a dry run), 1 otherwise.
km_change() {
  local method="$1" url="$2" api="$3" body="$4" step="$5" target="$6"
  if [ "$KM_APPLY" = 0 ]; then
    km_log "   DRY RUN, would send: $method $url"
    if [ -s "$body" ]; then
      jq . "$body" | sed 's/^/     /' >&2
    fi
    km_result "$step" "$target" dry-run "" ""
    KM_STATUS=dry-run
    return 0
  fi
  km_request "$method" "$url" "$api" "$body"
  case "$KM_STATUS" in
    2??)
      km_result "$step" "$target" "done" "$KM_STATUS" "$KM_REQUEST_ID"
      return 0
      ;;
  esac
  km_result "$step" "$target" failed "$KM_STATUS" "$KM_REQUEST_ID"
  km_explain
  return 1
}

# A read; a failed read stops the current step.
km_get() {
  km_request GET "$1" "$2"
  case "$KM_STATUS" in
    2??) return 0 ;;
  esac
  km_log "   GET $1 failed: HTTP $KM_STATUS"
  km_explain
  return 1
}

# Says in plain words what a known error code means.
km_explain() {
  local code
  code="$(jq -r '(.code // .error.code // empty) | tostring' "$KM_TMP/response" 2>/dev/null || true)"
  case "$code" in
    60012) km_log "   no licences of this plan are left to assign: buy more seats (step A) and run again" ;;
    900316) km_log "   the token is app-only: users and licences need an App+User token (Secure App Model)" ;;
    900309) km_log "   a Conditional Access policy blocked the call: use a token that satisfies the policy" ;;
    *) km_log "   answer: $(head -c 400 "$KM_TMP/response" | tr '\n' ' ')" ;;
  esac
  if [ "$KM_STATUS" = 401 ]; then km_log "   the token was refused (expired?): get a new one and run again"; fi
  if [ "$KM_STATUS" = 403 ]; then
    km_log "   not allowed (HTTP 403): changing licences needs the GDAP role License Administrator or User Administrator (or Directory Writers); buying and retiring need the partner user's Admin agent role"
  fi
}

km_uri() { jq -rn --arg v "$1" '$v | @uri'; }

# ---------------------------------------------------------------- P: pre-flight

# km_finding TARGET TEXT: something the migration would trip over, found before any change:
# printed and recorded (outcome "attention"); it is not a failure of the run.
km_finding() {
  km_log "   ! $2"
  km_result P "$1" attention "" ""
  KM_FINDINGS=$((KM_FINDINGS + 1))
}

# km_refused WHAT ROLES: explains a refused read in terms of the access each step needs.
km_refused() {
  case "$KM_STATUS" in
    401) km_log "   the token was refused: get a new App+User token (multi-factor authenticated) and run again" ;;
    403) km_log "   the token may not $1: $2" ;;
    404) km_log "   not found: is $CUSTOMER_ID a customer of this partner?" ;;
  esac
}

# Reads, before any change, what the migration depends on: access to the customer, its users
# and licences; users without a usage location (who cannot be given a licence); licences
# assigned through a group (which cannot be removed from the user); for a cart purchase, the
# Microsoft Customer Agreement; enough free licences after step A. Results rows of step P.
# Returns 1 when something it needs cannot be read.
km_preflight() {
  km_log "P. pre-flight (reads only)"
  KM_FINDINGS=0
  KM_A_BLOCKED=0
  KM_B_BLOCKED=0
  if ! km_get "$KM_PC/v1/customers/$CUSTOMER_ID" pc; then
    km_refused "read this customer" "the partner needs its reseller relationship and, with granular delegated admin (GDAP), an active relationship with Directory Readers at least"
    km_result P "(customer)" failed "$KM_STATUS" "$KM_REQUEST_ID"
    return 1
  fi
  KM_COUNTRY="$(jq -r '[.billingProfile.defaultAddress.country?, .companyProfile.address.country?] | map(select(. != null and . != "")) | first // empty' "$KM_TMP/response")"
  if ! km_skus; then
    km_refused "read the tenant's licences" "step B needs the GDAP role License Administrator or User Administrator"
    km_result P "(licences)" failed "$KM_STATUS" "$KM_REQUEST_ID"
    return 1
  fi
  if [ "$KM_LICENSE_API" != graph ] && ! km_users; then
    km_refused "read the tenant's users" "step B needs the GDAP role User Administrator or License Administrator (Directory Readers to read)"
    km_result P "(users)" failed "$KM_STATUS" "$KM_REQUEST_ID"
    return 1
  fi
  km_result P "(access)" ok "$KM_STATUS" "$KM_REQUEST_ID"
  km_preflight_users || return 1
  km_preflight_agreement || return 1
  if ! km_preflight_seats; then
    km_result P "(subscriptions)" failed "$KM_STATUS" "$KM_REQUEST_ID"
    return 1
  fi
  if [ "$KM_FINDINGS" = 0 ]; then
    km_log "   nothing found that would stop the migration"
  fi
}

# Each known user: a user to move needs a usage location; a retiring licence assigned through
# a group cannot be removed from the user (read through Microsoft Graph, when there is a
# token for it).
km_preflight_users() {
  local upn i
  KM_PF_GRAPH=0
  KM_PF_LACK=()
  for i in "${!TARGET_OFFERS[@]}"; do KM_PF_LACK[i]=0; done
  if [ "$KM_LICENSE_API" = graph ] || [ -n "${GRAPH_TOKEN:+set}" ]; then KM_PF_GRAPH=1; fi
  if [ "$KM_PF_GRAPH" = 0 ] && [ "$DISCOVER_USERS" = 0 ]; then
    km_log "   licences assigned through groups are checked through Microsoft Graph: set GRAPH_TOKEN (a token for this tenant) to check them"
  fi
  for upn in "${USERS_MOVE[@]+"${USERS_MOVE[@]}"}"; do
    km_preflight_user "$upn" move || return 1
  done
  for upn in "${USERS_REMOVE_ONLY[@]+"${USERS_REMOVE_ONLY[@]}"}"; do
    km_preflight_user "$upn" remove_only || return 1
  done
}

# km_preflight_user UPN move|remove_only
km_preflight_user() {
  local upn="$1" action="$2" uid="" where="" groups=""
  if [ "$KM_PF_GRAPH" = 1 ]; then
    if ! km_get "$KM_GRAPH/v1.0/users/$(km_uri "$upn")?\$select=id,userPrincipalName,usageLocation,licenseAssignmentStates" graph; then
      if [ "$KM_STATUS" = 404 ]; then
        km_finding "$upn" "$upn: no such user in the tenant"
        return 0
      fi
      km_refused "read users through Microsoft Graph" "GRAPH_TOKEN needs to read users (User.Read.All; the GDAP role Directory Readers)"
      km_result P "$upn" failed "$KM_STATUS" "$KM_REQUEST_ID"
      return 1
    fi
    where="$(jq -r '.usageLocation // empty' "$KM_TMP/response")"
    groups="$(jq -r --arg ids " $KM_RETIRING_SKUS " '[.licenseAssignmentStates[]?
        | select(.assignedByGroup != null)
        | (.skuId | ascii_downcase) as $k | select($ids | contains(" " + $k + " "))
        | .assignedByGroup] | unique | join(" ")' "$KM_TMP/response")"
    KM_HELD="$(jq -r '[.assignedLicenses[]?.skuId | ascii_downcase] | join(" ")' "$KM_TMP/response")"
  else
    uid="$(km_user_id "$upn")"
    if [ -z "$uid" ]; then
      km_finding "$upn" "$upn: no such user in the tenant"
      return 0
    fi
    where="$(jq -r --arg id "$uid" '[.items[] | select(.id == $id) | .usageLocation // empty] | first // empty' "$KM_TMP/users")"
    if [ "$action" = move ]; then
      km_user_skus "$upn" "$uid" || {
        km_refused "read users' licences" "step B needs the GDAP role License Administrator or User Administrator"
        km_result P "$upn" failed "$KM_STATUS" "$KM_REQUEST_ID"
        return 1
      }
    fi
  fi
  if [ "$action" = move ]; then
    # Who still lacks each offer: the licences step B will need.
    local i sku
    for i in "${!TARGET_OFFERS[@]}"; do
      sku="${KM_TARGET_SKUS[$i]:-}"
      if [ -z "$sku" ] || [[ " $KM_HELD " != *" $sku "* ]]; then
        KM_PF_LACK[i]=$((${KM_PF_LACK[$i]:-0} + 1))
      fi
    done
  fi
  if [ -n "$groups" ]; then
    km_finding "group:$upn" "$upn holds $RETIRING_NAME through group(s) $groups: remove $RETIRING_NAME from the group's licences (Microsoft Entra admin center > Groups > the group > Licenses), or the user from the group; step B does not start until then"
    KM_B_BLOCKED=1
  fi
  [ "$action" = move ] && [ -z "$where" ] || return 0
  if [ "$KM_SET_USAGE_LOCATION" = 0 ] || [ -z "$KM_COUNTRY" ]; then
    local fix="set it in the admin center"
    [ -z "$KM_COUNTRY" ] || fix="$fix, or run with --set-usage-location to set $KM_COUNTRY (the customer's country)"
    km_finding "usage-location:$upn" "$upn has no usage location, so no licence can be assigned: $fix"
    return 0
  fi
  km_log "   $upn has no usage location: set to $KM_COUNTRY (the customer's country)"
  if [ "$KM_LICENSE_API" = graph ]; then
    jq -n --arg c "$KM_COUNTRY" '{usageLocation: $c}' >"$KM_TMP/body"
    km_change PATCH "$KM_GRAPH/v1.0/users/$(km_uri "$upn")" graph "$KM_TMP/body" P "usage-location:$upn"
  else
    [ -n "$uid" ] || uid="$(km_user_id "$upn")"
    jq -n --arg c "$KM_COUNTRY" --arg id "$uid" '{id: $id, usageLocation: $c, attributes: {objectType: "CustomerUser"}}' >"$KM_TMP/body"
    km_change PATCH "$KM_PC/v1/customers/$CUSTOMER_ID/users/$(km_uri "$uid")" pc "$KM_TMP/body" P "usage-location:$upn"
  fi
}

# A cart purchase needs the customer's acceptance of the Microsoft Customer Agreement.
km_preflight_agreement() {
  local i buys=0
  for i in "${!PURCHASE_ACTIONS[@]}"; do [ "${PURCHASE_ACTIONS[$i]}" != buy ] || buys=1; done
  [ "$KM_PURCHASE_API" = cart ] && [ "$buys" = 1 ] || return 0
  if ! km_get "$KM_PC/v1/customers/$CUSTOMER_ID/agreements?agreementType=MicrosoftCustomerAgreement" pc; then
    km_refused "read the customer's agreements" "the partner user needs the Admin agent role"
    km_result P "(agreement)" failed "$KM_STATUS" "$KM_REQUEST_ID"
    return 1
  fi
  if [ "$(jq '(.items // []) | length' "$KM_TMP/response")" = 0 ]; then
    km_finding "(agreement)" "the customer has not accepted the Microsoft Customer Agreement, which a new commerce purchase needs: have it accepted (Partner Center > Customers > the customer > Account) first; step A does not start until then"
    KM_A_BLOCKED=1
  fi
}

# Free licences of each offer once step A has added what it still has to add, against the users
# who still lack one (when users are found at run time, those who hold the retiring product).
km_preflight_seats() {
  local i sku free add need qty
  for i in "${!TARGET_OFFERS[@]}"; do
    sku="${KM_TARGET_SKUS[$i]:-}"
    free=0
    if [ -n "$sku" ]; then
      free="$(jq --arg s "$sku" '[.items[] | select((.id | ascii_downcase) == $s) | (.total - .used)] | add // 0 | if . < 0 then 0 else . end' "$KM_TMP/skus")"
    fi
    add=0
    case "${PURCHASE_ACTIONS[$i]}" in
      buy) km_done_before A "${TARGET_OFFERS[$i]}" || add="${PURCHASE_SEATS[$i]}" ;;
      increase)
        km_get "$KM_PC/v1/customers/$CUSTOMER_ID/subscriptions/$(km_uri "${PURCHASE_SUBSCRIPTIONS[$i]}")" pc || return 1
        qty="$(jq -r '.quantity // 0' "$KM_TMP/response")"
        add=$((PURCHASE_NEW_QUANTITIES[i] - qty))
        [ "$add" -ge 0 ] || add=0
        ;;
    esac
    # Users found at run time: whoever holds the retiring product now.
    need="$KM_RETIRING_USED"
    [ "$DISCOVER_USERS" = 1 ] || need="${KM_PF_LACK[$i]:-0}"
    if [ $((free + add)) -lt "$need" ]; then
      km_finding "(free seats) ${TARGET_OFFERS[$i]}" "after step A the tenant would have $((free + add)) free ${TARGET_OFFERS[$i]} licence(s) for $need user(s) who need one: raise the seats to buy"
    fi
  done
}

# ---------------------------------------------------------------- T: Partner Center's own path

# True when the subscription in the last answer is new commerce: product type
# OnlineServicesNCE, or an offer id product:sku:availability (legacy ones may carry a term too).
km_new_commerce() {
  [ "$(jq -r 'if ((.productType.id? // "") == "OnlineServicesNCE") or ((.offerId // "") | split(":") | length == 3) then 1 else 0 end' "$KM_TMP/response")" = 1 ]
}

# Asks Partner Center whether it can move the expiring subscription to the target itself: an
# immediate transition with licence transfer to the target's catalog item (new commerce; legacy
# sources too), or, for a legacy subscription, an upgrade with licence transfer to the target's
# offer. Only for a target of one offer bought new, from one expiring subscription. Sets
# KM_PATH (transition, upgrade or abc) and prints what it found.
km_find_path() {
  KM_PATH=abc
  local sub base prefix found
  if [ "$KM_NO_TRANSITIONS" = 1 ]; then
    km_log "T. transitions not asked for (--no-transitions): A, B and C"
    return 0
  fi
  if [ "${#TARGET_OFFERS[@]}" != 1 ] || [ "${PURCHASE_ACTIONS[0]}" != buy ] || [ "${#EXPIRING_SUBSCRIPTIONS[@]}" != 1 ]; then
    km_log "T. no transition asked for: that takes a target of one offer bought new from one expiring subscription; A, B and C"
    return 0
  fi
  sub="${EXPIRING_SUBSCRIPTIONS[0]}"
  base="$KM_PC/v1/customers/$CUSTOMER_ID/subscriptions/$(km_uri "$sub")"
  km_log "T. does Partner Center move $sub to ${TARGET_OFFERS[0]} itself?"
  if [ -n "${CATALOG_PRODUCTS[0]}" ] && [ -n "${CATALOG_SKUS[0]}" ]; then
    prefix="${CATALOG_PRODUCTS[0]}:${CATALOG_SKUS[0]}:"
    if km_get "$base/transitionEligibilities?eligibilityType=immediate" pc; then
      jq -r --arg p "$prefix" '.items[]? | select((.catalogItemId // "") | ascii_downcase | startswith($p | ascii_downcase))
          | "   transition to \(.catalogItemId): " + ([.eligibilities[]? | "\(.transitionType // "?") \(if .isEligible then "eligible" else "not eligible" end)\(if (.errors // []) | length > 0 then " (" + ([.errors[] | .description // .code // tostring] | join("; ")) + ")" else "" end)"] | join(", "))' \
        "$KM_TMP/response" >&2
      found="$(jq -r --arg p "$prefix" '[.items[]? | select((.catalogItemId // "") | ascii_downcase | startswith($p | ascii_downcase))
          | select(any(.eligibilities[]?; .isEligible == true and .transitionType == "transition_with_license_transfer"))
          | .catalogItemId] | first // empty' "$KM_TMP/response")"
      if [ -n "$found" ]; then
        KM_PATH=transition
        KM_PATH_ITEM="$found"
        km_log "   path: transition with licence transfer to $found, instead of A and B"
        return 0
      fi
    else
      km_log "   could not ask for transitions (HTTP $KM_STATUS)"
    fi
  fi
  if [ -n "${OFFER_IDS[0]}" ] && km_get "$base" pc && ! km_new_commerce; then
    if km_get "$base/upgrades" pc; then
      jq --arg o "${OFFER_IDS[0]}" '[.items[]? | select(((.targetOffer.id // "") | ascii_downcase) == ($o | ascii_downcase)
          and .isEligible == true and .upgradeType == "upgrade_with_license_transfer")] | first // empty' "$KM_TMP/response" >"$KM_TMP/upgrade"
      if [ -s "$KM_TMP/upgrade" ]; then
        KM_PATH=upgrade
        km_log "   path: upgrade with licence transfer to ${OFFER_IDS[0]}, instead of A and B"
        return 0
      fi
      km_log "   no eligible upgrade with licence transfer to ${OFFER_IDS[0]}"
    else
      km_log "   could not ask for upgrades (HTTP $KM_STATUS)"
    fi
  fi
  km_log "   path: A, B and C (Partner Center offers no move with licence transfer to ${TARGET_OFFERS[0]})"
}

# Before a transition with licence transfer, which moves every licence of the source: users
# who already hold a plan that covers them lose the retiring licence first, so that only the
# users to move are moved (and the plan's seats suffice).
km_remove_only_first() {
  local upn rc=0
  [ "${#USERS_REMOVE_ONLY[@]}" -gt 0 ] || return 0
  km_log "B, first: users who already hold a plan with $RETIRING_NAME lose it before the $KM_PATH"
  km_skus || return 1
  if [ "$KM_LICENSE_API" != graph ]; then km_users || return 1; fi
  for upn in "${USERS_REMOVE_ONLY[@]}"; do km_move_user "$upn" remove_only || rc=1; done
  return "$rc"
}

# Carries out the path km_find_path found instead of A: the transition (or upgrade) of the
# plan's seats with licence transfer, followed to its end. Its results row is step A's.
km_take_path() {
  local sub base offer="${TARGET_OFFERS[0]}" id tries=0 state
  sub="${EXPIRING_SUBSCRIPTIONS[0]}"
  base="$KM_PC/v1/customers/$CUSTOMER_ID/subscriptions/$(km_uri "$sub")"
  km_log "A. by $KM_PATH: $sub to $offer, ${PURCHASE_SEATS[0]} seat(s), licences moved by Partner Center"
  if km_done_before A "$offer"; then
    km_log "   done by an earlier run (results file): skipped"
    km_result A "$offer" skipped-already-done "" ""
    return 0
  fi
  if [ "$KM_PATH" = upgrade ]; then
    jq --argjson q "${PURCHASE_SEATS[0]}" '.quantity = $q' "$KM_TMP/upgrade" >"$KM_TMP/body"
    [ "$KM_APPLY" = 1 ] || { km_change POST "$base/upgrades" pc "$KM_TMP/body" A "$offer"; return 0; }
    km_request POST "$base/upgrades" pc "$KM_TMP/body"
    case "$KM_STATUS" in 2??) ;; *) km_result A "$offer" failed "$KM_STATUS" "$KM_REQUEST_ID"; km_explain; return 1 ;; esac
    if [ "$(jq '(.upgradeErrors // []) + (.licenseErrors // []) | length' "$KM_TMP/response")" != 0 ]; then
      km_log "   the upgrade reported: $(jq -c '(.upgradeErrors // []) + (.licenseErrors // [])' "$KM_TMP/response")"
      km_result A "$offer" failed "$KM_STATUS" "$KM_REQUEST_ID"
      return 1
    fi
    km_result A "$offer" "done" "$KM_STATUS" "$KM_REQUEST_ID"
    return 0
  fi
  jq -n --arg item "$KM_PATH_ITEM" --argjson q "${PURCHASE_SEATS[0]}" --arg term "${PURCHASE_TERMS[0]}" --arg cycle "${PURCHASE_BILLINGS[0]}" \
    '{toCatalogItemId: $item, quantity: $q, transitionType: "transition_with_license_transfer", termDuration: $term, billingCycle: $cycle}' >"$KM_TMP/body"
  [ "$KM_APPLY" = 1 ] || { km_change POST "$base/transitions" pc "$KM_TMP/body" A "$offer"; return 0; }
  km_request POST "$base/transitions" pc "$KM_TMP/body"
  case "$KM_STATUS" in 2??) ;; *) km_result A "$offer" failed "$KM_STATUS" "$KM_REQUEST_ID"; km_explain; return 1 ;; esac
  id="$(jq -r '.id // empty' "$KM_TMP/response")"
  # Its events (Conversion, LicenseReassignment) run until each is Completed, or one Failed.
  while :; do
    km_get "$base/transitions" pc || { km_result A "$offer" failed "$KM_STATUS" "$KM_REQUEST_ID"; return 1; }
    state="$(jq -r --arg id "$id" '[.items[]? | select($id == "" or .id == $id)] | first // {}
        | [(.events // .transitionEvents // [])[] | (.status // "" | ascii_downcase)] as $s
        | if ($s | index("failed")) != null then "failed"
          elif ($s | length) > 0 and all($s[]; . == "completed") then "completed"
          else "running" end' "$KM_TMP/response")"
    case "$state" in
      completed) km_log "   transition completed"; km_result A "$offer" "done" "$KM_STATUS" "$KM_REQUEST_ID"; return 0 ;;
      failed)
        km_log "   the transition failed: $(jq -c --arg id "$id" '[.items[]? | select($id == "" or .id == $id)] | first | (.events // .transitionEvents)' "$KM_TMP/response")"
        km_result A "$offer" failed "$KM_STATUS" "$KM_REQUEST_ID"
        return 1
        ;;
    esac
    tries=$((tries + 1))
    if [ "$tries" -ge "${KM_POLL_MAX:-60}" ]; then
      km_log "   the transition is still running: run again later (it is not started twice)"
      km_result A "$offer" failed "$KM_STATUS" "$KM_REQUEST_ID"
      return 1
    fi
    sleep "${KM_POLL_SECONDS:-10}"
  done
}

# ---------------------------------------------------------------- A: buy

# km_offer I: sets the values of offer I of the target plan (step A's arrays hold one item per
# offer, in the plan's order): KM_OFFER, KM_ACTION, KM_SEATS, KM_SUB, KM_NEW_QTY.
km_offer() {
  KM_OFFER="${TARGET_OFFERS[$1]}"
  KM_ACTION="${PURCHASE_ACTIONS[$1]}"
  KM_SEATS="${PURCHASE_SEATS[$1]}"
  KM_SUB="${PURCHASE_SUBSCRIPTIONS[$1]}"
  KM_NEW_QTY="${PURCHASE_NEW_QUANTITIES[$1]}"
}

# Step A for every offer of the target plan: tops up what is increased, then buys what is new
# in one cart (a line per offer) or, with the order API, one order per offer. Every offer gets
# its own results row.
km_step_a() {
  local i rc=0 buy=()
  km_log "A. buy $TARGET_PLAN"
  if [ "$KM_A_BLOCKED" = 1 ] && [ "$KM_APPLY" = 1 ]; then
    km_log "   refused: the customer has not accepted the Microsoft Customer Agreement (see P)"
    for i in "${!TARGET_OFFERS[@]}"; do km_result A "${TARGET_OFFERS[$i]}" failed "" ""; done
    return 1
  fi
  for i in "${!TARGET_OFFERS[@]}"; do
    km_offer "$i"
    case "$KM_ACTION" in
      none)
        km_log "   $KM_OFFER: nothing to buy: the customer has the seats"
        km_result A "$KM_OFFER" skipped-already-done "" ""
        ;;
      increase) km_increase || rc=1 ;;
      *)
        if km_done_before A "$KM_OFFER"; then
          km_log "   $KM_OFFER: bought by an earlier run (results file): skipped"
          km_result A "$KM_OFFER" skipped-already-done "" ""
        else
          buy+=("$i")
        fi
        ;;
    esac
  done
  [ "$rc" = 0 ] || return 1
  [ "${#buy[@]}" -gt 0 ] || return 0
  km_buy "${buy[@]}"
}

# Adds the planned seats to the subscription of offer KM_OFFER, unless it has them already.
km_increase() {
  local url qty
  url="$KM_PC/v1/customers/$CUSTOMER_ID/subscriptions/$(km_uri "$KM_SUB")"
  km_log "   $KM_OFFER: increase $KM_SUB to $KM_NEW_QTY seats"
  km_get "$url" pc || { km_result A "$KM_SUB" failed "$KM_STATUS" "$KM_REQUEST_ID"; return 1; }
  qty="$(jq -r '.quantity // 0' "$KM_TMP/response")"
  if [ "$qty" -ge "$KM_NEW_QTY" ]; then
    km_log "   $KM_SUB already has $qty seats (planned $KM_NEW_QTY): skipped"
    km_result A "$KM_SUB" skipped-already-done "$KM_STATUS" "$KM_REQUEST_ID"
    return 0
  fi
  # The API wants the whole subscription back, with the new quantity.
  jq --argjson q "$KM_NEW_QTY" '.quantity = $q' "$KM_TMP/response" >"$KM_TMP/body"
  km_change PATCH "$url" pc "$KM_TMP/body" A "$KM_SUB"
}

# km_result_each OUTCOME I...: the same outcome for each offer named.
km_result_each() {
  local outcome="$1" i
  shift
  for i in "$@"; do km_result A "${TARGET_OFFERS[$i]}" "$outcome" "$KM_STATUS" "$KM_REQUEST_ID"; done
}

# km_buy I...: buys a new subscription of each offer named, skipping an offer of which the
# customer already has a new active subscription with the planned seats.
km_buy() {
  local subs="$KM_PC/v1/customers/$CUSTOMER_ID/subscriptions" existing found i todo=()
  km_get "$subs" pc || { km_result_each failed "$@"; return 1; }
  existing="$(printf '%s\n' "${EXISTING_SUBSCRIPTIONS[@]+"${EXISTING_SUBSCRIPTIONS[@]}"}" | jq -R 'ascii_downcase' | jq -s 'map(select(. != ""))')"
  for i in "$@"; do
    km_offer "$i"
    found="$(jq -r --arg offer "$KM_OFFER" --argjson seats "$KM_SEATS" --argjson old "$existing" '
        [.items[]
         | select((.status // "" | ascii_downcase) == "active"
                  and ((.offerName // .friendlyName // "") | ascii_downcase) == ($offer | ascii_downcase)
                  and (.quantity // 0) >= $seats
                  and ((.id | ascii_downcase) as $i | ($old | index($i)) == null))
         | .id] | first // empty' "$KM_TMP/response")"
    if [ -n "$found" ]; then
      km_log "   $KM_OFFER: subscription $found already has the planned seats: skipped"
      km_result A "$KM_OFFER" skipped-already-done "$KM_STATUS" "$KM_REQUEST_ID"
    else
      todo+=("$i")
    fi
  done
  [ "${#todo[@]}" -gt 0 ] || return 0
  if [ "$KM_PURCHASE_API" = order ]; then
    local rc=0
    for i in "${todo[@]}"; do
      km_offer "$i"
      km_log "   $KM_OFFER: order $KM_SEATS seat(s)"
      jq -n --arg offer "${OFFER_IDS[$i]}" --argjson q "$KM_SEATS" --arg cycle "${PURCHASE_BILLINGS[$i]}" \
        --arg name "$KM_OFFER ($RETIRING_NAME replacement)" \
        '{billingCycle: $cycle, lineItems: [{lineItemNumber: 0, offerId: $offer, quantity: $q, friendlyName: $name}]}' >"$KM_TMP/body"
      km_change POST "$KM_PC/v1/customers/$CUSTOMER_ID/orders" pc "$KM_TMP/body" A "$KM_OFFER" || rc=1
    done
    return "$rc"
  fi
  # Cart: find each offer's catalog item for the customer's country (without one, in the
  # customer's own catalog); one cart, a line per offer; check it out.
  km_get "$KM_PC/v1/customers/$CUSTOMER_ID" pc || { km_result_each failed "${todo[@]}"; return 1; }
  local country item cart n=0 product sku where
  country="$(jq -r '[.billingProfile.defaultAddress.country, .companyProfile.address.country] | map(select(. != null and . != "")) | first // empty' "$KM_TMP/response")"
  if [ -z "$country" ]; then
    km_log "   the customer's billing profile has no country: availabilities from the customer's own catalog"
  fi
  echo '[]' >"$KM_TMP/lines"
  for i in "${todo[@]}"; do
    km_offer "$i"
    product="$(km_uri "${CATALOG_PRODUCTS[$i]}")"
    sku="$(km_uri "${CATALOG_SKUS[$i]}")"
    if [ -n "$country" ]; then
      where="in $country"
      km_get "$KM_PC/v1/products/$product/skus/$sku/availabilities?country=$(km_uri "$country")" pc ||
        { km_result_each failed "${todo[@]}"; return 1; }
    else
      where="for this customer"
      km_get "$KM_PC/v1/customers/$CUSTOMER_ID/products/$product/skus/$sku/availabilities" pc ||
        { km_result_each failed "${todo[@]}"; return 1; }
    fi
    item="$(jq -r '[.items[]?.catalogItemId] | first // empty' "$KM_TMP/response")"
    [ -n "$item" ] || { km_log "   no availability of ${CATALOG_PRODUCTS[$i]}:${CATALOG_SKUS[$i]} ($KM_OFFER) $where"; km_result_each failed "${todo[@]}"; return 1; }
    km_log "   $KM_OFFER: $KM_SEATS seat(s), ${PURCHASE_TERMS[$i]}, billed ${PURCHASE_BILLINGS[$i]}"
    jq --argjson id "$n" --arg item "$item" --argjson q "$KM_SEATS" --arg cycle "${PURCHASE_BILLINGS[$i]}" \
      --arg term "${PURCHASE_TERMS[$i]}" --arg name "$KM_OFFER ($RETIRING_NAME replacement)" \
      '. + [{id: $id, catalogItemId: $item, quantity: $q, billingCycle: $cycle, termDuration: $term, friendlyName: $name}]' \
      "$KM_TMP/lines" >"$KM_TMP/lines.next"
    mv "$KM_TMP/lines.next" "$KM_TMP/lines"
    n=$((n + 1))
  done
  jq '{lineItems: .}' "$KM_TMP/lines" >"$KM_TMP/body"
  if [ "$KM_APPLY" = 0 ]; then
    km_log "   DRY RUN, would send: POST $KM_PC/v1/customers/$CUSTOMER_ID/carts"
    jq . "$KM_TMP/body" | sed 's/^/     /' >&2
    km_log "   DRY RUN, would send: POST $KM_PC/v1/customers/$CUSTOMER_ID/carts/<new cart id>/checkout"
    for i in "${todo[@]}"; do km_result A "${TARGET_OFFERS[$i]}" dry-run "" ""; done
    KM_STATUS=dry-run
    return 0
  fi
  km_request POST "$KM_PC/v1/customers/$CUSTOMER_ID/carts" pc "$KM_TMP/body"
  case "$KM_STATUS" in
    2??) ;;
    *) km_result_each failed "${todo[@]}"; km_explain; return 1 ;;
  esac
  cart="$(jq -r '.id // empty' "$KM_TMP/response")"
  : >"$KM_TMP/empty"
  km_request POST "$KM_PC/v1/customers/$CUSTOMER_ID/carts/$(km_uri "$cart")/checkout" pc "$KM_TMP/empty"
  case "$KM_STATUS" in
    2??)
      if [ "$(jq '(.orderErrors // []) | length' "$KM_TMP/response")" != 0 ]; then
        km_log "   checkout reported: $(jq -c '.orderErrors' "$KM_TMP/response")"
        km_result_each failed "${todo[@]}"
        return 1
      fi
      km_result_each "done" "${todo[@]}"
      ;;
    *) km_result_each failed "${todo[@]}"; km_explain; return 1 ;;
  esac
}

# ---------------------------------------------------------------- SKUs

# Reads the tenant's SKUs into KM_RETIRING_SKUS (the retiring product's: space-separated),
# KM_RETIRING_USED (their units still assigned) and KM_TARGET_SKUS (one item per offer of the
# target plan: its SKU in the tenant, empty when its licences are not there yet). A SKU is the
# retiring product's when its id is one of RETIRING_SKU_IDS or its name or part number matches
# RETIRING_MATCH.
km_skus() {
  local wanted retiring i
  retiring="$(printf '%s\n' "${RETIRING_SKU_IDS[@]+"${RETIRING_SKU_IDS[@]}"}" | jq -R 'ascii_downcase' | jq -s 'map(select(. != ""))')"
  if [ "$KM_LICENSE_API" = graph ]; then
    km_get "$KM_GRAPH/v1.0/subscribedSkus" graph || return 1
    jq '{items: [.value[] | {id: .skuId, name: .skuPartNumber, part: .skuPartNumber, used: (.consumedUnits // 0), total: (.prepaidUnits.enabled // 0)}]}' "$KM_TMP/response" >"$KM_TMP/skus"
  else
    km_get "$KM_PC/v1/customers/$CUSTOMER_ID/subscribedskus" pc || return 1
    jq '{items: [.items[] | {id: .productSku.id, name: .productSku.name, part: (.productSku.skuPartNumber // ""), used: (.consumedUnits // 0), total: (.totalUnits // .activeUnits // 0)}]}' "$KM_TMP/response" >"$KM_TMP/skus"
  fi
  jq --argjson ids "$retiring" --arg re "$RETIRING_MATCH" '[.items[]
      | select(((.id | ascii_downcase) as $i | $ids | index($i)) != null
               or ((.name + " " + .part) | test($re; "i")))]' "$KM_TMP/skus" >"$KM_TMP/retiring"
  KM_RETIRING_SKUS="$(jq -r 'map(.id | ascii_downcase) | join(" ")' "$KM_TMP/retiring")"
  KM_RETIRING_USED="$(jq 'map(.used) | add // 0' "$KM_TMP/retiring")"
  KM_TARGET_SKUS=()
  for i in "${!TARGET_OFFERS[@]}"; do
    # shellcheck disable=SC2086 # the offer's SKU ids are one item, separated by spaces
    wanted="$(printf '%s\n' ${TARGET_SKU_IDS[$i]:-} | jq -R 'ascii_downcase' | jq -s 'map(select(. != ""))')"
    KM_TARGET_SKUS+=("$(jq -r --argjson w "$wanted" --arg offer "${TARGET_OFFERS[$i]}" '
        ([.items[] | select((.id | ascii_downcase) as $i | ($w | index($i)) != null) | .id]
         + [.items[] | select((.name | ascii_downcase) == ($offer | ascii_downcase)) | .id]) | unique
        | if length == 1 then .[0] | ascii_downcase else empty end' "$KM_TMP/skus")")
  done
}

# ---------------------------------------------------------------- B: users

km_user_id() {
  jq -r --arg u "$1" '[.items[] | select((.userPrincipalName | ascii_downcase) == ($u | ascii_downcase)) | .id] | first // empty' "$KM_TMP/users"
}

# Lists the tenant's users (Partner Center), following continuation tokens.
km_users() {
  local url="$KM_PC/v1/customers/$CUSTOMER_ID/users?size=500"
  echo '{"items": []}' >"$KM_TMP/users"
  while [ -n "$url" ]; do
    km_get "$url" pc || return 1
    jq -s '{items: (.[0].items + (.[1].items // []))}' "$KM_TMP/users" "$KM_TMP/response" >"$KM_TMP/users.next"
    mv "$KM_TMP/users.next" "$KM_TMP/users"
    url="$(jq -r '.links.next.uri // empty' "$KM_TMP/response")"
    if [ -n "$url" ]; then url="$KM_PC/v1/${url#/}"; fi
  done
}

# The SKU ids a user holds, lower case, space-separated, into KM_HELD.
km_user_skus() {
  if [ "$KM_LICENSE_API" = graph ]; then
    km_get "$KM_GRAPH/v1.0/users/$(km_uri "$1")?\$select=id,userPrincipalName,assignedLicenses" graph || return 1
    KM_HELD="$(jq -r '[.assignedLicenses[]?.skuId | ascii_downcase] | join(" ")' "$KM_TMP/response")"
  else
    km_get "$KM_PC/v1/customers/$CUSTOMER_ID/users/$(km_uri "$2")/licenses" pc || return 1
    KM_HELD="$(jq -r '[.items[]?.productSku.id | ascii_downcase] | join(" ")' "$KM_TMP/response")"
  fi
}



# km_move_user UPN move|remove_only
# Removes the retiring licence and, for a move, assigns every offer of the target plan the user
# does not hold yet, in one request.
km_move_user() {
  local upn="$1" action="$2" uid="" has_retiring=0 sku remove=() i missing=() assign=()
  if [ "$KM_LICENSE_API" != graph ]; then
    uid="$(km_user_id "$upn")"
    if [ -z "$uid" ]; then
      km_log "   $upn: no such user in the tenant"
      km_result B "$upn" failed "" ""
      return 1
    fi
  fi
  km_user_skus "$upn" "$uid" || { km_result B "$upn" failed "$KM_STATUS" "$KM_REQUEST_ID"; return 1; }
  for sku in $KM_HELD; do
    case " $KM_RETIRING_SKUS " in
      *" $sku "*) has_retiring=1; remove+=("$sku") ;;
    esac
  done
  if [ "$action" = move ]; then
    for i in "${!TARGET_OFFERS[@]}"; do
      sku="${KM_TARGET_SKUS[$i]:-}"
      if [ -z "$sku" ] || [[ " $KM_HELD " != *" $sku "* ]]; then missing+=("$i"); fi
    done
  fi
  if [ "$has_retiring" = 0 ] && [ "${#missing[@]}" = 0 ]; then
    km_log "   $upn: already moved: skipped"
    km_result B "$upn" skipped-already-done "$KM_STATUS" "$KM_REQUEST_ID"
    return 0
  fi
  local names=()
  for i in "${missing[@]+"${missing[@]}"}"; do
    sku="${KM_TARGET_SKUS[$i]:-}"
    if [ -z "$sku" ]; then
      if [ "$KM_APPLY" = 1 ]; then
        km_log "   $upn: the tenant has no ${TARGET_OFFERS[$i]} licences yet (step A still provisioning?): run again later"
        km_result B "$upn" failed "" ""
        return 1
      fi
      sku="${TARGET_SKU_IDS[$i]%% *}"
      sku="${sku:-<SKU id of ${TARGET_OFFERS[$i]} after step A>}"
    fi
    assign+=("$sku")
    names+=("${TARGET_OFFERS[$i]}")
  done
  if [ "${#assign[@]}" -gt 0 ]; then
    local joined
    joined="$(printf '%s\n' "${names[@]}" | jq -R . | jq -rs 'join(" and ")')"
    km_log "   $upn: remove $RETIRING_NAME, assign $joined"
  else
    km_log "   $upn: remove $RETIRING_NAME"
  fi
  km_licence_update "$upn" "$uid" B "$upn" "$(printf '%s\n' "${assign[@]+"${assign[@]}"}")" \
    "$(printf '%s\n' "${remove[@]+"${remove[@]}"}")"
}

# km_licence_update UPN UID STEP TARGET ASSIGN REMOVE: one licence change of a user, through
# Partner Center (by user id) or Graph (by UPN); ASSIGN and REMOVE are SKU ids, one per line.
km_licence_update() {
  local upn="$1" uid="$2" step="$3" target="$4" adds removes
  adds="$(printf '%s\n' "$5" | jq -R . | jq -s 'map(select(. != ""))')"
  removes="$(printf '%s\n' "$6" | jq -R . | jq -s 'map(select(. != ""))')"
  if [ "$KM_LICENSE_API" = graph ]; then
    jq -n --argjson a "$adds" --argjson r "$removes" \
      '{addLicenses: [$a[] | {skuId: ., disabledPlans: []}], removeLicenses: $r}' >"$KM_TMP/body"
    km_change POST "$KM_GRAPH/v1.0/users/$(km_uri "$upn")/assignLicense" graph "$KM_TMP/body" "$step" "$target"
  else
    jq -n --argjson a "$adds" --argjson r "$removes" \
      '{LicensesToAssign: [$a[] | {SkuId: ., ExcludedPlans: null}], LicensesToRemove: $r}' >"$KM_TMP/body"
    km_change POST "$KM_PC/v1/customers/$CUSTOMER_ID/users/$(km_uri "$uid")/licenseupdates" pc "$KM_TMP/body" "$step" "$target"
  fi
}

km_step_b() {
  local upn
  km_log "B. move the users to $TARGET_PLAN"
  if [ "$KM_B_BLOCKED" = 1 ]; then
    km_log "   not started: licences assigned through groups must be changed in the groups first (see P)"
    KM_B_FAILED=1
    if [ "$KM_APPLY" = 1 ]; then
      for upn in "${USERS_MOVE[@]+"${USERS_MOVE[@]}"}" "${USERS_REMOVE_ONLY[@]+"${USERS_REMOVE_ONLY[@]}"}"; do
        km_result B "$upn" failed "" ""
      done
    fi
    return 1
  fi
  km_skus || { km_result B "(tenant licences)" failed "$KM_STATUS" "$KM_REQUEST_ID"; KM_B_FAILED=1; return 1; }
  if [ "$KM_LICENSE_API" != graph ]; then
    km_users || { km_result B "(tenant users)" failed "$KM_STATUS" "$KM_REQUEST_ID"; KM_B_FAILED=1; return 1; }
  fi
  if [ "$DISCOVER_USERS" = 1 ]; then
    # The plan had no users rows for this customer: move whoever holds the retiring product now.
    [ "$KM_LICENSE_API" != graph ] ||
      { km_log "   finding users needs the Partner Center users list; run with --license-api partner-center"; KM_B_FAILED=1; return 1; }
    USERS_MOVE=()
    while IFS= read -r upn; do
      [ -n "$upn" ] || continue
      local uid sku
      uid="$(km_user_id "$upn")"
      km_user_skus "$upn" "$uid" || { KM_B_FAILED=1; continue; }
      for sku in $KM_HELD; do
        case " $KM_RETIRING_SKUS " in *" $sku "*) USERS_MOVE+=("$upn"); break ;; esac
      done
    done < <(jq -r '.items[].userPrincipalName' "$KM_TMP/users")
    km_log "   ${#USERS_MOVE[@]} user(s) hold $RETIRING_NAME"
  fi
  for upn in "${USERS_MOVE[@]+"${USERS_MOVE[@]}"}"; do
    km_move_user "$upn" move || KM_B_FAILED=1
  done
  for upn in "${USERS_REMOVE_ONLY[@]+"${USERS_REMOVE_ONLY[@]}"}"; do
    km_move_user "$upn" remove_only || KM_B_FAILED=1
  done
  [ "$KM_B_FAILED" = 0 ]
}

# ---------------------------------------------------------------- C: suspend

km_step_c() {
  local sub
  km_log "C. retire the $RETIRING_NAME subscription(s)"
  if [ "$KM_B_FAILED" = 1 ]; then
    km_log "   refused: step B did not finish, so users may still depend on $RETIRING_NAME"
    if [ "$KM_APPLY" = 1 ]; then
      for sub in "${EXPIRING_SUBSCRIPTIONS[@]}"; do km_result C "$sub" failed "" ""; done
    fi
    return 1
  fi
  km_skus || { for sub in "${EXPIRING_SUBSCRIPTIONS[@]}"; do km_result C "$sub" failed "$KM_STATUS" "$KM_REQUEST_ID"; done; return 1; }
  if [ "$KM_RETIRING_USED" != 0 ]; then
    if [ "$KM_APPLY" = 1 ]; then
      km_log "   refused: $KM_RETIRING_USED $RETIRING_NAME licence(s) are still assigned in the tenant"
      for sub in "${EXPIRING_SUBSCRIPTIONS[@]}"; do km_result C "$sub" failed "$KM_STATUS" "$KM_REQUEST_ID"; done
      return 1
    fi
    km_log "   $KM_RETIRING_USED $RETIRING_NAME licence(s) are assigned now; after step B there would be none"
  fi
  local rc=0
  for sub in "${EXPIRING_SUBSCRIPTIONS[@]}"; do
    km_retire "$sub" || rc=1
  done
  return "$rc"
}

# km_retire SUBSCRIPTION: retires one subscription the way its channel allows. A legacy
# licence-based subscription is suspended (it stops billing; Microsoft deprovisions it later).
# A new commerce one (product type OnlineServicesNCE, or an offer id product:sku:availability)
# is never suspended, which would not stop its billing: it is cancelled while its cancellation
# window is open, else its auto renew is turned off and it runs to its end date.
km_retire() {
  local sub="$1" url channel status window open end renew
  url="$KM_PC/v1/customers/$CUSTOMER_ID/subscriptions/$(km_uri "$sub")"
  km_get "$url" pc || { km_result C "$sub" failed "$KM_STATUS" "$KM_REQUEST_ID"; return 1; }
  status="$(jq -r '.status // "" | ascii_downcase' "$KM_TMP/response")"
  channel=legacy
  if km_new_commerce; then channel=new-commerce; fi
  case "$status" in
    deleted | expired | disabled)
      km_log "   $sub: already $status: skipped"
      km_result C "$sub" skipped-already-done "$KM_STATUS" "$KM_REQUEST_ID"
      return 0
      ;;
  esac
  if [ "$channel" = legacy ]; then
    if [ "$status" = suspended ]; then
      km_log "   $sub: already suspended: skipped"
      km_result C "$sub" skipped-already-done "$KM_STATUS" "$KM_REQUEST_ID"
      return 0
    fi
    km_log "   $sub (legacy): suspend"
    # The API wants the whole subscription back, with the new status.
    jq '.status = "suspended"' "$KM_TMP/response" >"$KM_TMP/body"
    km_change PATCH "$url" pc "$KM_TMP/body" C "$sub"
    return
  fi
  window="$(jq -r '.cancellationAllowedUntilDate // empty' "$KM_TMP/response")"
  # A window that cannot be read counts as closed: auto renew off never loses anything.
  open="$(jq -r '(.cancellationAllowedUntilDate // "") as $w
      | if $w == "" then "no" else (($w | sub("\\.[0-9]+"; "") | sub("(Z|[+]00:00)$"; "") | strptime("%Y-%m-%dT%H:%M:%S") | mktime) > now | if . then "yes" else "no" end) end' "$KM_TMP/response" 2>/dev/null)" || open=no
  end="$(jq -r '.commitmentEndDate // "its end date" | sub("T.*"; "")' "$KM_TMP/response")"
  if [ "$open" = yes ]; then
    km_log "   $sub (new commerce): within its cancellation window (until $window): cancel"
    jq '.status = "deleted"' "$KM_TMP/response" >"$KM_TMP/body"
    km_change PATCH "$url" pc "$KM_TMP/body" C "$sub"
    return
  fi
  renew="$(jq -r '.autoRenewEnabled // false' "$KM_TMP/response")"
  if [ "$renew" = false ]; then
    km_log "   $sub (new commerce): auto renew is off; it ends on $end and is billed until then (never suspended: that would not stop its billing)"
    km_result C "$sub" skipped-already-done "$KM_STATUS" "$KM_REQUEST_ID"
    return 0
  fi
  km_log "   $sub (new commerce): past its cancellation window: turn auto renew off; it ends on $end and is billed until then"
  jq '.autoRenewEnabled = false' "$KM_TMP/response" >"$KM_TMP/body"
  km_change PATCH "$url" pc "$KM_TMP/body" C "$sub"
}

# ---------------------------------------------------------------- rollback

# km_done_rows STEP: the targets of this customer's rows of STEP whose outcome is done, one per
# line, in the order they were done (each once).
km_done_rows() {
  [ -f "$KM_RESULTS" ] || return 0
  jq -rR --arg c "$CUSTOMER_ID" --arg s "$1" '
      [match("(?:^|,)(\"(?:[^\"]|\"\")*\"|[^,]*)"; "g").captures[0].string
       | if startswith("\"") then .[1:-1] | gsub("\"\""; "\"") else . end
       | if test("^\u0027[=+@\t\r-]") then .[1:] else . end]
      | select(length >= 5 and (.[1] | ascii_downcase) == ($c | ascii_downcase) and .[2] == $s and .[4] == "done")
      | .[3]' "$KM_RESULTS" | awk '!seen[$0]++'
}

# km_rollback_main [--apply]: undoes what the results file records as done for this customer:
# reactivates what step C retired, gives the users step B moved their old licence back and
# takes back what step B assigned; purchases are never cancelled, only shown with the request
# that would cancel them.
km_rollback_main() {
  km_init "$@"
  local rc=0 item
  if [ "$KM_APPLY" = 1 ]; then
    km_log "== ROLLBACK $CUSTOMER_NAME ($CUSTOMER_ID): APPLYING"
  else
    km_log "== ROLLBACK $CUSTOMER_NAME ($CUSTOMER_ID): dry run (nothing is changed; --apply to carry out)"
  fi
  [ -f "$KM_RESULTS" ] || km_die "no results file at $KM_RESULTS: set RESULTS_FILE to the results file the migration scripts wrote"
  local done_a=() done_b=() done_c=()
  while IFS= read -r item; do done_a+=("$item"); done < <(km_done_rows A)
  while IFS= read -r item; do done_b+=("$item"); done < <(km_done_rows B)
  while IFS= read -r item; do done_c+=("$item"); done < <(km_done_rows C)
  if [ "$(( ${#done_a[@]} + ${#done_b[@]} + ${#done_c[@]} ))" = 0 ]; then
    km_log "nothing to roll back: $KM_RESULTS records no change done for this customer"
    exit 0
  fi
  km_log "C undone first: the old subscription(s) active again"
  KM_REACTIVATING=0
  [ "${#done_c[@]}" = 0 ] || KM_REACTIVATING=1
  for item in "${done_c[@]+"${done_c[@]}"}"; do km_unretire "$item" || rc=1; done
  km_log "B undone: users get $RETIRING_NAME back, and lose what step B assigned"
  if [ "${#done_b[@]}" -gt 0 ]; then
    km_skus || { km_log "   cannot read the tenant's licences"; exit 1; }
    if [ "$KM_LICENSE_API" != graph ]; then km_users || { km_log "   cannot read the tenant's users"; exit 1; }; fi
    for item in "${done_b[@]}"; do km_unmove_user "$item" || rc=1; done
  fi
  km_log "A is not undone: purchases are never cancelled automatically"
  for item in "${done_a[@]+"${done_a[@]}"}"; do km_show_purchase "$item" || rc=1; done
  if [ "$rc" = 0 ]; then
    km_log "== ROLLBACK $CUSTOMER_NAME: $([ "$KM_APPLY" = 1 ] && echo finished || echo 'dry run finished; run with --apply to carry it out')"
  else
    km_log "== ROLLBACK $CUSTOMER_NAME: not finished; fix the cause and run again"
  fi
  exit "$rc"
}

# Makes a subscription step C retired active again: a suspended one is reactivated; a new
# commerce one whose auto renew was turned off gets it back; a cancelled one cannot be.
km_unretire() {
  local sub="$1" url status renew nce
  url="$KM_PC/v1/customers/$CUSTOMER_ID/subscriptions/$(km_uri "$sub")"
  km_get "$url" pc || { km_result R "subscription:$sub" failed "$KM_STATUS" "$KM_REQUEST_ID"; return 1; }
  status="$(jq -r '.status // "" | ascii_downcase' "$KM_TMP/response")"
  renew="$(jq -r '.autoRenewEnabled // false' "$KM_TMP/response")"
  nce=0
  if km_new_commerce; then nce=1; fi
  case "$status" in
    suspended)
      km_log "   $sub: reactivate"
      jq '.status = "active"' "$KM_TMP/response" >"$KM_TMP/body"
      km_change PATCH "$url" pc "$KM_TMP/body" R "subscription:$sub"
      ;;
    deleted)
      km_log "   $sub was cancelled: it cannot be reactivated; buy $RETIRING_NAME again if it is still sold"
      km_result R "subscription:$sub" failed "$KM_STATUS" "$KM_REQUEST_ID"
      return 1
      ;;
    active)
      if [ "$nce" = 1 ] && [ "$renew" = false ]; then
        km_log "   $sub: turn auto renew back on"
        jq '.autoRenewEnabled = true' "$KM_TMP/response" >"$KM_TMP/body"
        km_change PATCH "$url" pc "$KM_TMP/body" R "subscription:$sub"
      else
        km_log "   $sub: already active: skipped"
        km_result R "subscription:$sub" skipped-already-done "$KM_STATUS" "$KM_REQUEST_ID"
      fi
      ;;
    *)
      km_log "   $sub is $status: cannot be reactivated"
      km_result R "subscription:$sub" failed "$KM_STATUS" "$KM_REQUEST_ID"
      return 1
      ;;
  esac
}

# Gives a user step B changed the retiring licence back and, for a moved user, takes back the
# offers step B assigned (USERS_MOVE_TAKE: the offers, by index, it assigned each mover).
km_unmove_user() {
  local upn="$1" uid="" k i sku take="" give="" remove=()
  # Users found at run time were assigned every offer.
  if [ "$DISCOVER_USERS" = 1 ]; then take="${!TARGET_OFFERS[*]}"; fi
  for k in "${!USERS_MOVE[@]}"; do
    if [ "${USERS_MOVE[$k]}" = "$upn" ]; then take="${USERS_MOVE_TAKE[$k]}"; fi
  done
  if [ "$KM_LICENSE_API" != graph ]; then
    uid="$(km_user_id "$upn")"
    [ -n "$uid" ] || { km_log "   $upn: no such user in the tenant"; km_result R "licences:$upn" failed "" ""; return 1; }
  fi
  km_user_skus "$upn" "$uid" || { km_result R "licences:$upn" failed "$KM_STATUS" "$KM_REQUEST_ID"; return 1; }
  for i in $take; do
    sku="${KM_TARGET_SKUS[$i]:-}"
    if [ -n "$sku" ] && [[ " $KM_HELD " == *" $sku "* ]]; then remove+=("$sku"); fi
  done
  for sku in $KM_RETIRING_SKUS; do
    if [[ " $KM_HELD " == *" $sku "* ]]; then give=held; fi
  done
  if [ "$give" != held ]; then
    # The retiring SKU with a free licence (its subscription must be active again).
    give="$(jq -r --arg ids " $KM_RETIRING_SKUS " '[.items[] | (.id | ascii_downcase) as $k
        | select(($ids | contains(" " + $k + " ")) and (.total - .used) > 0) | $k] | first // empty' "$KM_TMP/skus")"
    if [ -z "$give" ] && [ "$KM_APPLY" = 0 ] && [ "$KM_REACTIVATING" = 1 ]; then
      # A dry run does not reactivate: the licences come back once it does.
      give="${RETIRING_SKU_IDS[0]:-<SKU id of $RETIRING_NAME once reactivated>}"
    fi
    if [ -z "$give" ]; then
      km_log "   $upn: no free $RETIRING_NAME licence to give back (is its subscription active?)"
      km_result R "licences:$upn" failed "" ""
      return 1
    fi
  else
    give=""
  fi
  if [ -z "$give" ] && [ "${#remove[@]}" = 0 ]; then
    km_log "   $upn: already as before: skipped"
    km_result R "licences:$upn" skipped-already-done "$KM_STATUS" "$KM_REQUEST_ID"
    return 0
  fi
  km_log "   $upn: ${give:+give $RETIRING_NAME back}${give:+${remove[0]:+, }}${remove[0]:+take back what step B assigned}"
  km_licence_update "$upn" "$uid" R "licences:$upn" "$give" "$(printf '%s\n' "${remove[@]+"${remove[@]}"}")"
}

# Shows what step A bought and the request that would cancel it (never sent).
km_show_purchase() {
  local target="$1" subs i existing
  subs="$KM_PC/v1/customers/$CUSTOMER_ID/subscriptions"
  for i in "${!TARGET_OFFERS[@]}"; do
    if [ "${PURCHASE_SUBSCRIPTIONS[$i]}" = "$target" ] && [ "${PURCHASE_ACTIONS[$i]}" = increase ]; then
      km_log "   $target (${TARGET_OFFERS[$i]}): step A raised it to ${PURCHASE_NEW_QUANTITIES[$i]} seats; to undo, within its cancellation window: PATCH $subs/$target with quantity $((PURCHASE_NEW_QUANTITIES[i] - PURCHASE_SEATS[i]))"
      return 0
    fi
  done
  km_get "$subs" pc || return 1
  existing="$(printf '%s\n' "${EXISTING_SUBSCRIPTIONS[@]+"${EXISTING_SUBSCRIPTIONS[@]}"}" | jq -R 'ascii_downcase' | jq -s 'map(select(. != ""))')"
  jq -r --arg offer "$target" --argjson old "$existing" --arg subs "$subs" '
      [.items[] | select(((.offerName // .friendlyName // "") | ascii_downcase) == ($offer | ascii_downcase)
                         and ((.id | ascii_downcase) as $i | ($old | index($i)) == null))]
      | if length == 0 then "   \($offer): no subscription bought by step A found"
        else .[] | "   \(.id) (\($offer), \(.quantity) seats, \(.status)): not cancelled automatically; "
             + (if .cancellationAllowedUntilDate then "cancellation allowed until \(.cancellationAllowedUntilDate); " else "" end)
             + "to cancel: PATCH \($subs)/\(.id) with status \"deleted\" (new commerce) or \"suspended\" (legacy)" end' "$KM_TMP/response" >&2
}

km_main() {
  km_init "$@"
  if [ "$KM_APPLY" = 1 ]; then
    km_log "== $CUSTOMER_NAME ($CUSTOMER_ID): APPLYING"
  else
    km_log "== $CUSTOMER_NAME ($CUSTOMER_ID): dry run (nothing is changed; --apply to carry out)"
  fi
  if ! km_preflight; then
    km_log "stopped: the pre-flight could not read what the migration needs; nothing was changed"
    exit 1
  fi
  km_find_path
  if [ "$KM_PATH" != abc ]; then
    if ! km_remove_only_first; then
      km_log "stopped: users who only lose $RETIRING_NAME could not lose it first, so the $KM_PATH would move them too; nothing else was changed"
      exit 1
    fi
    if ! km_take_path; then
      km_log "stopped: the $KM_PATH did not finish, so nothing is retired; run again (a finished one is not repeated), or with --no-transitions"
      exit 1
    fi
    if [ "$KM_APPLY" = 1 ]; then
      km_log "B. checks every user as usual: the licences Partner Center moved are skipped"
    else
      km_log "B. checks every user after the $KM_PATH (this dry run sent none, so B shows each user as it stands now)"
    fi
  elif ! km_step_a; then
    km_log "stopped: step A failed, so users are not moved and nothing is suspended"
    exit 1
  fi
  local rc=0
  km_step_b || rc=1
  km_step_c || rc=1
  if [ "$KM_APPLY" = 0 ] && [ "$KM_B_BLOCKED" = 1 ]; then
    # A dry run that read everything it needed succeeds; its findings are in its P lines.
    rc=0
  fi
  if [ "$rc" = 0 ] && [ "$KM_APPLY" = 0 ]; then
    km_log "== $CUSTOMER_NAME: dry run finished; run with --apply to carry it out"
  elif [ "$rc" = 0 ]; then
    km_log "== $CUSTOMER_NAME: finished"
  else
    km_log "== $CUSTOMER_NAME: not finished; fix the cause and run again (done steps are skipped)"
  fi
  exit "$rc"
}
