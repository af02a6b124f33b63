# 05-csp-delegatedorg-oauth-token.ps1
# Demonstrates: the CSP "New-PSSession with OAuth token" example inside a partner
# loop: DelegatedOrg, BasicAuthToOAuthConversion and the SystemMailbox email in one
# interpolated query string, the token passed as "Bearer <token>" in the password.

param(
    [string]$CustomerList = '.\customers.csv',
    [string]$PartnerUpn = 'admin@contoso.onmicrosoft.com'
)

. .\Get-PartnerToken.ps1
$customers = Import-Csv -Path $CustomerList
$results = [System.Collections.Generic.List[object]]::new()

foreach ($cust in $customers) {
    $tok = Get-PartnerToken -Tenant $cust.TenantId -Resource 'https://outlook.office365.com'
    $pw = ConvertTo-SecureString "Bearer $($tok.AccessToken)" -AsPlainText -Force
    $tc = New-Object System.Management.Automation.PSCredential($PartnerUpn, $pw)

    $s = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri "https://outlook.office365.com/PowerShell-LiveID/?DelegatedOrg=$($cust.Domain)&BasicAuthToOAuthConversion=true&email=SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@$($cust.Domain)" -Credential $tc -Authentication Basic -AllowRedirection
    Import-PSSession $s -AllowClobber -DisableNameChecking | Out-Null

    $org = Get-OrganizationConfig
    $results.Add([PSCustomObject]@{
        Customer             = $cust.Domain
        AuditDisabled        = $org.AuditDisabled
        OAuth2ClientProfile  = $org.OAuth2ClientProfileEnabled
        MailboxCount         = @(Get-Mailbox -ResultSize Unlimited).Count
    })

    Remove-PSSession $s
}

$results | Format-Table -AutoSize
$results | Export-Csv -Path .\partner-org-config.csv -NoTypeInformation
