# Functions shared by the migration scripts that kaizala-migrate generates.
# Dot-sourced by each customer's script, which sets the customer's values and calls
# Invoke-KmMain. Calls the Partner Center REST API (and Microsoft Graph) with Invoke-RestMethod.
#
# Environment:
#   PARTNER_CENTER_TOKEN     Partner Center access token (App+User); never written anywhere
#   GRAPH_TOKEN              Microsoft Graph token for the customer's tenant (-LicenseApi graph)
#   PARTNER_CENTER_BASE_URL  default https://api.partnercenter.microsoft.com
#   GRAPH_BASE_URL           default https://graph.microsoft.com
#   RESULTS_FILE             default results.csv beside the scripts
#   KM_MAX_ATTEMPTS          tries per request on 429 / 5xx / no answer, default 6

function Write-KmLog([string]$Text) { [Console]::Error.WriteLine($Text) }

# Creates the results file with its header; of several scripts starting at once only one does.
function Initialize-KmResults([string]$Path) {
    try {
        $stream = [System.IO.File]::Open($Path, [System.IO.FileMode]::CreateNew, [System.IO.FileAccess]::Write)
        $bytes = [System.Text.Encoding]::UTF8.GetBytes("time,customer_id,step,target,outcome,http_status,request_id`n")
        $stream.Write($bytes, 0, $bytes.Length)
        $stream.Dispose()
    } catch [System.IO.IOException] {
        # Another script created it first.
    }
}

function Initialize-Km($Job, [bool]$Apply, [bool]$SetUsageLocation, [bool]$NoTransitions = $false) {
    # The tokens are never held in a variable: tracing (Set-PSDebug -Trace 2) shows what is
    # assigned, and would show them.
    if ([string]::IsNullOrEmpty($env:PARTNER_CENTER_TOKEN)) {
        throw 'PARTNER_CENTER_TOKEN is not set: set a Partner Center access token (App+User) first. No request was sent.'
    }
    if ($Job.LicenseApi -eq 'graph' -and [string]::IsNullOrEmpty($env:GRAPH_TOKEN)) {
        throw "GRAPH_TOKEN is not set: set a Microsoft Graph token for tenant $($Job.CustomerId) first. No request was sent."
    }
    $base = if ($env:PARTNER_CENTER_BASE_URL) { $env:PARTNER_CENTER_BASE_URL } else { 'https://api.partnercenter.microsoft.com' }
    $graph = if ($env:GRAPH_BASE_URL) { $env:GRAPH_BASE_URL } else { 'https://graph.microsoft.com' }
    $results = if ($env:RESULTS_FILE) { $env:RESULTS_FILE } else { Join-Path $PSScriptRoot 'results.csv' }
    $attempts = if ($env:KM_MAX_ATTEMPTS) { [int]$env:KM_MAX_ATTEMPTS } else { 6 }
    Initialize-KmResults $results
    $script:Km = @{
        Job = $Job; Apply = $Apply; Pc = $base.TrimEnd('/'); Graph = $graph.TrimEnd('/')
        Results = $results; MaxAttempts = $attempts; BFailed = $false
        Status = ''; RequestId = ''; Response = $null
        KaizalaSkus = @(); KaizalaUsed = 0; TargetSkus = @(); Users = @(); Skus = @()
        SetUsageLocation = $SetUsageLocation; Country = ''; Findings = 0; PfGraph = $false
        ABlocked = $false; BBlocked = $false; Reactivating = $false
        NoTransitions = $NoTransitions; Path = 'abc'; PathItem = $null
        Timeout = $(if ($env:KM_TIMEOUT) { [int]$env:KM_TIMEOUT } else { 180 })
    }
}

# A results file cell: quoted, and safe to open in a spreadsheet (a value starting with = + - @
# or a tab gets a leading apostrophe, so that it is not taken for a formula).
function ConvertTo-KmCell([string]$Value) {
    if ($Value -match '^[=+@\-\t\r]') { $Value = "'" + $Value }
    return '"' + $Value.Replace('"', '""') + '"'
}

