# 02-basic-plaintext-password.ps1
# Demonstrates: the "Basic authentication" example of the old comparison table:
# a literal password turned into a SecureString with ConvertTo-SecureString
# -AsPlainText -Force (flagged by SEC001, never silently kept), a PSCredential
# built with New-Object, then the New-PSSession/Import-PSSession pair.
# The work part disables POP and IMAP for every new hire created this week.

$secpasswd = ConvertTo-SecureString 'P@ssw0rd-Change-Me' -AsPlainText -Force
$o365cred = New-Object System.Management.Automation.PSCredential ("admin@contoso.onmicrosoft.com", $secpasswd)

$Session = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri https://outlook.office365.com/PowerShell-LiveID/ -Credential $o365cred -Authentication Basic -AllowRedirection
Import-PSSession $Session

$since = (Get-Date).AddDays(-7)
$newHires = Get-Mailbox -ResultSize Unlimited -Filter "WhenCreated -gt '$since'"

foreach ($hire in $newHires) {
    $cas = Get-CASMailbox -Identity $hire.Identity
    if ($cas.PopEnabled -or $cas.ImapEnabled) {
        Set-CASMailbox -Identity $hire.Identity -PopEnabled $false -ImapEnabled $false
        Write-Output ("{0}: POP/IMAP disabled" -f $hire.PrimarySmtpAddress)
    }
    else {
        Write-Output ("{0}: already compliant" -f $hire.PrimarySmtpAddress)
    }
}

Get-PSSession | Remove-PSSession
