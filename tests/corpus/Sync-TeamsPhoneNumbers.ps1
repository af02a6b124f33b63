#Requires -Version 7.2
#Requires -Modules MicrosoftTeams

<#
.SYNOPSIS
    Keeps Teams phone number assignments in line with the HR extract. PowerShell 7 only:
    uses ForEach-Object -Parallel, the ternary and null-coalescing operators and pipeline
    chain operators.
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory)]
    [ValidateScript({ Test-Path $_ }, ErrorMessage = 'HR extract {0} not found')]
    [string]$HrExtract,

    [ValidateRange(1, 32)]
    [int]$ThrottleLimit = 8,

    [string]$PolicyName = 'Global'
)

$ErrorActionPreference = 'Stop'
$PSStyle.OutputRendering = 'PlainText'

Get-Module MicrosoftTeams -ListAvailable | Select-Object -First 1 | Out-Null && Write-Verbose 'Teams module present'
Get-CsTenant -ErrorAction SilentlyContinue | Out-Null || Connect-MicrosoftTeams | Out-Null

$rows = Import-Csv -Path $HrExtract -Delimiter ';'
Write-Host "Read $($rows.Count) rows from $HrExtract"

$normalise = {
    param([string]$Number)
    $digits = $Number -replace '[^\d+]', ''
    $digits.StartsWith('+') ? $digits : "+31$($digits.TrimStart('0'))"
}

# Script blocks cannot cross runspaces, so the parallel workers rebuild it from text.
$normaliseText = $normalise.ToString()
$plan = $rows | Where-Object { $_.Upn -and $_.Phone } | ForEach-Object -ThrottleLimit $ThrottleLimit -Parallel {
    $norm = [scriptblock]::Create($using:normaliseText)
    $wanted = & $norm $_.Phone
    $user = Get-CsOnlineUser -Identity $_.Upn -ErrorAction SilentlyContinue
    $current = ${user}?.LineUri ?? ''
    [PSCustomObject]@{
        Upn     = $_.Upn
        Current = $current -replace '^tel:', ''
        Wanted  = $wanted
        Exists  = $null -ne $user
        Action  = $null -eq $user ? 'Missing' : (($current -replace '^tel:', '') -eq $wanted ? 'None' : 'Assign')
    }
}

$summary = $plan | Group-Object Action -NoElement | Sort-Object Name
$summary | Format-Table -AutoSize

foreach ($p in $plan.Where({ $_.Action -eq 'Assign' })) {
    if ($PSCmdlet.ShouldProcess($p.Upn, "Assign $($p.Wanted)")) {
        try {
            Set-CsPhoneNumberAssignment -Identity $p.Upn -PhoneNumber $p.Wanted -PhoneNumberType DirectRouting
            Grant-CsOnlineVoiceRoutingPolicy -Identity $p.Upn -PolicyName ($PolicyName -eq 'Global' ? $null : $PolicyName)
        }
        catch {
            Write-Warning "$($p.Upn): $($_.Exception.Message)"
        }
    }
}

$missing = $plan.Where({ $_.Action -eq 'Missing' })
$missing.Count -gt 0 ? (Write-Warning "$($missing.Count) users in the extract have no Teams account") : (Write-Host 'All users found')
$env:TEAMS_SYNC_LAST ??= (Get-Date -Format o)
