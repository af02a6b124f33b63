using namespace System.Collections.Generic
using namespace System.Text

<#
    LicenseInventory.Classes.ps1
    Class model for the licence reconciliation job. Dot-source this file before the job
    script; PowerShell classes must be parsed before the code that uses their types.
#>

enum LicenseState {
    Unknown = 0
    Active = 1
    Warning = 2
    Suspended = 3
    Deleted = 4
}

[Flags()]
enum ServiceFlag {
    None = 0
    Exchange = 1
    SharePoint = 2
    Teams = 4
    Intune = 8
    Defender = 16
    PowerBI = 0x20
    All = 0x3F
}

enum CostCentreKind {
    Corporate
    Regional
    Project
}

class SkuInfo {
    [string]$SkuId
    [string]$PartNumber
    [string]$FriendlyName
    [int]$Purchased
    [int]$Consumed
    [decimal]$MonthlyPrice
    [ServiceFlag]$Services
    [LicenseState]$State = [LicenseState]::Unknown

    static [hashtable]$FriendlyNames = @{
        'SPE_E3'            = 'Microsoft 365 E3'
        'SPE_E5'            = 'Microsoft 365 E5'
        'EXCHANGESTANDARD'  = 'Exchange Online (Plan 1)'
        'EXCHANGEENTERPRISE' = 'Exchange Online (Plan 2)'
        'O365_BUSINESS_PREMIUM' = 'Microsoft 365 Business Standard'
        'POWER_BI_PRO'      = 'Power BI Pro'
    }

    SkuInfo() {
    }

    SkuInfo([string]$partNumber, [int]$purchased, [int]$consumed) {
        $this.PartNumber = $partNumber
        $this.Purchased = $purchased
        $this.Consumed = $consumed
        $this.FriendlyName = [SkuInfo]::ResolveName($partNumber)
    }

    static [string] ResolveName([string]$partNumber) {
        if ([SkuInfo]::FriendlyNames.ContainsKey($partNumber)) {
            return [SkuInfo]::FriendlyNames[$partNumber]
        }
        return $partNumber
    }

    [int] Available() {
        return [math]::Max(0, $this.Purchased - $this.Consumed)
    }

    [double] Utilisation() {
        if ($this.Purchased -eq 0) {
            return 0.0
        }
        return [math]::Round($this.Consumed / $this.Purchased, 3)
    }

    [bool] Includes([ServiceFlag]$flag) {
        return ($this.Services -band $flag) -eq $flag
    }

    [string] ToString() {
        return '{0} ({1}/{2})' -f $this.FriendlyName, $this.Consumed, $this.Purchased
    }
}

class CostCentre {
    [ValidatePattern('^CC-\d{4}$')]
    [string]$Code
    [string]$Owner
    [CostCentreKind]$Kind
    hidden [List[string]]$Members = [List[string]]::new()

    CostCentre([string]$code, [string]$owner, [CostCentreKind]$kind) {
        $this.Code = $code
        $this.Owner = $owner
        $this.Kind = $kind
    }

    [void] AddMember([string]$upn) {
        if (-not $this.Members.Contains($upn.ToLowerInvariant())) {
            $this.Members.Add($upn.ToLowerInvariant())
        }
    }

    [int] MemberCount() {
        return $this.Members.Count
    }
}

class LicensedUser {
    [string]$UserPrincipalName
    [string]$DisplayName
    [string]$Department
    [string]$CostCentreCode
    [datetime]$LastSignIn
    [List[string]]$Skus = [List[string]]::new()
    [bool]$Enabled = $true

    LicensedUser([string]$upn) {
        $this.UserPrincipalName = $upn
    }

    LicensedUser([psobject]$graphUser) {
        $this.UserPrincipalName = $graphUser.userPrincipalName
        $this.DisplayName = $graphUser.displayName
        $this.Department = $graphUser.department
        $this.Enabled = [bool]$graphUser.accountEnabled
        if ($graphUser.signInActivity -and $graphUser.signInActivity.lastSignInDateTime) {
            $this.LastSignIn = [datetime]$graphUser.signInActivity.lastSignInDateTime
        }
        foreach ($l in $graphUser.assignedLicenses) {
            $this.Skus.Add([string]$l.skuId)
        }
    }

