<#
.SYNOPSIS
    Finds distribution groups that are empty, ownerless, unused or open to external
    senders, using the modern EXO module and message trace data.
.EXAMPLE
    .\Get-DistributionGroupAudit.ps1 -UserPrincipalName admin@contoso.com -Days 10
#>
#Requires -Modules ExchangeOnlineManagement
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [string]$UserPrincipalName,

    [ValidateRange(1, 10)]
    [int]$Days = 10,

    [string]$OutFile = ".\dg-audit-$(Get-Date -Format yyyyMMdd).csv"
)

Connect-ExchangeOnline -UserPrincipalName $UserPrincipalName -ShowBanner:$false

try {
    $groups = Get-DistributionGroup -ResultSize Unlimited
    Write-Host "$($groups.Count) distribution groups"

    # One message trace over all groups is far cheaper than one per group.
    $usage = @{}
    $page = 1
    do {
        $batch = Get-MessageTrace -StartDate (Get-Date).AddDays(-$Days) -EndDate (Get-Date) -PageSize 5000 -Page $page
        foreach ($msg in $batch) {
            $key = $msg.RecipientAddress.ToLower()
            $usage[$key] = 1 + [int]$usage[$key]
        }
        $page++
    } while ($batch.Count -eq 5000 -and $page -le 1000)

    $report = foreach ($g in $groups) {
        $members = @(Get-DistributionGroupMember -Identity $g.Identity -ResultSize Unlimited)
        $addr = $g.PrimarySmtpAddress.ToString().ToLower()
        $findings = [System.Collections.Generic.List[string]]::new()

        if ($members.Count -eq 0) { $findings.Add('Empty') }
        if (-not $g.ManagedBy -or ($g.ManagedBy | Where-Object { $_ -match 'Organization Management' })) { $findings.Add('NoOwner') }
        if (-not $g.RequireSenderAuthenticationEnabled) { $findings.Add('ExternalSenders') }
        if (-not $usage.ContainsKey($addr)) { $findings.Add("Unused${Days}d") }
        $nested = @($members | Where-Object { $_.RecipientType -like '*Group*' })
        if ($nested.Count -gt 0) { $findings.Add("Nested($($nested.Count))") }

        [PSCustomObject]@{
            Name            = $g.DisplayName
            Address         = $addr
            Members         = $members.Count
            Owners          = $g.ManagedBy -join '; '
            Messages        = [int]$usage[$addr]
            ExternalAllowed = -not $g.RequireSenderAuthenticationEnabled
            Findings        = $findings -join ', '
        }
    }

    $report | Sort-Object Findings, Name | Export-Csv -Path $OutFile -NoTypeInformation -Encoding UTF8
    $report | Group-Object { ($_.Findings -split ', ')[0] } | Sort-Object Count -Descending |
        Format-Table @{ n = 'First finding'; e = { if ($_.Name) { $_.Name } else { '(none)' } } }, Count -AutoSize
}
finally {
    Disconnect-ExchangeOnline -Confirm:$false
}
