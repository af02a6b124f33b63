# 03-oauth-token-as-password.ps1
# Demonstrates: the "New-PSSession with OAuth token" example: an access token
# smuggled through Basic authentication as the password, with
# ?BasicAuthToOAuthConversion=true on the URI. The token comes from ADAL via a
# helper script; the "Bearer " prefix is part of the password.

param(
    [Parameter(Mandatory = $true)]
    [string]$AdminUpn,

    [string]$TokenCache = "$env:LOCALAPPDATA\exo-token.json"
)

$tok = Get-Content -Path $TokenCache -Raw | ConvertFrom-Json
if ([datetime]$tok.ExpiresOn -lt (Get-Date)) {
    throw "Cached token in $TokenCache has expired; run Get-ExoToken.ps1 first."
}

$oauthTokenAsPassword = ConvertTo-SecureString "Bearer $($tok.AccessToken)" -AsPlainText -Force
$o365cred = New-Object System.Management.Automation.PSCredential ($AdminUpn, $oauthTokenAsPassword)

$Session = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri https://outlook.office365.com/PowerShell-LiveID/?BasicAuthToOAuthConversion=true -Credential $o365cred -Authentication Basic -AllowRedirection
Import-PSSession $Session -DisableNameChecking | Out-Null

# Shared mailboxes that still have a licence assigned are a common cost leak.
Get-Mailbox -RecipientTypeDetails SharedMailbox -ResultSize Unlimited |
    Where-Object { $_.SKUAssigned -eq $true } |
    Select-Object DisplayName, PrimarySmtpAddress, WhenCreated |
    Export-Csv -Path .\LicensedSharedMailboxes.csv -NoTypeInformation

Remove-PSSession $Session
