<#
.SYNOPSIS
    Disables and later deletes Active Directory user and computer accounts that have not
    logged on for a configurable number of days.
.DESCRIPTION
    Stage 1 disables the account, moves it to the quarantine OU and stamps the date in
    extensionAttribute15. Stage 2 deletes accounts that have been quarantined for longer
    than -DeleteAfterDays. Both stages honour -WhatIf.
.PARAMETER SearchBase
    OUs to search.
.PARAMETER InactiveDays
    Logon age after which an account is disabled.
.PARAMETER DeleteAfterDays
    Quarantine age after which an account is deleted.
.PARAMETER ObjectType
    User, Computer or both.
.EXAMPLE
    .\Remove-StaleAdAccounts.ps1 -InactiveDays 120 -WhatIf
.EXAMPLE
    .\Remove-StaleAdAccounts.ps1 -ObjectType Computer -Confirm:$false -Verbose
#>
#Requires -Version 5.1
#Requires -Modules ActiveDirectory

[CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
param(
    [string[]]$SearchBase = @('OU=Users,OU=Corp,DC=corp,DC=contoso,DC=com', 'OU=Workstations,OU=Corp,DC=corp,DC=contoso,DC=com'),

    [ValidateRange(30, 3650)]
    [int]$InactiveDays = 90,

    [ValidateRange(7, 365)]
    [int]$DeleteAfterDays = 30,

    [ValidateSet('User', 'Computer', 'Both')]
    [string]$ObjectType = 'Both',

    [string]$QuarantineOu = 'OU=Quarantine,OU=Corp,DC=corp,DC=contoso,DC=com',

    [ValidateScript({
        if (-not (Test-Path (Split-Path $_ -Parent))) { throw "Folder for '$_' does not exist" }
        $true
    })]
    [string]$LogFile = "C:\Logs\StaleAccounts_$(Get-Date -Format yyyyMMdd).csv",

    [string[]]$ExcludeGroup = @('GG-ServiceAccounts', 'GG-NeverExpire')
)

$ErrorActionPreference = 'Stop'
$now = Get-Date
$disableBefore = $now.AddDays(-$InactiveDays)
$deleteBefore = $now.AddDays(-$DeleteAfterDays)
$log = [System.Collections.Generic.List[psobject]]::new()

function Add-LogEntry {
    param($Object, [string]$Action, [string]$Result = 'OK')
    $log.Add([PSCustomObject]@{
        Time           = (Get-Date).ToString('s')
        Class          = $Object.ObjectClass
        SamAccountName = $Object.SamAccountName
        LastLogon      = if ($Object.LastLogonDate) { $Object.LastLogonDate.ToString('yyyy-MM-dd') } else { 'never' }
        Action         = $Action
        Result         = $Result
    })
}

# Members of the exclusion groups are never touched (service accounts, kiosks).
$excluded = [System.Collections.Generic.HashSet[string]]::new([StringComparer]::OrdinalIgnoreCase)
foreach ($g in $ExcludeGroup) {
    Get-ADGroupMember -Identity $g -Recursive | ForEach-Object { [void]$excluded.Add($_.SamAccountName) }
}
Write-Verbose "$($excluded.Count) accounts excluded via groups"

$classes = switch ($ObjectType) {
    'User' { , 'user' }
    'Computer' { , 'computer' }
    default { 'user', 'computer' }
}

$candidates = foreach ($base in $SearchBase) {
    foreach ($class in $classes) {
        $props = 'LastLogonDate', 'whenCreated', 'Enabled', 'extensionAttribute15', 'Description'
        $filter = { Enabled -eq $true -and ((LastLogonDate -lt $disableBefore) -or (LastLogonDate -notlike '*')) }
        if ($class -eq 'user') {
            Get-ADUser -SearchBase $base -Filter $filter -Properties $props
        }
        else {
            Get-ADComputer -SearchBase $base -Filter $filter -Properties $props
        }
    }
}

# Accounts created recently have no logon yet; give them the same grace period.
$candidates = $candidates | Where-Object {
    $_.whenCreated -lt $disableBefore -and -not $excluded.Contains($_.SamAccountName)
}

Write-Host ("Stage 1: {0} account(s) to disable" -f @($candidates).Count)
$i = 0
foreach ($acct in $candidates) {
    $i++
    Write-Progress -Activity 'Disabling stale accounts' -Status $acct.SamAccountName -PercentComplete ($i / @($candidates).Count * 100)
    if ($PSCmdlet.ShouldProcess($acct.DistinguishedName, 'Disable and move to quarantine')) {
        try {
            $stamp = 'Quarantined {0:yyyy-MM-dd} by {1}' -f $now, $env:USERNAME
            Set-ADObject -Identity $acct.DistinguishedName -Replace @{ extensionAttribute15 = $now.ToString('yyyy-MM-dd') } -Description $stamp
            Disable-ADAccount -Identity $acct.DistinguishedName
            Move-ADObject -Identity $acct.DistinguishedName -TargetPath $QuarantineOu
            Add-LogEntry $acct 'Disable'
        }
        catch {
            Add-LogEntry $acct 'Disable' "FAILED: $($_.Exception.Message)"
            Write-Warning "$($acct.SamAccountName): $($_.Exception.Message)"
        }
    }
}
Write-Progress -Activity 'Disabling stale accounts' -Completed

$quarantined = Get-ADObject -SearchBase $QuarantineOu -LDAPFilter '(extensionAttribute15=*)' -Properties extensionAttribute15, objectClass, SamAccountName, LastLogonDate
$toDelete = foreach ($q in $quarantined) {
    $date = [datetime]::MinValue
    $ok = [datetime]::TryParseExact($q.extensionAttribute15, 'yyyy-MM-dd', [cultureinfo]::InvariantCulture, [System.Globalization.DateTimeStyles]::None, [ref]$date)
    if ($ok -and $date -lt $deleteBefore) { $q }
}

Write-Host ("Stage 2: {0} account(s) to delete" -f @($toDelete).Count)
foreach ($acct in $toDelete) {
    if ($PSCmdlet.ShouldProcess($acct.DistinguishedName, 'Delete')) {
        try {
            Remove-ADObject -Identity $acct.DistinguishedName -Recursive -Confirm:$false
            Add-LogEntry $acct 'Delete'
        }
        catch [Microsoft.ActiveDirectory.Management.ADException] {
            Add-LogEntry $acct 'Delete' "FAILED: $($_.Exception.Message)"
        }
    }
}

if ($log.Count -gt 0) {
    $log | Export-Csv -Path $LogFile -NoTypeInformation -Append
    Write-Host "Logged $($log.Count) action(s) to $LogFile"
}
