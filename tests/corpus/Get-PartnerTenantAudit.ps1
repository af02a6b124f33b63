<#
.SYNOPSIS
    CSP partner audit: for every customer tenant, checks audit logging, external
    forwarding and admin mailbox MFA registration. Legacy delegated-admin connection.
.NOTES
    Written 2018 for the managed services desk. MSOnline lists the tenants; Exchange is
    reached through the DelegatedOrg remote PowerShell endpoint.
#>
param(
    [pscredential]$PartnerCredential = (Get-Credential -Message 'Partner admin (delegated admin privileges)'),
    [string]$OutputFolder = (Join-Path ([Environment]::GetFolderPath('MyDocuments')) 'PartnerAudit'),
    [string[]]$SkipTenant = @()
)

Import-Module MSOnline
Connect-MsolService -Credential $PartnerCredential

if (-not (Test-Path $OutputFolder)) { New-Item -ItemType Directory -Path $OutputFolder | Out-Null }
$stamp = Get-Date -Format 'yyyyMMdd'
$results = @()

$customers = Get-MsolPartnerContract -All | Sort-Object Name
$n = 0
foreach ($customer in $customers) {
    $n++
    $domain = $customer.DefaultDomainName
    if ($SkipTenant -contains $domain) { continue }
    Write-Progress -Activity 'Auditing tenants' -Status $customer.Name -PercentComplete ($n / $customers.Count * 100)

    try {
        $Session = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri "https://outlook.office365.com/powershell-liveid?DelegatedOrg=$domain" -Credential $PartnerCredential -Authentication Basic -AllowRedirection -ErrorAction Stop
    }
    catch {
        Write-Warning "$($customer.Name): cannot connect ($($_.Exception.Message))"
        $results += [PSCustomObject]@{ Tenant = $customer.Name; Domain = $domain; Error = $_.Exception.Message }
        continue
    }
    Import-PSSession $Session -AllowClobber -DisableNameChecking -CommandName Get-AdminAuditLogConfig, Get-OrganizationConfig, Get-Mailbox, Get-RemoteDomain, Get-TransportRule | Out-Null

    $audit = Get-AdminAuditLogConfig
    $org = Get-OrganizationConfig
    $fwdMailboxes = @(Get-Mailbox -ResultSize Unlimited -Filter { ForwardingSmtpAddress -ne $null })
    $autoForward = Get-RemoteDomain -Identity Default
    $redirectRules = @(Get-TransportRule | Where-Object { $_.RedirectMessageTo -or $_.BlindCopyTo })

    $admins = Get-MsolRoleMember -TenantId $customer.TenantId -RoleObjectId (Get-MsolRole -RoleName 'Company Administrator' -TenantId $customer.TenantId).ObjectId
    $noMfa = foreach ($a in $admins) {
        $u = Get-MsolUser -TenantId $customer.TenantId -ObjectId $a.ObjectId
        if (-not $u.StrongAuthenticationMethods) { $u.UserPrincipalName }
    }

    $results += [PSCustomObject]@{
        Tenant               = $customer.Name
        Domain               = $domain
        UnifiedAuditLog      = $audit.UnifiedAuditLogIngestionEnabled
        MailboxAuditDefault  = -not $org.AuditDisabled
        AutoForwardDefault   = $autoForward.AutoForwardEnabled
        ForwardingMailboxes  = $fwdMailboxes.Count
        RedirectRules        = $redirectRules.Count
        AdminsWithoutMfa     = ($noMfa -join '; ')
        Error                = $null
    }

    Remove-PSSession $Session
}
Write-Progress -Activity 'Auditing tenants' -Completed

$csv = Join-Path $OutputFolder "partner-audit-$stamp.csv"
$results | Export-Csv -Path $csv -NoTypeInformation
$flagged = $results | Where-Object { $_.Error -or -not $_.UnifiedAuditLog -or $_.AutoForwardDefault -or $_.AdminsWithoutMfa }
Write-Host ("{0} tenants audited, {1} need attention. Report: {2}" -f $results.Count, @($flagged).Count, $csv)
