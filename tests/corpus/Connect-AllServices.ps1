<#
    Connect-AllServices.ps1
    Old "connect to everything" script from the admin share, dot-sourced at the start of
    every shift. MSOnline, Azure AD, SharePoint, Skype for Business, Exchange Online and
    Security & Compliance with one credential prompt.
#>
param(
    [string]$Tenant = 'contoso',
    [switch]$SkipSkype
)

$credential = Get-Credential -Message 'Office 365 global admin'

Import-Module MSOnline
Connect-MsolService -Credential $credential

Import-Module AzureAD
Connect-AzureAD -Credential $credential | Out-Null

Import-Module Microsoft.Online.SharePoint.PowerShell -DisableNameChecking
Connect-SPOService -Url "https://$Tenant-admin.sharepoint.com" -Credential $credential

if (-not $SkipSkype) {
    Import-Module SkypeOnlineConnector
    $sfboSession = New-CsOnlineSession -Credential $credential -OverrideAdminDomain "$Tenant.onmicrosoft.com"
    Import-PSSession $sfboSession -AllowClobber | Out-Null
}

$exchangeSession = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri "https://outlook.office365.com/powershell-liveid/" -Credential $credential -Authentication "Basic" -AllowRedirection
Import-PSSession $exchangeSession -DisableNameChecking -AllowClobber | Out-Null

$ccSession = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri "https://ps.compliance.protection.outlook.com/powershell-liveid/" -Credential $credential -Authentication "Basic" -AllowRedirection
Import-PSSession $ccSession -Prefix cc -DisableNameChecking -AllowClobber | Out-Null

$Host.UI.RawUI.WindowTitle = "O365 admin - $Tenant - connected $(Get-Date -Format t)"
Write-Host 'Connected: MSOnline, AzureAD, SharePoint, Exchange, Compliance' -ForegroundColor Green
if (-not $SkipSkype) { Write-Host 'Connected: Skype for Business Online' -ForegroundColor Green }

function global:Disconnect-AllServices {
    Get-PSSession | Remove-PSSession
    Disconnect-SPOService -ErrorAction SilentlyContinue
    Disconnect-AzureAD -ErrorAction SilentlyContinue
    Write-Host 'All sessions closed.'
}