function Add-KmResult([string]$Step, [string]$Target, [string]$Outcome, [string]$Status, [string]$RequestId) {
    $fields = @((Get-Date).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ'), $Km.Job.CustomerId, $Step, $Target, $Outcome, $Status, $RequestId)
    $row = ($fields | ForEach-Object { ConvertTo-KmCell ([string]$_) }) -join ','
    Add-Content -LiteralPath $Km.Results -Value $row
}

function Test-KmDoneBefore([string]$Step, [string]$Target) {
    $needle = (ConvertTo-KmCell $Km.Job.CustomerId) + ',' + (ConvertTo-KmCell $Step) + ',' + (ConvertTo-KmCell $Target) + ',"done"'
    return [bool](Select-String -LiteralPath $Km.Results -SimpleMatch -Pattern $needle -Quiet)
}

# Sends one request; retries 429 and 5xx after Retry-After, else with exponential backoff. A new
# MS-RequestId follows any answer; a request that got no answer is retried with the same one.
function Invoke-KmRequest([string]$Method, [string]$Uri, [string]$Api, $Body = $null) {
    # Straight from the environment into a SecureString: no variable ever holds the token.
    $secure = if ($Api -eq 'graph') {
        ConvertTo-SecureString -String $env:GRAPH_TOKEN -AsPlainText -Force
    } else {
        ConvertTo-SecureString -String $env:PARTNER_CENTER_TOKEN -AsPlainText -Force
    }
    $requestId = ''
    $reuse = $false
    for ($attempt = 1; ; $attempt++) {
        if (-not $reuse) { $requestId = [guid]::NewGuid().ToString() }
        $reuse = $false
        $headers = @{
            'Accept' = 'application/json'
            'MS-RequestId' = $requestId
            'MS-CorrelationId' = [guid]::NewGuid().ToString()
            'MS-Contract-Version' = 'v1'
        }
        $params = @{
            Method = $Method; Uri = $Uri; Headers = $headers; Authentication = 'Bearer'; Token = $secure
            SkipHttpErrorCheck = $true; StatusCodeVariable = 'code'; ResponseHeadersVariable = 'answerHeaders'
            TimeoutSec = $Km.Timeout
        }
        if ($null -ne $Body) {
            $params.ContentType = 'application/json'
            $params.Body = ($Body | ConvertTo-Json -Depth 20 -Compress)
        }
        $code = 0
        $answerHeaders = @{}
        $answer = $null
        try {
            $answer = Invoke-RestMethod @params
        } catch {
            $code = 0
            Write-KmLog "   no answer ($($_.Exception.Message)); retrying with the same MS-RequestId"
            $reuse = $true
        }
        $script:Km.Status = [string]$code
        $script:Km.RequestId = $requestId
        $script:Km.Response = $answer
        if ($code -eq 429 -or $code -ge 500 -or $code -eq 0) {
            if ($attempt -ge $Km.MaxAttempts) { return }
            $wait = [int][Math]::Pow(2, $attempt)
            if ($answerHeaders.ContainsKey('Retry-After')) {
                $given = 0
                if ([int]::TryParse([string]($answerHeaders['Retry-After'] | Select-Object -First 1), [ref]$given)) { $wait = $given }
            }
            $wait = [Math]::Min($wait, 300)
            if ($code -ne 0) { Write-KmLog "   HTTP $code; retrying in ${wait}s (attempt $attempt of $($Km.MaxAttempts))" }
            Start-Sleep -Seconds $wait
            continue
        }
        return
    }
}

function Test-KmOk { return ($Km.Status -match '^2\d\d$') }

function Write-KmExplain {
    $code = ''
    if ($null -ne $Km.Response) {
        if ($Km.Response.PSObject.Properties.Name -contains 'code') { $code = [string]$Km.Response.code }
        elseif ($Km.Response.PSObject.Properties.Name -contains 'error') { $code = [string]$Km.Response.error.code }
    }
    switch ($code) {
        '60012' { Write-KmLog '   no licences of this plan are left to assign: buy more seats (step A) and run again' }
        '900316' { Write-KmLog '   the token is app-only: users and licences need an App+User token (Secure App Model)' }
        '900309' { Write-KmLog '   a Conditional Access policy blocked the call: use a token that satisfies the policy' }
        default { Write-KmLog "   answer: $($Km.Response | ConvertTo-Json -Depth 5 -Compress)" }
    }
    if ($Km.Status -eq '401') { Write-KmLog '   the token was refused (expired?): get a new one and run again' }
    if ($Km.Status -eq '403') { Write-KmLog "   not allowed (HTTP 403): changing licences needs the GDAP role License Administrator or User Administrator (or Directory Writers); buying and retiring need the partner user's Admin agent role" }
}

function Get-Km([string]$Uri, [string]$Api = 'pc') {
    Invoke-KmRequest -Method 'GET' -Uri $Uri -Api $Api
    if (Test-KmOk) { return $true }
    Write-KmLog "   GET $Uri failed: HTTP $($Km.Status)"
    Write-KmExplain
    return $false
}

# A request that changes something: printed and recorded as dry-run unless -Apply.
function Invoke-KmChange([string]$Method, [string]$Uri, [string]$Api, $Body, [string]$Step, [string]$Target) {
    if (-not $Km.Apply) {
        Write-KmLog "   DRY RUN, would send: $Method $Uri"
        if ($null -ne $Body) { Write-KmLog (($Body | ConvertTo-Json -Depth 20) -replace '(?m)^', '     ') }
        Add-KmResult $Step $Target 'dry-run' '' ''
        return $true
    }
    Invoke-KmRequest -Method $Method -Uri $Uri -Api $Api -Body $Body
    if (Test-KmOk) {
        Add-KmResult $Step $Target 'done' $Km.Status $Km.RequestId
        return $true
    }
    Add-KmResult $Step $Target 'failed' $Km.Status $Km.RequestId
    Write-KmExplain
    return $false
}

function ConvertTo-KmUri([string]$Value) { return [uri]::EscapeDataString($Value) }

# ---------------------------------------------------------------- P: pre-flight

# Something the migration would trip over, found before any change: printed and recorded
# (outcome "attention"); it is not a failure of the run.
function Add-KmFinding([string]$Target, [string]$Text) {
    Write-KmLog "   ! $Text"
    Add-KmResult 'P' $Target 'attention' '' ''
    $script:Km.Findings++
}

# Explains a refused read in terms of the access each step needs.
function Write-KmRefused([string]$What, [string]$Roles) {
    switch ($Km.Status) {
        '401' { Write-KmLog '   the token was refused: get a new App+User token (multi-factor authenticated) and run again' }
        '403' { Write-KmLog "   the token may not ${What}: $Roles" }
        '404' { Write-KmLog "   not found: is $($Km.Job.CustomerId) a customer of this partner?" }
    }
}

# Reads, before any change, what the migration depends on (see lib.sh's km_preflight).
# Returns $false when something it needs cannot be read.
function Invoke-KmPreflight {
    $j = $Km.Job
    Write-KmLog 'P. pre-flight (reads only)'
    $script:Km.Findings = 0
    if (-not (Get-Km "$($Km.Pc)/v1/customers/$($j.CustomerId)")) {
        Write-KmRefused 'read this customer' 'the partner needs its reseller relationship and, with granular delegated admin (GDAP), an active relationship with Directory Readers at least'
        Add-KmResult 'P' '(customer)' 'failed' $Km.Status $Km.RequestId
        return $false
    }
    $script:Km.Country = Get-KmCountry $Km.Response
    if (-not (Read-KmSkus)) {
        Write-KmRefused "read the tenant's licences" 'step B needs the GDAP role License Administrator or User Administrator'
        Add-KmResult 'P' '(licences)' 'failed' $Km.Status $Km.RequestId
        return $false
    }
    if ($j.LicenseApi -ne 'graph' -and -not (Read-KmUsers)) {
        Write-KmRefused "read the tenant's users" 'step B needs the GDAP role User Administrator or License Administrator (Directory Readers to read)'
        Add-KmResult 'P' '(users)' 'failed' $Km.Status $Km.RequestId
        return $false
    }
    Add-KmResult 'P' '(access)' 'ok' $Km.Status $Km.RequestId
    $script:Km.PfGraph = ($j.LicenseApi -eq 'graph') -or -not [string]::IsNullOrEmpty($env:GRAPH_TOKEN)
    $script:Km.PfLack = [int64[]]::new(@($j.Purchases).Count)
    if (-not $Km.PfGraph -and -not $j.DiscoverUsers) {
        Write-KmLog '   licences assigned through groups are checked through Microsoft Graph: set GRAPH_TOKEN (a token for this tenant) to check them'
    }
    foreach ($upn in @($j.UsersMove)) { if (-not (Test-KmPreflightUser $upn 'move')) { return $false } }
    foreach ($upn in @($j.UsersRemoveOnly)) { if (-not (Test-KmPreflightUser $upn 'remove_only')) { return $false } }
    if (-not (Test-KmAgreement)) { return $false }
    if (-not (Test-KmFreeSeats)) {
        Add-KmResult 'P' '(subscriptions)' 'failed' $Km.Status $Km.RequestId
        return $false
    }
    if ($Km.Findings -eq 0) { Write-KmLog '   nothing found that would stop the migration' }
    return $true
}

function Test-KmPreflightUser([string]$Upn, [string]$Action) {
    $j = $Km.Job
    $uid = ''
    $where = ''
    $groups = @()
    $held = @()
    if ($Km.PfGraph) {
        if (-not (Get-Km "$($Km.Graph)/v1.0/users/$(ConvertTo-KmUri $Upn)?`$select=id,userPrincipalName,usageLocation,licenseAssignmentStates" 'graph')) {
            if ($Km.Status -eq '404') { Add-KmFinding $Upn "${Upn}: no such user in the tenant"; return $true }
            Write-KmRefused 'read users through Microsoft Graph' 'GRAPH_TOKEN needs to read users (User.Read.All; the GDAP role Directory Readers)'
            Add-KmResult 'P' $Upn 'failed' $Km.Status $Km.RequestId
            return $false
        }
        $u = $Km.Response
        if ($u.PSObject.Properties.Name -contains 'usageLocation') { $where = [string]$u.usageLocation }
        if ($u.PSObject.Properties.Name -contains 'licenseAssignmentStates') {
            $groups = @($u.licenseAssignmentStates | Where-Object {
                    $_.assignedByGroup -and $Km.KaizalaSkus -contains ([string]$_.skuId).ToLowerInvariant()
                } | ForEach-Object { [string]$_.assignedByGroup } | Sort-Object -Unique)
        }
        if ($u.PSObject.Properties.Name -contains 'assignedLicenses') {
            $held = @($u.assignedLicenses | ForEach-Object { ([string]$_.skuId).ToLowerInvariant() })
        }
    } else {
        $uid = Get-KmUserId $Upn
        if (-not $uid) { Add-KmFinding $Upn "${Upn}: no such user in the tenant"; return $true }
        $u = @($Km.Users | Where-Object { [string]$_.id -eq $uid }) | Select-Object -First 1
        if ($u.PSObject.Properties.Name -contains 'usageLocation') { $where = [string]$u.usageLocation }
        if ($Action -eq 'move') {
            $held = Get-KmUserSkus $Upn $uid
            if ($null -eq $held) {
                Write-KmRefused "read users' licences" 'step B needs the GDAP role License Administrator or User Administrator'
                Add-KmResult 'P' $Upn 'failed' $Km.Status $Km.RequestId
                return $false
            }
        }
    }
    if ($Action -eq 'move') {
        # Who still lacks each offer: the licences step B will need.
        $skus = @($Km.TargetSkus)
        for ($i = 0; $i -lt @($j.Purchases).Count; $i++) {
            if (-not $skus[$i] -or $held -notcontains $skus[$i]) { $Km.PfLack[$i]++ }
        }
    }
    if ($groups.Count -gt 0) {
        Add-KmFinding "group:$Upn" "$Upn holds $($j.RetiringName) through group(s) $($groups -join ' '): remove $($j.RetiringName) from the group's licences (Microsoft Entra admin center > Groups > the group > Licenses), or the user from the group; step B does not start until then"
        $script:Km.BBlocked = $true
    }
    if ($Action -ne 'move' -or $where) { return $true }
    if (-not $Km.SetUsageLocation -or -not $Km.Country) {
        $fix = 'set it in the admin center'
        if ($Km.Country) { $fix += ", or run with -SetUsageLocation to set $($Km.Country) (the customer's country)" }
        Add-KmFinding "usage-location:$Upn" "$Upn has no usage location, so no licence can be assigned: $fix"
        return $true
    }
    Write-KmLog "   $Upn has no usage location: set to $($Km.Country) (the customer's country)"
    if ($j.LicenseApi -eq 'graph') {
        return (Invoke-KmChange 'PATCH' "$($Km.Graph)/v1.0/users/$(ConvertTo-KmUri $Upn)" 'graph' @{ usageLocation = $Km.Country } 'P' "usage-location:$Upn")
    }
    if (-not $uid) { $uid = Get-KmUserId $Upn }
    $body = @{ id = $uid; usageLocation = $Km.Country; attributes = @{ objectType = 'CustomerUser' } }
    return (Invoke-KmChange 'PATCH' "$($Km.Pc)/v1/customers/$($j.CustomerId)/users/$(ConvertTo-KmUri $uid)" 'pc' $body 'P' "usage-location:$Upn")
}

# A cart purchase needs the customer's acceptance of the Microsoft Customer Agreement.
function Test-KmAgreement {
    $j = $Km.Job
    $buys = @($j.Purchases | Where-Object { $_.Action -eq 'buy' }).Count -gt 0
    if ($j.PurchaseApi -ne 'cart' -or -not $buys) { return $true }
    if (-not (Get-Km "$($Km.Pc)/v1/customers/$($j.CustomerId)/agreements?agreementType=MicrosoftCustomerAgreement")) {
        Write-KmRefused "read the customer's agreements" 'the partner user needs the Admin agent role'
        Add-KmResult 'P' '(agreement)' 'failed' $Km.Status $Km.RequestId
        return $false
    }
    if (@($Km.Response.items).Count -eq 0) {
        Add-KmFinding '(agreement)' 'the customer has not accepted the Microsoft Customer Agreement, which a new commerce purchase needs: have it accepted (Partner Center > Customers > the customer > Account) first; step A does not start until then'
        $script:Km.ABlocked = $true
    }
    return $true
}

# Free licences of each offer once step A has added what it still has to add, against the users
# who still lack one (when users are found at run time, those who hold the retiring product).
function Test-KmFreeSeats {
    $j = $Km.Job
    $purchases = @($j.Purchases)
    for ($i = 0; $i -lt $purchases.Count; $i++) {
        $p = $purchases[$i]
        $sku = @($Km.TargetSkus)[$i]
        $free = 0
        if ($sku) {
            $s = @($Km.Skus | Where-Object { $_.Id -eq $sku }) | Select-Object -First 1
            if ($s) { $free = [Math]::Max(0, [int64]$s.Total - [int64]$s.Used) }
        }
        $add = 0
        if ($p.Action -eq 'buy' -and -not (Test-KmDoneBefore 'A' $p.Offer)) { $add = [int64]$p.Seats }
        if ($p.Action -eq 'increase') {
            if (-not (Get-Km "$($Km.Pc)/v1/customers/$($j.CustomerId)/subscriptions/$(ConvertTo-KmUri $p.Subscription)")) { return $false }
            $add = [Math]::Max(0, [int64]$p.NewQuantity - [int64]$Km.Response.quantity)
        }
        # Users found at run time: whoever holds the retiring product now.
        $need = if ($j.DiscoverUsers) { [int64]$Km.KaizalaUsed } else { $Km.PfLack[$i] }
        if ($free + $add -lt $need) {
            Add-KmFinding "(free seats) $($p.Offer)" "after step A the tenant would have $($free + $add) free $($p.Offer) licence(s) for $need user(s) who need one: raise the seats to buy"
        }
    }
    return $true
}

# ---------------------------------------------------------------- T: Partner Center's own path

# Asks Partner Center whether it can move the expiring subscription to the target itself (see
# lib.sh's km_find_path). Sets $Km.Path (transition, upgrade or abc).
function Find-KmPath {
    $j = $Km.Job
    $script:Km.Path = 'abc'
    $p = @($j.Purchases)
    if ($Km.NoTransitions) { Write-KmLog 'T. transitions not asked for (-NoTransitions): A, B and C'; return }
    if ($p.Count -ne 1 -or $p[0].Action -ne 'buy' -or @($j.ExpiringSubscriptions).Count -ne 1) {
        Write-KmLog 'T. no transition asked for: that takes a target of one offer bought new from one expiring subscription; A, B and C'
        return
    }
    $p = $p[0]
    $sub = @($j.ExpiringSubscriptions)[0]
    $base = "$($Km.Pc)/v1/customers/$($j.CustomerId)/subscriptions/$(ConvertTo-KmUri $sub)"
    Write-KmLog "T. does Partner Center move $sub to $($p.Offer) itself?"
    if ($p.CatalogProduct -and $p.CatalogSku) {
        $prefix = "$($p.CatalogProduct):$($p.CatalogSku):".ToLowerInvariant()
        if (Get-Km "$base/transitionEligibilities?eligibilityType=immediate") {
            $items = @($Km.Response.items | Where-Object { ([string]$_.catalogItemId).ToLowerInvariant().StartsWith($prefix) })
            foreach ($i in $items) {
                $what = @($i.eligibilities | ForEach-Object {
                        $e = if ($_.isEligible) { 'eligible' } else { 'not eligible' }
                        $errs = @(Get-KmField $_ 'errors' | Where-Object { $_ } | ForEach-Object { if (Get-KmField $_ 'description') { $_.description } else { [string]$_.code } })
                        if ($errs.Count -gt 0) { $e += " ($($errs -join '; '))" }
                        "$($_.transitionType) $e"
                    })
                Write-KmLog "   transition to $($i.catalogItemId): $($what -join ', ')"
            }
            $found = @($items | Where-Object { @($_.eligibilities | Where-Object { $_.isEligible -and $_.transitionType -eq 'transition_with_license_transfer' }).Count -gt 0 }) | Select-Object -First 1
            if ($found) {
                $script:Km.Path = 'transition'
                $script:Km.PathItem = [string]$found.catalogItemId
                Write-KmLog "   path: transition with licence transfer to $($found.catalogItemId), instead of A and B"
                return
            }
        } else { Write-KmLog "   could not ask for transitions (HTTP $($Km.Status))" }
    }
    if ($p.OfferId -and (Get-Km $base)) {
        if (-not (Test-KmNewCommerce $Km.Response)) {
            if (Get-Km "$base/upgrades") {
                $up = @($Km.Response.items | Where-Object {
                        ([string]$_.targetOffer.id) -ieq $p.OfferId -and $_.isEligible -and $_.upgradeType -eq 'upgrade_with_license_transfer'
                    }) | Select-Object -First 1
                if ($up) {
                    $script:Km.Path = 'upgrade'
                    $script:Km.PathItem = $up
                    Write-KmLog "   path: upgrade with licence transfer to $($p.OfferId), instead of A and B"
                    return
                }
                Write-KmLog "   no eligible upgrade with licence transfer to $($p.OfferId)"
            } else { Write-KmLog "   could not ask for upgrades (HTTP $($Km.Status))" }
        }
    }
    Write-KmLog "   path: A, B and C (Partner Center offers no move with licence transfer to $($p.Offer))"
}

# Before a transition with licence transfer: users who already hold a plan that covers them
# lose the retiring licence first, so that only the users to move are moved.
function Invoke-KmRemoveOnlyFirst {
    $j = $Km.Job
    if (@($j.UsersRemoveOnly).Count -eq 0) { return $true }
    Write-KmLog "B, first: users who already hold a plan with $($j.RetiringName) lose it before the $($Km.Path)"
    if (-not (Read-KmSkus)) { return $false }
    if ($j.LicenseApi -ne 'graph' -and -not (Read-KmUsers)) { return $false }
    $ok = $true
    foreach ($upn in @($j.UsersRemoveOnly)) { if (-not (Move-KmUser $upn 'remove_only')) { $ok = $false } }
    return $ok
}

# Carries out the path Find-KmPath found instead of A, followed to its end; its row is step A's.
function Invoke-KmPath {
    $j = $Km.Job
    $p = @($j.Purchases)[0]
    $sub = @($j.ExpiringSubscriptions)[0]
    $base = "$($Km.Pc)/v1/customers/$($j.CustomerId)/subscriptions/$(ConvertTo-KmUri $sub)"
    Write-KmLog "A. by $($Km.Path): $sub to $($p.Offer), $($p.Seats) seat(s), licences moved by Partner Center"
    if (Test-KmDoneBefore 'A' $p.Offer) {
        Write-KmLog '   done by an earlier run (results file): skipped'
        Add-KmResult 'A' $p.Offer 'skipped-already-done' '' ''
        return $true
    }
    if ($Km.Path -eq 'upgrade') {
        $body = $Km.PathItem
        $body | Add-Member -NotePropertyName quantity -NotePropertyValue ([int64]$p.Seats) -Force
        if (-not $Km.Apply) { return (Invoke-KmChange 'POST' "$base/upgrades" 'pc' $body 'A' $p.Offer) }
        Invoke-KmRequest -Method 'POST' -Uri "$base/upgrades" -Api 'pc' -Body $body
        if (-not (Test-KmOk)) { Add-KmResult 'A' $p.Offer 'failed' $Km.Status $Km.RequestId; Write-KmExplain; return $false }
        $errors = @(Get-KmField $Km.Response 'upgradeErrors') + @(Get-KmField $Km.Response 'licenseErrors') | Where-Object { $_ }
        if ($errors.Count -gt 0) {
            Write-KmLog "   the upgrade reported: $($errors | ConvertTo-Json -Compress -Depth 10)"
            Add-KmResult 'A' $p.Offer 'failed' $Km.Status $Km.RequestId
            return $false
        }
        Add-KmResult 'A' $p.Offer 'done' $Km.Status $Km.RequestId
        return $true
    }
    $body = @{ toCatalogItemId = $Km.PathItem; quantity = [int64]$p.Seats; transitionType = 'transition_with_license_transfer'; termDuration = $p.Term; billingCycle = $p.Billing }
    if (-not $Km.Apply) { return (Invoke-KmChange 'POST' "$base/transitions" 'pc' $body 'A' $p.Offer) }
    Invoke-KmRequest -Method 'POST' -Uri "$base/transitions" -Api 'pc' -Body $body
    if (-not (Test-KmOk)) { Add-KmResult 'A' $p.Offer 'failed' $Km.Status $Km.RequestId; Write-KmExplain; return $false }
    $id = [string](Get-KmField $Km.Response 'id')
    $max = if ($env:KM_POLL_MAX) { [int]$env:KM_POLL_MAX } else { 60 }
    $wait = if ($env:KM_POLL_SECONDS) { [int]$env:KM_POLL_SECONDS } else { 10 }
    for ($try = 1; ; $try++) {
        if (-not (Get-Km "$base/transitions")) { Add-KmResult 'A' $p.Offer 'failed' $Km.Status $Km.RequestId; return $false }
        $t = @($Km.Response.items | Where-Object { -not $id -or [string]$_.id -eq $id }) | Select-Object -First 1
        $events = @(Get-KmField $t 'events') + @(Get-KmField $t 'transitionEvents') | Where-Object { $_ }
        $states = @($events | ForEach-Object { ([string]$_.status).ToLowerInvariant() })
        if ($states -contains 'failed') {
            Write-KmLog "   the transition failed: $($events | ConvertTo-Json -Compress -Depth 5)"
            Add-KmResult 'A' $p.Offer 'failed' $Km.Status $Km.RequestId
            return $false
        }
        if ($states.Count -gt 0 -and @($states | Where-Object { $_ -ne 'completed' }).Count -eq 0) {
            Write-KmLog '   transition completed'
            Add-KmResult 'A' $p.Offer 'done' $Km.Status $Km.RequestId
            return $true
        }
        if ($try -ge $max) {
            Write-KmLog '   the transition is still running: run again later (it is not started twice)'
            Add-KmResult 'A' $p.Offer 'failed' $Km.Status $Km.RequestId
            return $false
        }
        Start-Sleep -Seconds $wait
    }
}

# Step A for every offer of the target plan: tops up what is increased, then buys what is new
# in one cart (a line per offer) or, with the order API, one order per offer. Every offer gets
# its own results row.
function Invoke-KmStepA {
    $j = $Km.Job
    Write-KmLog "A. buy $($j.TargetPlan)"
    if ($Km.ABlocked -and $Km.Apply) {
        Write-KmLog '   refused: the customer has not accepted the Microsoft Customer Agreement (see P)'
        foreach ($p in @($j.Purchases)) { Add-KmResult 'A' $p.Offer 'failed' '' '' }
        return $false
    }
    $ok = $true
    $buy = [System.Collections.Generic.List[object]]::new()
    foreach ($p in @($j.Purchases)) {
        if ($p.Action -eq 'none') {
            Write-KmLog "   $($p.Offer): nothing to buy: the customer has the seats"
            Add-KmResult 'A' $p.Offer 'skipped-already-done' '' ''
        } elseif ($p.Action -eq 'increase') {
            if (-not (Invoke-KmIncrease $p)) { $ok = $false }
        } elseif (Test-KmDoneBefore 'A' $p.Offer) {
            Write-KmLog "   $($p.Offer): bought by an earlier run (results file): skipped"
            Add-KmResult 'A' $p.Offer 'skipped-already-done' '' ''
        } else {
            $buy.Add($p)
        }
    }
    if (-not $ok) { return $false }
    if ($buy.Count -eq 0) { return $true }
    return (Invoke-KmBuy $buy.ToArray())
}

# Adds the planned seats to the subscription of one offer, unless it has them already.
function Invoke-KmIncrease($p) {
    $url = "$($Km.Pc)/v1/customers/$($Km.Job.CustomerId)/subscriptions/$(ConvertTo-KmUri $p.Subscription)"
    Write-KmLog "   $($p.Offer): increase $($p.Subscription) to $($p.NewQuantity) seats"
    if (-not (Get-Km $url)) { Add-KmResult 'A' $p.Subscription 'failed' $Km.Status $Km.RequestId; return $false }
    $sub = $Km.Response
    if ([int64]$sub.quantity -ge [int64]$p.NewQuantity) {
        Write-KmLog "   $($p.Subscription) already has $($sub.quantity) seats: skipped"
        Add-KmResult 'A' $p.Subscription 'skipped-already-done' $Km.Status $Km.RequestId
        return $true
    }
    # The API wants the whole subscription back, with the new quantity.
    $sub.quantity = [int64]$p.NewQuantity
    return (Invoke-KmChange 'PATCH' $url 'pc' $sub 'A' $p.Subscription)
}

# The same outcome for each offer's step A.
function Add-KmResultEach($Purchases, [string]$Outcome, [string]$Status, [string]$RequestId) {
    foreach ($p in @($Purchases)) { Add-KmResult 'A' $p.Offer $Outcome $Status $RequestId }
}

# The customer's country from its billing profile, else its company profile; '' when neither
# says (the properties may be absent).
function Get-KmCountry($Customer) {
    foreach ($path in @(@('billingProfile', 'defaultAddress', 'country'), @('companyProfile', 'address', 'country'))) {
        $v = $Customer
        foreach ($name in $path) {
            if ($null -eq $v -or $v.PSObject.Properties.Name -notcontains $name) { $v = $null; break }
            $v = $v.$name
        }
        if ($v) { return [string]$v }
    }
    return ''
}

# Buys a new subscription of each offer given, skipping an offer of which the customer already
# has a new active subscription with the planned seats.
function Invoke-KmBuy($Purchases) {
    $j = $Km.Job
    $subs = "$($Km.Pc)/v1/customers/$($j.CustomerId)/subscriptions"
    if (-not (Get-Km $subs)) { Add-KmResultEach $Purchases 'failed' $Km.Status $Km.RequestId; return $false }
    $old = @($j.ExistingSubscriptions | ForEach-Object { $_.ToLowerInvariant() })
    $items = @($Km.Response.items)
    $todo = @(foreach ($p in @($Purchases)) {
            $found = @($items | Where-Object {
                    ([string]$_.status).ToLowerInvariant() -eq 'active' -and
                    ([string]$_.offerName).ToLowerInvariant() -eq ([string]$p.Offer).ToLowerInvariant() -and
                    [int64]$_.quantity -ge [int64]$p.Seats -and
                    $old -notcontains ([string]$_.id).ToLowerInvariant()
                }) | Select-Object -First 1
            if ($found) {
                Write-KmLog "   $($p.Offer): subscription $($found.id) already has the planned seats: skipped"
                Add-KmResult 'A' $p.Offer 'skipped-already-done' $Km.Status $Km.RequestId
            } else {
                $p
            }
        })
    if ($todo.Count -eq 0) { return $true }
    if ($j.PurchaseApi -eq 'order') {
        $ok = $true
        foreach ($p in $todo) {
            Write-KmLog "   $($p.Offer): order $($p.Seats) seat(s)"
            $body = @{ billingCycle = $p.Billing; lineItems = @(@{ lineItemNumber = 0; offerId = $p.OfferId; quantity = [int64]$p.Seats; friendlyName = "$($p.Offer) ($($j.RetiringName) replacement)" }) }
            if (-not (Invoke-KmChange 'POST' "$($Km.Pc)/v1/customers/$($j.CustomerId)/orders" 'pc' $body 'A' $p.Offer)) { $ok = $false }
        }
        return $ok
    }
    # Cart: find each offer's catalog item for the customer's country (without one, in the
    # customer's own catalog); one cart, a line per offer; check it out.
    if (-not (Get-Km "$($Km.Pc)/v1/customers/$($j.CustomerId)")) { Add-KmResultEach $todo 'failed' $Km.Status $Km.RequestId; return $false }
    $country = Get-KmCountry $Km.Response
    if (-not $country) { Write-KmLog "   the customer's billing profile has no country: availabilities from the customer's own catalog" }
    $lines = [System.Collections.Generic.List[object]]::new()
    foreach ($p in $todo) {
        $path = "products/$(ConvertTo-KmUri $p.CatalogProduct)/skus/$(ConvertTo-KmUri $p.CatalogSku)/availabilities"
        $avail = if ($country) { "$($Km.Pc)/v1/$path`?country=$(ConvertTo-KmUri $country)" } else { "$($Km.Pc)/v1/customers/$($j.CustomerId)/$path" }
        $where = if ($country) { "in $country" } else { 'for this customer' }
        if (-not (Get-Km $avail)) { Add-KmResultEach $todo 'failed' $Km.Status $Km.RequestId; return $false }
        $item = @($Km.Response.items | ForEach-Object { $_.catalogItemId }) | Select-Object -First 1
        if (-not $item) { Write-KmLog "   no availability of $($p.CatalogProduct):$($p.CatalogSku) ($($p.Offer)) $where"; Add-KmResultEach $todo 'failed' $Km.Status $Km.RequestId; return $false }
        Write-KmLog "   $($p.Offer): $($p.Seats) seat(s), $($p.Term), billed $($p.Billing)"
        $lines.Add(@{ id = $lines.Count; catalogItemId = $item; quantity = [int64]$p.Seats; billingCycle = $p.Billing; termDuration = $p.Term; friendlyName = "$($p.Offer) ($($j.RetiringName) replacement)" })
    }
    $body = @{ lineItems = $lines.ToArray() }
    $carts = "$($Km.Pc)/v1/customers/$($j.CustomerId)/carts"
    if (-not $Km.Apply) {
        Write-KmLog "   DRY RUN, would send: POST $carts"
        Write-KmLog (($body | ConvertTo-Json -Depth 20) -replace '(?m)^', '     ')
        Write-KmLog "   DRY RUN, would send: POST $carts/<new cart id>/checkout"
        Add-KmResultEach $todo 'dry-run' '' ''
        return $true
    }
    Invoke-KmRequest -Method 'POST' -Uri $carts -Api 'pc' -Body $body
    if (-not (Test-KmOk)) { Add-KmResultEach $todo 'failed' $Km.Status $Km.RequestId; Write-KmExplain; return $false }
    $cart = $Km.Response.id
    Invoke-KmRequest -Method 'POST' -Uri "$carts/$(ConvertTo-KmUri $cart)/checkout" -Api 'pc'
    if (-not (Test-KmOk)) { Add-KmResultEach $todo 'failed' $Km.Status $Km.RequestId; Write-KmExplain; return $false }
    if ($Km.Response.PSObject.Properties.Name -contains 'orderErrors' -and @($Km.Response.orderErrors).Count -gt 0) {
        Write-KmLog "   checkout reported: $($Km.Response.orderErrors | ConvertTo-Json -Compress)"
        Add-KmResultEach $todo 'failed' $Km.Status $Km.RequestId
        return $false
    }
    Add-KmResultEach $todo 'done' $Km.Status $Km.RequestId
    return $true
}

# Reads the tenant's SKUs: the retiring product's (by id in RetiringSkuIds, or by a name or part
# number matching RetiringMatch), their assigned units, and each offer of the target plan's
# (TargetSkus: one per offer, '' when its licences are not there yet).
function Read-KmSkus {
    $j = $Km.Job
    if ($j.LicenseApi -eq 'graph') {
        if (-not (Get-Km "$($Km.Graph)/v1.0/subscribedSkus" 'graph')) { return $false }
        $skus = @($Km.Response.value | ForEach-Object { @{ Id = ([string]$_.skuId).ToLowerInvariant(); Name = [string]$_.skuPartNumber; Used = [int64]$_.consumedUnits; Total = [int64]$_.prepaidUnits.enabled } })
    } else {
        if (-not (Get-Km "$($Km.Pc)/v1/customers/$($j.CustomerId)/subscribedskus")) { return $false }
        $skus = @($Km.Response.items | ForEach-Object { @{ Id = ([string]$_.productSku.id).ToLowerInvariant(); Name = "$($_.productSku.name) $($_.productSku.skuPartNumber)"; Used = [int64]$_.consumedUnits; Total = [int64]$_.totalUnits } })
    }
    $script:Km.Skus = $skus
    $retiringIds = @($j.RetiringSkuIds | ForEach-Object { $_.ToLowerInvariant() })
    $kaizala = @($skus | Where-Object { $retiringIds -contains $_.Id -or $_.Name -match "(?i)$($j.RetiringMatch)" })
    $script:Km.KaizalaSkus = @($kaizala | ForEach-Object { $_.Id })
    $script:Km.KaizalaUsed = ($kaizala | Measure-Object -Property Used -Sum).Sum
    if ($null -eq $Km.KaizalaUsed) { $script:Km.KaizalaUsed = 0 }
    $script:Km.TargetSkus = @(foreach ($p in @($j.Purchases)) {
            $wanted = @($p.SkuIds | ForEach-Object { $_.ToLowerInvariant() })
            $target = @($skus | Where-Object { $wanted -contains $_.Id -or $_.Name.Trim() -ieq $p.Offer } | ForEach-Object { $_.Id } | Select-Object -Unique)
            if ($target.Count -eq 1) { $target[0] } else { '' }
        })
    return $true
}

function Read-KmUsers {
    $url = "$($Km.Pc)/v1/customers/$($Km.Job.CustomerId)/users?size=500"
    $all = [System.Collections.Generic.List[object]]::new()
    while ($url) {
        if (-not (Get-Km $url)) { return $false }
        foreach ($u in @($Km.Response.items)) { $all.Add($u) }
        $url = $null
        if ($Km.Response.PSObject.Properties.Name -contains 'links' -and $Km.Response.links.PSObject.Properties.Name -contains 'next') {
            $url = "$($Km.Pc)/v1/" + ([string]$Km.Response.links.next.uri).TrimStart('/')
        }
    }
    $script:Km.Users = $all.ToArray()
    return $true
}

function Get-KmUserId([string]$Upn) {
    $u = @($Km.Users | Where-Object { ([string]$_.userPrincipalName) -ieq $Upn }) | Select-Object -First 1
    if ($u) { return [string]$u.id } else { return '' }
}

# The SKU ids a user holds (lower case), or $null when they cannot be read.
function Get-KmUserSkus([string]$Upn, [string]$UserId) {
    if ($Km.Job.LicenseApi -eq 'graph') {
        if (-not (Get-Km "$($Km.Graph)/v1.0/users/$(ConvertTo-KmUri $Upn)?`$select=id,userPrincipalName,assignedLicenses" 'graph')) { return $null }
        return , @($Km.Response.assignedLicenses | ForEach-Object { ([string]$_.skuId).ToLowerInvariant() })
    }
    if (-not (Get-Km "$($Km.Pc)/v1/customers/$($Km.Job.CustomerId)/users/$(ConvertTo-KmUri $UserId)/licenses")) { return $null }
    return , @($Km.Response.items | ForEach-Object { ([string]$_.productSku.id).ToLowerInvariant() })
}

function Move-KmUser([string]$Upn, [string]$Action) {
    $j = $Km.Job
    $uid = ''
    if ($j.LicenseApi -ne 'graph') {
        $uid = Get-KmUserId $Upn
        if (-not $uid) { Write-KmLog "   ${Upn}: no such user in the tenant"; Add-KmResult 'B' $Upn 'failed' '' ''; return $false }
    }
    $held = Get-KmUserSkus $Upn $uid
    if ($null -eq $held) { Add-KmResult 'B' $Upn 'failed' $Km.Status $Km.RequestId; return $false }
    $remove = @($held | Where-Object { $Km.KaizalaSkus -contains $_ })
    # The offers of the target plan the user does not hold yet (a move only).
    $purchases = @($j.Purchases)
    $missing = @(if ($Action -eq 'move') {
            for ($i = 0; $i -lt $purchases.Count; $i++) {
                $sku = @($Km.TargetSkus)[$i]
                if (-not $sku -or $held -notcontains $sku) { $i }
            }
        })
    if ($remove.Count -eq 0 -and $missing.Count -eq 0) {
        Write-KmLog "   ${Upn}: already moved: skipped"
        Add-KmResult 'B' $Upn 'skipped-already-done' $Km.Status $Km.RequestId
        return $true
    }
    $assign = [System.Collections.Generic.List[string]]::new()
    $names = [System.Collections.Generic.List[string]]::new()
    foreach ($i in $missing) {
        $p = $purchases[$i]
        $sku = @($Km.TargetSkus)[$i]
        if (-not $sku) {
            if ($Km.Apply) {
                Write-KmLog "   ${Upn}: the tenant has no $($p.Offer) licences yet (step A still provisioning?): run again later"
                Add-KmResult 'B' $Upn 'failed' '' ''
                return $false
            }
            $sku = if (@($p.SkuIds).Count -gt 0) { @($p.SkuIds)[0] } else { "<SKU id of $($p.Offer) after step A>" }
        }
        $assign.Add($sku)
        $names.Add($p.Offer)
    }
    if ($assign.Count -gt 0) { Write-KmLog "   ${Upn}: remove $($j.RetiringName), assign $($names -join ' and ')" } else { Write-KmLog "   ${Upn}: remove $($j.RetiringName)" }
    return (Invoke-KmLicenceUpdate $Upn $uid 'B' $Upn @($assign) $remove)
}

# One licence change of a user, through Partner Center (by user id) or Graph (by UPN).
function Invoke-KmLicenceUpdate([string]$Upn, [string]$UserId, [string]$Step, [string]$Target, $Assign, $Remove) {
    if ($Km.Job.LicenseApi -eq 'graph') {
        $body = @{ addLicenses = @($Assign | ForEach-Object { @{ skuId = $_; disabledPlans = @() } }); removeLicenses = @($Remove) }
        return (Invoke-KmChange 'POST' "$($Km.Graph)/v1.0/users/$(ConvertTo-KmUri $Upn)/assignLicense" 'graph' $body $Step $Target)
    }
    $body = @{ LicensesToAssign = @($Assign | ForEach-Object { @{ SkuId = $_; ExcludedPlans = $null } }); LicensesToRemove = @($Remove) }
    return (Invoke-KmChange 'POST' "$($Km.Pc)/v1/customers/$($Km.Job.CustomerId)/users/$(ConvertTo-KmUri $UserId)/licenseupdates" 'pc' $body $Step $Target)
}

function Invoke-KmStepB {
    $j = $Km.Job
    Write-KmLog "B. move the users to $($j.TargetPlan)"
    if ($Km.BBlocked) {
        Write-KmLog '   not started: licences assigned through groups must be changed in the groups first (see P)'
        $script:Km.BFailed = $true
        if ($Km.Apply) {
            foreach ($upn in @($j.UsersMove) + @($j.UsersRemoveOnly)) { Add-KmResult 'B' $upn 'failed' '' '' }
        }
        return $false
    }
    if (-not (Read-KmSkus)) { Add-KmResult 'B' '(tenant licences)' 'failed' $Km.Status $Km.RequestId; $script:Km.BFailed = $true; return $false }
    if ($j.LicenseApi -ne 'graph') {
        if (-not (Read-KmUsers)) { Add-KmResult 'B' '(tenant users)' 'failed' $Km.Status $Km.RequestId; $script:Km.BFailed = $true; return $false }
    }
    $move = @($j.UsersMove)
    if ($j.DiscoverUsers) {
        if ($j.LicenseApi -eq 'graph') {
            Write-KmLog '   finding users needs the Partner Center users list; generate with --license-api partner-center'
            $script:Km.BFailed = $true
            return $false
        }
        $move = @(foreach ($u in $Km.Users) {
                $held = Get-KmUserSkus ([string]$u.userPrincipalName) ([string]$u.id)
                if ($null -eq $held) { $script:Km.BFailed = $true; continue }
                if (@($held | Where-Object { $Km.KaizalaSkus -contains $_ }).Count -gt 0) { [string]$u.userPrincipalName }
            })
        Write-KmLog "   $($move.Count) user(s) hold $($Km.Job.RetiringName)"
    }
    foreach ($upn in $move) { if (-not (Move-KmUser $upn 'move')) { $script:Km.BFailed = $true } }
    foreach ($upn in @($j.UsersRemoveOnly)) { if (-not (Move-KmUser $upn 'remove_only')) { $script:Km.BFailed = $true } }
    return (-not $Km.BFailed)
}

function Invoke-KmStepC {
    $j = $Km.Job
    Write-KmLog "C. retire the $($Km.Job.RetiringName) subscription(s)"
    if ($Km.BFailed) {
        Write-KmLog "   refused: step B did not finish, so users may still depend on $($Km.Job.RetiringName)"
        if ($Km.Apply) { foreach ($sub in $j.ExpiringSubscriptions) { Add-KmResult 'C' $sub 'failed' '' '' } }
        return $false
    }
    if (-not (Read-KmSkus)) {
        foreach ($sub in $j.ExpiringSubscriptions) { Add-KmResult 'C' $sub 'failed' $Km.Status $Km.RequestId }
        return $false
    }
    if ($Km.KaizalaUsed -ne 0) {
        if ($Km.Apply) {
            Write-KmLog "   refused: $($Km.KaizalaUsed) $($Km.Job.RetiringName) licence(s) are still assigned in the tenant"
            foreach ($sub in $j.ExpiringSubscriptions) { Add-KmResult 'C' $sub 'failed' $Km.Status $Km.RequestId }
            return $false
        }
        Write-KmLog "   $($Km.KaizalaUsed) $($Km.Job.RetiringName) licence(s) are assigned now; after step B there would be none"
    }
    $ok = $true
    foreach ($sub in $j.ExpiringSubscriptions) {
        if (-not (Invoke-KmRetire $sub)) { $ok = $false }
    }
    return $ok
}

# True when a subscription is new commerce: product type OnlineServicesNCE, or an offer id
# product:sku:availability (legacy ones may carry a term too).
function Test-KmNewCommerce($Subscription) {
    $type = Get-KmField (Get-KmField $Subscription 'productType') 'id'
    return ($type -eq 'OnlineServicesNCE') -or (([string](Get-KmField $Subscription 'offerId')).Split(':').Count -eq 3)
}

# A property of an answer, or $null when it is absent.
function Get-KmField($Object, [string]$Name) {
    if ($null -ne $Object -and $Object.PSObject.Properties.Name -contains $Name) { return $Object.$Name }
    return $null
}

# Retires one subscription the way its channel allows (see lib.sh's km_retire): a legacy one is
# suspended; a new commerce one is cancelled within its cancellation window, else its auto
# renew is turned off and it runs to its end date; it is never suspended.
function Invoke-KmRetire([string]$Sub) {
    $url = "$($Km.Pc)/v1/customers/$($Km.Job.CustomerId)/subscriptions/$(ConvertTo-KmUri $Sub)"
    if (-not (Get-Km $url)) { Add-KmResult 'C' $Sub 'failed' $Km.Status $Km.RequestId; return $false }
    $full = $Km.Response
    $status = ([string](Get-KmField $full 'status')).ToLowerInvariant()
    $nce = Test-KmNewCommerce $full
    if (@('deleted', 'expired', 'disabled') -contains $status) {
        Write-KmLog "   ${Sub}: already ${status}: skipped"
        Add-KmResult 'C' $Sub 'skipped-already-done' $Km.Status $Km.RequestId
        return $true
    }
    if (-not $nce) {
        if ($status -eq 'suspended') {
            Write-KmLog "   ${Sub}: already suspended: skipped"
            Add-KmResult 'C' $Sub 'skipped-already-done' $Km.Status $Km.RequestId
            return $true
        }
        Write-KmLog "   $Sub (legacy): suspend"
        # The API wants the whole subscription back, with the new status.
        $full.status = 'suspended'
        return (Invoke-KmChange 'PATCH' $url 'pc' $full 'C' $Sub)
    }
    # A window that cannot be read counts as closed: auto renew off never loses anything.
    $window = Get-KmField $full 'cancellationAllowedUntilDate'
    $open = $false
    try {
        if ($window -is [datetime]) { $open = $window.ToUniversalTime() -gt [datetime]::UtcNow }
        elseif ($window) {
            $until = [datetime]::Parse([string]$window, [Globalization.CultureInfo]::InvariantCulture, [Globalization.DateTimeStyles]'AdjustToUniversal, AssumeUniversal')
            $open = $until -gt [datetime]::UtcNow
        }
    } catch { $open = $false }
    $end = Get-KmField $full 'commitmentEndDate'
    $endText = if ($end -is [datetime]) { $end.ToString('yyyy-MM-dd') } elseif ($end) { ([string]$end).Split('T')[0] } else { 'its end date' }
    if ($open) {
        Write-KmLog "   $Sub (new commerce): within its cancellation window (until $window): cancel"
        $full.status = 'deleted'
        return (Invoke-KmChange 'PATCH' $url 'pc' $full 'C' $Sub)
    }
    if (-not (Get-KmField $full 'autoRenewEnabled')) {
        Write-KmLog "   $Sub (new commerce): auto renew is off; it ends on $endText and is billed until then (never suspended: that would not stop its billing)"
        Add-KmResult 'C' $Sub 'skipped-already-done' $Km.Status $Km.RequestId
        return $true
    }
    Write-KmLog "   $Sub (new commerce): past its cancellation window: turn auto renew off; it ends on $endText and is billed until then"
    $full.autoRenewEnabled = $false
    return (Invoke-KmChange 'PATCH' $url 'pc' $full 'C' $Sub)
}

# ---------------------------------------------------------------- rollback

# The targets of this customer's rows of one step whose outcome is done, in order, each once.
function Get-KmDoneRows([string]$Step) {
    if (-not (Test-Path -LiteralPath $Km.Results)) { return @() }
    $rows = Import-Csv -LiteralPath $Km.Results | Where-Object {
        $_.customer_id -ieq $Km.Job.CustomerId -and $_.step -eq $Step -and $_.outcome -eq 'done'
    }
    $targets = foreach ($r in $rows) {
        $t = [string]$r.target
        if ($t -match "^'[=+@\t\r-]") { $t = $t.Substring(1) }
        $t
    }
    return , @($targets | Select-Object -Unique)
}

# Undoes what the results file records as done for this customer (see lib.sh's
# km_rollback_main). Returns the exit code.
function Invoke-KmRollbackMain($Job, [bool]$Apply) {
    try {
        Initialize-Km $Job $Apply $false
    } catch {
        Write-KmLog "error: $($_.Exception.Message)"
        return 2
    }
    $mode = if ($Apply) { 'APPLYING' } else { 'dry run (nothing is changed; -Apply to carry out)' }
    Write-KmLog "== ROLLBACK $($Job.CustomerName) ($($Job.CustomerId)): $mode"
    if (-not (Test-Path -LiteralPath $Km.Results)) {
        Write-KmLog "error: no results file at $($Km.Results): set RESULTS_FILE to the results file the migration scripts wrote"
        return 2
    }
    $doneA = Get-KmDoneRows 'A'
    $doneB = Get-KmDoneRows 'B'
    $doneC = Get-KmDoneRows 'C'
    if ($doneA.Count + $doneB.Count + $doneC.Count -eq 0) {
        Write-KmLog "nothing to roll back: $($Km.Results) records no change done for this customer"
        return 0
    }
    $ok = $true
    Write-KmLog 'C undone first: the old subscription(s) active again'
    $script:Km.Reactivating = $doneC.Count -gt 0
    foreach ($sub in $doneC) { if (-not (Undo-KmRetire $sub)) { $ok = $false } }
    Write-KmLog "B undone: users get $($Job.RetiringName) back, and lose what step B assigned"
    if ($doneB.Count -gt 0) {
        if (-not (Read-KmSkus)) { Write-KmLog "   cannot read the tenant's licences"; return 1 }
        if ($Job.LicenseApi -ne 'graph' -and -not (Read-KmUsers)) { Write-KmLog "   cannot read the tenant's users"; return 1 }
        foreach ($upn in $doneB) { if (-not (Undo-KmMove $upn)) { $ok = $false } }
    }
    Write-KmLog 'A is not undone: purchases are never cancelled automatically'
    foreach ($t in $doneA) { if (-not (Show-KmPurchase $t)) { $ok = $false } }
    if ($ok) {
        $how = if ($Apply) { 'finished' } else { 'dry run finished; run with -Apply to carry it out' }
        Write-KmLog "== ROLLBACK $($Job.CustomerName): $how"
        return 0
    }
    Write-KmLog "== ROLLBACK $($Job.CustomerName): not finished; fix the cause and run again"
    return 1
}

# Makes a subscription step C retired active again (a cancelled one cannot be).
function Undo-KmRetire([string]$Sub) {
    $url = "$($Km.Pc)/v1/customers/$($Km.Job.CustomerId)/subscriptions/$(ConvertTo-KmUri $Sub)"
    if (-not (Get-Km $url)) { Add-KmResult 'R' "subscription:$Sub" 'failed' $Km.Status $Km.RequestId; return $false }
    $full = $Km.Response
    $status = ([string](Get-KmField $full 'status')).ToLowerInvariant()
    $nce = Test-KmNewCommerce $full
    switch ($status) {
        'suspended' {
            Write-KmLog "   ${Sub}: reactivate"
            $full.status = 'active'
            return (Invoke-KmChange 'PATCH' $url 'pc' $full 'R' "subscription:$Sub")
        }
        'deleted' {
            Write-KmLog "   $Sub was cancelled: it cannot be reactivated; buy $($Km.Job.RetiringName) again if it is still sold"
            Add-KmResult 'R' "subscription:$Sub" 'failed' $Km.Status $Km.RequestId
            return $false
        }
        'active' {
            if ($nce -and -not (Get-KmField $full 'autoRenewEnabled')) {
                Write-KmLog "   ${Sub}: turn auto renew back on"
                $full.autoRenewEnabled = $true
                return (Invoke-KmChange 'PATCH' $url 'pc' $full 'R' "subscription:$Sub")
            }
            Write-KmLog "   ${Sub}: already active: skipped"
            Add-KmResult 'R' "subscription:$Sub" 'skipped-already-done' $Km.Status $Km.RequestId
            return $true
        }
    }
    Write-KmLog "   $Sub is ${status}: cannot be reactivated"
    Add-KmResult 'R' "subscription:$Sub" 'failed' $Km.Status $Km.RequestId
    return $false
}

# Gives a user the retiring licence back and takes back the offers step B assigned it.
function Undo-KmMove([string]$Upn) {
    $j = $Km.Job
    $take = @()
    if ($j.DiscoverUsers) { $take = @(0..(@($j.Purchases).Count - 1)) }
    $movers = @($j.UsersMove)
    for ($k = 0; $k -lt $movers.Count; $k++) {
        if ($movers[$k] -eq $Upn) { $take = @(([string]@($j.UsersMoveTake)[$k]).Split(' ', [StringSplitOptions]::RemoveEmptyEntries) | ForEach-Object { [int]$_ }) }
    }
    $uid = ''
    if ($j.LicenseApi -ne 'graph') {
        $uid = Get-KmUserId $Upn
        if (-not $uid) { Write-KmLog "   ${Upn}: no such user in the tenant"; Add-KmResult 'R' "licences:$Upn" 'failed' '' ''; return $false }
    }
    $held = Get-KmUserSkus $Upn $uid
    if ($null -eq $held) { Add-KmResult 'R' "licences:$Upn" 'failed' $Km.Status $Km.RequestId; return $false }
    $remove = @(foreach ($i in $take) { $s = @($Km.TargetSkus)[$i]; if ($s -and $held -contains $s) { $s } })
    $give = ''
    if (@($held | Where-Object { $Km.KaizalaSkus -contains $_ }).Count -eq 0) {
        $free = @($Km.Skus | Where-Object { $Km.KaizalaSkus -contains $_.Id -and ([int64]$_.Total - [int64]$_.Used) -gt 0 }) | Select-Object -First 1
        if ($free) { $give = $free.Id }
        elseif (-not $Km.Apply -and $Km.Reactivating) {
            # A dry run does not reactivate: the licences come back once it does.
            $give = if (@($j.RetiringSkuIds).Count -gt 0) { @($j.RetiringSkuIds)[0] } else { "<SKU id of $($j.RetiringName) once reactivated>" }
        } else {
            Write-KmLog "   ${Upn}: no free $($j.RetiringName) licence to give back (is its subscription active?)"
            Add-KmResult 'R' "licences:$Upn" 'failed' '' ''
            return $false
        }
    }
    if (-not $give -and $remove.Count -eq 0) {
        Write-KmLog "   ${Upn}: already as before: skipped"
        Add-KmResult 'R' "licences:$Upn" 'skipped-already-done' $Km.Status $Km.RequestId
        return $true
    }
    $what = @()
    if ($give) { $what += "give $($j.RetiringName) back" }
    if ($remove.Count -gt 0) { $what += 'take back what step B assigned' }
    Write-KmLog "   ${Upn}: $($what -join ', ')"
    return (Invoke-KmLicenceUpdate $Upn $uid 'R' "licences:$Upn" @($give | Where-Object { $_ }) $remove)
}

# Shows what step A bought and the request that would cancel it (never sent).
function Show-KmPurchase([string]$Target) {
    $j = $Km.Job
    $subs = "$($Km.Pc)/v1/customers/$($j.CustomerId)/subscriptions"
    foreach ($p in @($j.Purchases)) {
        if ($p.Action -eq 'increase' -and $p.Subscription -eq $Target) {
            Write-KmLog "   $Target ($($p.Offer)): step A raised it to $($p.NewQuantity) seats; to undo, within its cancellation window: PATCH $subs/$Target with quantity $([int64]$p.NewQuantity - [int64]$p.Seats)"
            return $true
        }
    }
    if (-not (Get-Km $subs)) { return $false }
    $old = @($j.ExistingSubscriptions | ForEach-Object { $_.ToLowerInvariant() })
    $bought = @($Km.Response.items | Where-Object {
            ([string]$_.offerName) -ieq $Target -and $old -notcontains ([string]$_.id).ToLowerInvariant()
        })
    if ($bought.Count -eq 0) { Write-KmLog "   ${Target}: no subscription bought by step A found"; return $true }
    foreach ($s in $bought) {
        $window = Get-KmField $s 'cancellationAllowedUntilDate'
        $until = if ($window) { "cancellation allowed until $window; " } else { '' }
        Write-KmLog "   $($s.id) ($Target, $($s.quantity) seats, $($s.status)): not cancelled automatically; ${until}to cancel: PATCH $subs/$($s.id) with status ""deleted"" (new commerce) or ""suspended"" (legacy)"
    }
    return $true
}

function Invoke-KmMain($Job, [bool]$Apply, [bool]$SetUsageLocation = $false, [bool]$NoTransitions = $false) {
    try {
        Initialize-Km $Job $Apply $SetUsageLocation $NoTransitions
    } catch {
        Write-KmLog "error: $($_.Exception.Message)"
        return 2
    }
    $mode = if ($Apply) { 'APPLYING' } else { 'dry run (nothing is changed; -Apply to carry out)' }
    Write-KmLog "== $($Job.CustomerName) ($($Job.CustomerId)): $mode"
    if (-not (Invoke-KmPreflight)) {
        Write-KmLog 'stopped: the pre-flight could not read what the migration needs; nothing was changed'
        return 1
    }
    Find-KmPath
    if ($Km.Path -ne 'abc') {
        if (-not (Invoke-KmRemoveOnlyFirst)) {
            Write-KmLog "stopped: users who only lose $($Job.RetiringName) could not lose it first, so the $($Km.Path) would move them too; nothing else was changed"
            return 1
        }
        if (-not (Invoke-KmPath)) {
            Write-KmLog "stopped: the $($Km.Path) did not finish, so nothing is retired; run again (a finished one is not repeated), or with -NoTransitions"
            return 1
        }
        if ($Apply) { Write-KmLog 'B. checks every user as usual: the licences Partner Center moved are skipped' }
        else { Write-KmLog "B. checks every user after the $($Km.Path) (this dry run sent none, so B shows each user as it stands now)" }
    } elseif (-not (Invoke-KmStepA)) {
        Write-KmLog 'stopped: step A failed, so users are not moved and nothing is suspended'
        return 1
    }
    $b = Invoke-KmStepB
    $c = Invoke-KmStepC
    # A dry run that read everything it needed succeeds; its findings are in its P lines.
    if (-not $Apply -and $Km.BBlocked) { $b = $true; $c = $true }
    if ($b -and $c) {
        if ($Apply) { Write-KmLog "== $($Job.CustomerName): finished" }
        else { Write-KmLog "== $($Job.CustomerName): dry run finished; run with -Apply to carry it out" }
        return 0
    }
    Write-KmLog "== $($Job.CustomerName): not finished; fix the cause and run again (done steps are skipped)"
    return 1
}