    [int] DaysSinceSignIn() {
        if ($this.LastSignIn -eq [datetime]::MinValue) {
            return [int]::MaxValue
        }
        return [int]([datetime]::UtcNow - $this.LastSignIn.ToUniversalTime()).TotalDays
    }

    [bool] IsStale([int]$thresholdDays) {
        return (-not $this.Enabled) -or ($this.DaysSinceSignIn() -gt $thresholdDays)
    }
}

# Base class for every finding the reconciliation produces.
class Finding {
    [string]$Subject
    [string]$Message
    [int]$Severity
    static [int]$Count = 0

    Finding([string]$subject, [string]$message, [int]$severity) {
        $this.Subject = $subject
        $this.Message = $message
        $this.Severity = $severity
        [Finding]::Count++
    }

    [string] Category() {
        return 'General'
    }

    [string] Render() {
        $marker = switch ($this.Severity) {
            { $_ -ge 3 } { '!!!' }
            2 { '!! ' }
            default { '!  ' }
        }
        return '{0} [{1}] {2}: {3}' -f $marker, $this.Category(), $this.Subject, $this.Message
    }
}

class StaleLicenseFinding : Finding {
    [decimal]$MonthlyCost

    StaleLicenseFinding([LicensedUser]$user, [decimal]$cost) : base($user.UserPrincipalName, "no sign-in for $($user.DaysSinceSignIn()) days", 2) {
        $this.MonthlyCost = $cost
    }

    [string] Category() {
        return 'Stale'
    }

    [string] Render() {
        return ([Finding]$this).Render() + (' ({0:C} / month)' -f $this.MonthlyCost)
    }
}

class OverAllocationFinding : Finding {
    OverAllocationFinding([SkuInfo]$sku) : base($sku.FriendlyName, "consumed $($sku.Consumed) of $($sku.Purchased)", 3) {
    }

    [string] Category() {
        return 'Capacity'
    }
}

class DuplicateLicenseFinding : Finding {
    [string[]]$Overlapping

    DuplicateLicenseFinding([string]$upn, [string[]]$overlapping) : base($upn, 'redundant SKUs assigned', 1) {
        $this.Overlapping = $overlapping
    }

    [string] Category() {
        return 'Duplicate'
    }
}

class LicenseInventory {
    [Dictionary[string, SkuInfo]]$Skus = [Dictionary[string, SkuInfo]]::new([StringComparer]::OrdinalIgnoreCase)
    [List[LicensedUser]]$Users = [List[LicensedUser]]::new()
    [List[Finding]]$Findings = [List[Finding]]::new()
    [int]$StaleThresholdDays = 60
    hidden [hashtable]$PriceList

    LicenseInventory([hashtable]$priceList) {
        $this.PriceList = $priceList
    }

    [void] AddSku([SkuInfo]$sku) {
        if ($this.PriceList.ContainsKey($sku.PartNumber)) {
            $sku.MonthlyPrice = [decimal]$this.PriceList[$sku.PartNumber]
        }
        $this.Skus[$sku.SkuId] = $sku
    }

    [void] AddUser([LicensedUser]$user) {
        $this.Users.Add($user)
    }

    [decimal] MonthlyCostOf([LicensedUser]$user) {
        $sum = [decimal]0
        foreach ($id in $user.Skus) {
            $sku = $null
            if ($this.Skus.TryGetValue($id, [ref]$sku)) {
                $sum += $sku.MonthlyPrice
            }
        }
        return $sum
    }

    [void] Analyse() {
        $this.Findings.Clear()

        foreach ($sku in $this.Skus.Values) {
            if ($sku.Consumed -gt $sku.Purchased) {
                $this.Findings.Add([OverAllocationFinding]::new($sku))
            }
        }

        # Users holding both E3 and a standalone Exchange plan pay twice for a mailbox.
        $exchangeOnly = @($this.Skus.Values | Where-Object { $_.PartNumber -like 'EXCHANGE*' } | ForEach-Object SkuId)
        $suites = @($this.Skus.Values | Where-Object { $_.PartNumber -like 'SPE_*' } | ForEach-Object SkuId)

        foreach ($u in $this.Users) {
            if ($u.IsStale($this.StaleThresholdDays) -and $u.Skus.Count -gt 0) {
                $this.Findings.Add([StaleLicenseFinding]::new($u, $this.MonthlyCostOf($u)))
            }
            $hasSuite = $false
            $extra = [List[string]]::new()
            foreach ($s in $u.Skus) {
                if ($suites -contains $s) { $hasSuite = $true }
                if ($exchangeOnly -contains $s) { $extra.Add($this.Skus[$s].FriendlyName) }
            }
            if ($hasSuite -and $extra.Count -gt 0) {
                $this.Findings.Add([DuplicateLicenseFinding]::new($u.UserPrincipalName, $extra.ToArray()))
            }
        }
    }

