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

function Initialize-Km($Job, [bool]$Apply) {
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
        KaizalaSkus = @(); KaizalaUsed = 0; TargetSku = ''; Users = @()
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
            TimeoutSec = 180
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
    if ($Km.Status -eq '403') { Write-KmLog '   not allowed: check the GDAP roles (License / User Administrator)' }
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

function Invoke-KmStepA {
    $j = $Km.Job
    $subs = "$($Km.Pc)/v1/customers/$($j.CustomerId)/subscriptions"
    Write-KmLog "A. $($j.PurchaseAction) $($j.TargetOffer)"
    if ($j.PurchaseAction -eq 'none') {
        Write-KmLog '   nothing to buy: the customer has the seats'
        Add-KmResult 'A' $j.TargetOffer 'skipped-already-done' '' ''
        return $true
    }
    if ($j.PurchaseAction -eq 'increase') {
        $url = "$subs/$(ConvertTo-KmUri $j.PurchaseSubscription)"
        if (-not (Get-Km $url)) { Add-KmResult 'A' $j.PurchaseSubscription 'failed' $Km.Status $Km.RequestId; return $false }
        $sub = $Km.Response
        if ([int64]$sub.quantity -ge [int64]$j.PurchaseNewQuantity) {
            Write-KmLog "   $($j.PurchaseSubscription) already has $($sub.quantity) seats: skipped"
            Add-KmResult 'A' $j.PurchaseSubscription 'skipped-already-done' $Km.Status $Km.RequestId
            return $true
        }
        # The API wants the whole subscription back, with the new quantity.
        $sub.quantity = [int64]$j.PurchaseNewQuantity
        return (Invoke-KmChange 'PATCH' $url 'pc' $sub 'A' $j.PurchaseSubscription)
    }
    if (Test-KmDoneBefore 'A' $j.TargetOffer) {
        Write-KmLog '   bought by an earlier run (results file): skipped'
        Add-KmResult 'A' $j.TargetOffer 'skipped-already-done' '' ''
        return $true
    }
    if (-not (Get-Km $subs)) { Add-KmResult 'A' $j.TargetOffer 'failed' $Km.Status $Km.RequestId; return $false }
    $old = @($j.ExistingSubscriptions | ForEach-Object { $_.ToLowerInvariant() })
    $found = @($Km.Response.items | Where-Object {
            ([string]$_.status).ToLowerInvariant() -eq 'active' -and
            ([string]$_.offerName).ToLowerInvariant() -eq $j.TargetOffer.ToLowerInvariant() -and
            [int64]$_.quantity -ge [int64]$j.PurchaseSeats -and
            $old -notcontains ([string]$_.id).ToLowerInvariant()
        }) | Select-Object -First 1
    if ($found) {
        Write-KmLog "   subscription $($found.id) of $($j.TargetOffer) already has the planned seats: skipped"
        Add-KmResult 'A' $found.id 'skipped-already-done' $Km.Status $Km.RequestId
        return $true
    }
    $friendly = "$($j.TargetOffer) ($($j.RetiringName) replacement)"
    if ($j.PurchaseApi -eq 'order') {
        $body = @{ billingCycle = $j.Billing; lineItems = @(@{ lineItemNumber = 0; offerId = $j.OfferId; quantity = [int64]$j.PurchaseSeats; friendlyName = $friendly }) }
        return (Invoke-KmChange 'POST' "$($Km.Pc)/v1/customers/$($j.CustomerId)/orders" 'pc' $body 'A' $j.TargetOffer)
    }
    if (-not (Get-Km "$($Km.Pc)/v1/customers/$($j.CustomerId)")) { Add-KmResult 'A' $j.TargetOffer 'failed' $Km.Status $Km.RequestId; return $false }
    $country = $Km.Response.billingProfile.defaultAddress.country
    if (-not $country) { Write-KmLog "   the customer's country is not known to Partner Center"; Add-KmResult 'A' $j.TargetOffer 'failed' $Km.Status $Km.RequestId; return $false }
    $avail = "$($Km.Pc)/v1/products/$(ConvertTo-KmUri $j.CatalogProduct)/skus/$(ConvertTo-KmUri $j.CatalogSku)/availabilities?country=$(ConvertTo-KmUri $country)"
    if (-not (Get-Km $avail)) { Add-KmResult 'A' $j.TargetOffer 'failed' $Km.Status $Km.RequestId; return $false }
    $item = @($Km.Response.items | ForEach-Object { $_.catalogItemId }) | Select-Object -First 1
    if (-not $item) { Write-KmLog "   no availability of $($j.CatalogProduct):$($j.CatalogSku) in $country"; Add-KmResult 'A' $j.TargetOffer 'failed' $Km.Status $Km.RequestId; return $false }
    $body = @{ lineItems = @(@{ id = 0; catalogItemId = $item; quantity = [int64]$j.PurchaseSeats; billingCycle = $j.Billing; termDuration = $j.Term; friendlyName = $friendly }) }
    $carts = "$($Km.Pc)/v1/customers/$($j.CustomerId)/carts"
    if (-not $Km.Apply) {
        $null = Invoke-KmChange 'POST' $carts 'pc' $body 'A' $j.TargetOffer
        Write-KmLog "   DRY RUN, would send: POST $carts/<new cart id>/checkout"
        return $true
    }
    Invoke-KmRequest -Method 'POST' -Uri $carts -Api 'pc' -Body $body
    if (-not (Test-KmOk)) { Add-KmResult 'A' $j.TargetOffer 'failed' $Km.Status $Km.RequestId; Write-KmExplain; return $false }
    $cart = $Km.Response.id
    Invoke-KmRequest -Method 'POST' -Uri "$carts/$(ConvertTo-KmUri $cart)/checkout" -Api 'pc'
    if (-not (Test-KmOk)) { Add-KmResult 'A' $j.TargetOffer 'failed' $Km.Status $Km.RequestId; Write-KmExplain; return $false }
    if ($Km.Response.PSObject.Properties.Name -contains 'orderErrors' -and @($Km.Response.orderErrors).Count -gt 0) {
        Write-KmLog "   checkout reported: $($Km.Response.orderErrors | ConvertTo-Json -Compress)"
        Add-KmResult 'A' $j.TargetOffer 'failed' $Km.Status $Km.RequestId
        return $false
    }
    Add-KmResult 'A' $j.TargetOffer 'done' $Km.Status $Km.RequestId
    return $true
}

# Reads the tenant's SKUs: the retiring product's (by id in RetiringSkuIds, or by a name or part
# number matching RetiringMatch), their assigned units, and the target plan's.
function Read-KmSkus {
    $j = $Km.Job
    if ($j.LicenseApi -eq 'graph') {
        if (-not (Get-Km "$($Km.Graph)/v1.0/subscribedSkus" 'graph')) { return $false }
        $skus = @($Km.Response.value | ForEach-Object { @{ Id = ([string]$_.skuId).ToLowerInvariant(); Name = [string]$_.skuPartNumber; Used = [int64]$_.consumedUnits } })
    } else {
        if (-not (Get-Km "$($Km.Pc)/v1/customers/$($j.CustomerId)/subscribedskus")) { return $false }
        $skus = @($Km.Response.items | ForEach-Object { @{ Id = ([string]$_.productSku.id).ToLowerInvariant(); Name = "$($_.productSku.name) $($_.productSku.skuPartNumber)"; Used = [int64]$_.consumedUnits } })
    }
    $retiringIds = @($j.RetiringSkuIds | ForEach-Object { $_.ToLowerInvariant() })
    $kaizala = @($skus | Where-Object { $retiringIds -contains $_.Id -or $_.Name -match "(?i)$($j.RetiringMatch)" })
    $script:Km.KaizalaSkus = @($kaizala | ForEach-Object { $_.Id })
    $script:Km.KaizalaUsed = ($kaizala | Measure-Object -Property Used -Sum).Sum
    if ($null -eq $Km.KaizalaUsed) { $script:Km.KaizalaUsed = 0 }
    $wanted = @($j.TargetSkuIds | ForEach-Object { $_.ToLowerInvariant() })
    $target = @($skus | Where-Object { $wanted -contains $_.Id -or $_.Name.Trim() -ieq $j.TargetOffer } | ForEach-Object { $_.Id } | Select-Object -Unique)
    $script:Km.TargetSku = if ($target.Count -eq 1) { $target[0] } else { '' }
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
    $hasTarget = $Km.TargetSku -and ($held -contains $Km.TargetSku)
    if ($remove.Count -eq 0 -and ($Action -eq 'remove_only' -or $hasTarget)) {
        Write-KmLog "   ${Upn}: already moved: skipped"
        Add-KmResult 'B' $Upn 'skipped-already-done' $Km.Status $Km.RequestId
        return $true
    }
    $assign = ''
    if ($Action -eq 'move' -and -not $hasTarget) {
        $assign = $Km.TargetSku
        if (-not $assign) {
            if ($Km.Apply) {
                Write-KmLog "   ${Upn}: the tenant has no $($j.TargetOffer) licences yet (step A still provisioning?): run again later"
                Add-KmResult 'B' $Upn 'failed' '' ''
                return $false
            }
            $assign = if (@($j.TargetSkuIds).Count -gt 0) { $j.TargetSkuIds[0] } else { "<SKU id of $($j.TargetOffer) after step A>" }
        }
    }
    if ($assign) { Write-KmLog "   ${Upn}: remove $($j.RetiringName), assign $($j.TargetOffer)" } else { Write-KmLog "   ${Upn}: remove $($j.RetiringName)" }
    if ($j.LicenseApi -eq 'graph') {
        $add = if ($assign) { @(@{ skuId = $assign; disabledPlans = @() }) } else { @() }
        $body = @{ addLicenses = $add; removeLicenses = $remove }
        return (Invoke-KmChange 'POST' "$($Km.Graph)/v1.0/users/$(ConvertTo-KmUri $Upn)/assignLicense" 'graph' $body 'B' $Upn)
    }
    $add = if ($assign) { @(@{ SkuId = $assign; ExcludedPlans = $null }) } else { @() }
    $body = @{ LicensesToAssign = $add; LicensesToRemove = $remove }
    return (Invoke-KmChange 'POST' "$($Km.Pc)/v1/customers/$($j.CustomerId)/users/$(ConvertTo-KmUri $uid)/licenseupdates" 'pc' $body 'B' $Upn)
}

function Invoke-KmStepB {
    $j = $Km.Job
    Write-KmLog "B. move the users to $($j.TargetOffer)"
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
    Write-KmLog "C. suspend the $($Km.Job.RetiringName) subscription(s)"
    if ($Km.BFailed) {
        Write-KmLog "   refused: step B did not finish, so users may still depend on $($Km.Job.RetiringName)"
        foreach ($sub in $j.ExpiringSubscriptions) { Add-KmResult 'C' $sub 'failed' '' '' }
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
        $url = "$($Km.Pc)/v1/customers/$($j.CustomerId)/subscriptions/$(ConvertTo-KmUri $sub)"
        if (-not (Get-Km $url)) { Add-KmResult 'C' $sub 'failed' $Km.Status $Km.RequestId; $ok = $false; continue }
        $full = $Km.Response
        if (([string]$full.status).ToLowerInvariant() -eq 'suspended') {
            Write-KmLog "   ${sub}: already suspended: skipped"
            Add-KmResult 'C' $sub 'skipped-already-done' $Km.Status $Km.RequestId
            continue
        }
        # The API wants the whole subscription back, with the new status.
        $full.status = 'suspended'
        if (-not (Invoke-KmChange 'PATCH' $url 'pc' $full 'C' $sub)) { $ok = $false }
    }
    return $ok
}

function Invoke-KmMain($Job, [bool]$Apply) {
    try {
        Initialize-Km $Job $Apply
    } catch {
        Write-KmLog "error: $($_.Exception.Message)"
        return 2
    }
    $mode = if ($Apply) { 'APPLYING' } else { 'dry run (nothing is changed; -Apply to carry out)' }
    Write-KmLog "== $($Job.CustomerName) ($($Job.CustomerId)): $mode"
    if (-not (Invoke-KmStepA)) {
        Write-KmLog 'stopped: step A failed, so users are not moved and nothing is suspended'
        return 1
    }
    $b = Invoke-KmStepB
    $c = Invoke-KmStepC
    if ($b -and $c) {
        if ($Apply) { Write-KmLog "== $($Job.CustomerName): finished" }
        else { Write-KmLog "== $($Job.CustomerName): dry run finished; run with -Apply to carry it out" }
        return 0
    }
    Write-KmLog "== $($Job.CustomerName): not finished; fix the cause and run again (done steps are skipped)"
    return 1
}
