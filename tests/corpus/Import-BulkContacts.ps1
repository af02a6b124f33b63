<#
.SYNOPSIS
    Creates or updates Exchange Online mail contacts from a partner directory CSV.
.DESCRIPTION
    Validates every row first and stops before changing anything if a row is invalid, so a
    half-imported file never happens. Runs against Exchange Online with certificate auth.
.PARAMETER Path
    CSV with columns Name, Email, Company, Phone, Department.
.EXAMPLE
    .\Import-BulkContacts.ps1 -Path .\partners.csv -WhatIf
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory, Position = 0)]
    [ValidateScript({ Test-Path -LiteralPath $_ -PathType Leaf })]
    [string]$Path,

    [string]$Organization = 'contoso.onmicrosoft.com',
    [string]$AppId = 'c1d7a1f0-9b2e-4b5c-8f3e-2a7d9e4b6c10',
    [string]$Thumbprint = 'A1B2C3D4E5F60718293A4B5C6D7E8F9012345678',
    [string]$HiddenGroup = 'Partner Contacts'
)

Import-Module ExchangeOnlineManagement -MinimumVersion 3.0.0
Connect-ExchangeOnline -AppId $AppId -CertificateThumbprint $Thumbprint -Organization $Organization -ShowBanner:$false

$emailRegex = '^[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}$'
$rows = Import-Csv -LiteralPath $Path
$errors = [System.Collections.Generic.List[string]]::new()
$seen = @{}

for ($i = 0; $i -lt $rows.Count; $i++) {
    $r = $rows[$i]
    $line = $i + 2
    if ([string]::IsNullOrWhiteSpace($r.Name)) { $errors.Add("line ${line}: Name is empty") }
    if ($r.Email -notmatch $emailRegex) { $errors.Add("line ${line}: '$($r.Email)' is not an address") }
    elseif ($seen.ContainsKey($r.Email.ToLower())) { $errors.Add("line ${line}: duplicate of line $($seen[$r.Email.ToLower()])") }
    else { $seen[$r.Email.ToLower()] = $line }
    if ($r.Phone -and $r.Phone -notmatch '^\+?[\d\s\-()]{6,20}$') { $errors.Add("line ${line}: phone '$($r.Phone)' looks wrong") }
}

if ($errors.Count) {
    $errors | ForEach-Object { Write-Warning $_ }
    Disconnect-ExchangeOnline -Confirm:$false
    throw "$($errors.Count) validation error(s); nothing was changed."
}

$existing = @{}
Get-MailContact -ResultSize Unlimited | ForEach-Object { $existing[$_.ExternalEmailAddress.ToString().Replace('SMTP:', '').ToLower()] = $_ }

$created = 0; $updated = 0; $unchanged = 0
foreach ($r in $rows) {
    $key = $r.Email.ToLower()
    $alias = ($r.Email -split '@')[0] -replace '[^\w\-]', ''
    if (-not $existing.ContainsKey($key)) {
        if ($PSCmdlet.ShouldProcess($r.Email, 'New-MailContact')) {
            $c = New-MailContact -Name $r.Name -ExternalEmailAddress $r.Email -Alias "ext-$alias"
            Set-Contact -Identity $c.Identity -Company $r.Company -Phone $r.Phone -Department $r.Department
            Set-MailContact -Identity $c.Identity -HiddenFromAddressListsEnabled $false -CustomAttribute1 'PartnerImport'
            Add-DistributionGroupMember -Identity $HiddenGroup -Member $c.Identity -BypassSecurityGroupManagerCheck
            $created++
        }
        continue
    }

    $contact = Get-Contact -Identity $existing[$key].Identity
    $changes = @{}
    foreach ($field in 'Company', 'Phone', 'Department') {
        if ([string]$contact.$field -ne [string]$r.$field) { $changes[$field] = $r.$field }
    }
    if ($changes.Count -eq 0) { $unchanged++; continue }
    if ($PSCmdlet.ShouldProcess($r.Email, "Set-Contact $($changes.Keys -join ', ')")) {
        Set-Contact -Identity $contact.Identity @changes
        $updated++
    }
}

Write-Host ("Created {0}, updated {1}, unchanged {2}" -f $created, $updated, $unchanged)
Disconnect-ExchangeOnline -Confirm:$false