    [decimal] PotentialSavings() {
        $total = [decimal]0
        foreach ($f in $this.Findings) {
            if ($f -is [StaleLicenseFinding]) {
                $total += $f.MonthlyCost
            }
        }
        return $total
    }

    [string] Summary() {
        $sb = [StringBuilder]::new()
        [void]$sb.AppendLine('Licence inventory')
        [void]$sb.AppendLine(('=' * 40))
        foreach ($sku in ($this.Skus.Values | Sort-Object FriendlyName)) {
            [void]$sb.AppendFormat('{0,-40} {1,5} / {2,5}  {3,6:P0}', $sku.FriendlyName, $sku.Consumed, $sku.Purchased, $sku.Utilisation())
            [void]$sb.AppendLine()
        }
        [void]$sb.AppendLine()
        $groups = $this.Findings | Group-Object { $_.Category() } | Sort-Object Name
        foreach ($g in $groups) {
            [void]$sb.AppendLine(('{0}: {1}' -f $g.Name, $g.Count))
        }
        [void]$sb.AppendLine(('Potential monthly savings: {0:C}' -f $this.PotentialSavings()))
        return $sb.ToString()
    }

    static [LicenseInventory] FromJson([string]$path, [hashtable]$priceList) {
        $data = Get-Content -Path $path -Raw | ConvertFrom-Json
        $inv = [LicenseInventory]::new($priceList)
        foreach ($s in $data.skus) {
            $sku = [SkuInfo]::new($s.skuPartNumber, [int]$s.prepaidUnits.enabled, [int]$s.consumedUnits)
            $sku.SkuId = $s.skuId
            $inv.AddSku($sku)
        }
        foreach ($u in $data.users) {
            $inv.AddUser([LicensedUser]::new([psobject]$u))
        }
        return $inv
    }
}

# Non-generic IComparer: a generic one closed over a class from this same file does not
# resolve reliably in Windows PowerShell 5.1.
class FindingComparer : System.Collections.IComparer {
    [int] Compare([object]$x, [object]$y) {
        $bySeverity = $y.Severity.CompareTo($x.Severity)
        if ($bySeverity -ne 0) {
            return $bySeverity
        }
        return [string]::Compare($x.Subject, $y.Subject, [StringComparison]::OrdinalIgnoreCase)
    }
}

function Invoke-LicenseReconciliation {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)]
        [ValidateScript({ Test-Path $_ -PathType Leaf })]
        [string]$SnapshotPath,

        [hashtable]$PriceList = @{ SPE_E3 = 33.0; SPE_E5 = 54.75; EXCHANGESTANDARD = 4.0; EXCHANGEENTERPRISE = 8.0; POWER_BI_PRO = 10.0 },

        [ValidateRange(14, 365)]
        [int]$StaleDays = 60
    )

    $inventory = [LicenseInventory]::FromJson($SnapshotPath, $PriceList)
    $inventory.StaleThresholdDays = $StaleDays
    $inventory.Analyse()

    $sorted = [System.Collections.ArrayList]::new($inventory.Findings)
    $sorted.Sort([FindingComparer]::new())

    Write-Host $inventory.Summary()
    foreach ($f in $sorted) {
        Write-Host $f.Render()
    }
    Write-Verbose ("{0} findings created in this session" -f [Finding]::Count)

    $e3 = [SkuInfo]::new('SPE_E3', 10, 9)
    $e3.Services = [ServiceFlag]::Exchange -bor [ServiceFlag]::SharePoint -bor [ServiceFlag]::Teams
    Write-Verbose ("Sample SKU {0} includes Teams: {1}" -f $e3, $e3.Includes([ServiceFlag]::Teams))

    return $inventory
}
