# 26-oauth-token-literal.ps1
# Demonstrates: the appendix's "New-PSSession with OAuth token" lines as people pasted
# them: the encoded token itself is a string literal in the script (SEC001 as well as
# EXO005), no "Bearer " prefix, and the user name is a literal in the PSCredential.
# The work part lists mailboxes whose audit bypass is switched on.

$oauthTokenAsPassword = ConvertTo-SecureString '<EncodedOAuthToken>' -AsPlainText -Force

$o365cred = New-Object System.Management.Automation.PSCredential ("admin@contoso.onmicrosoft.com", $oauthTokenAsPassword)

$Session = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri https://outlook.office365.com/PowerShell-LiveID/?BasicAuthToOAuthConversion=true -Credential $o365cred -Authentication Basic -AllowRedirection

Import-PSSession $Session

Get-Mailbox -ResultSize Unlimited | ForEach-Object {
    $bypass = Get-MailboxAuditBypassAssociation -Identity $_.Identity
    if ($bypass.AuditBypassEnabled) {
        [PSCustomObject]@{
            Mailbox = $_.PrimarySmtpAddress
            Bypass  = $true
        }
    }
} | Export-Csv -Path .\audit-bypass.csv -NoTypeInformation

Remove-PSSession $Session
