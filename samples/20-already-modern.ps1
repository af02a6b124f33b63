# 20-already-modern.ps1
# Negative example: already migrated to the ExchangeOnlineManagement module. The
# old connection survives only as a comment and inside a help string; nothing in
# this file may change.

#Requires -Modules ExchangeOnlineManagement

# Old way, kept for reference:
# $Session = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri https://outlook.office365.com/powershell-liveid/ -Credential $c -Authentication Basic -AllowRedirection
# Import-PSSession $Session

$legacyHint = 'If this fails, the old command was: New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri https://outlook.office365.com/powershell-liveid/ -Authentication Basic'

try {
    Connect-ExchangeOnline -UserPrincipalName admin@contoso.onmicrosoft.com -ShowBanner:$false
}
catch {
    Write-Warning $legacyHint
    throw
}

Get-EXOMailbox -ResultSize Unlimited -Properties ArchiveStatus |
    Where-Object { $_.ArchiveStatus -ne 'Active' } |
    Select-Object DisplayName, UserPrincipalName, ArchiveStatus |
    Export-Csv -Path .\no-archive.csv -NoTypeInformation

ExchangeOnlineManagement\Connect-IPPSSession -UserPrincipalName admin@contoso.onmicrosoft.com
Get-Label | Select-Object DisplayName, Priority

Disconnect-ExchangeOnline -Confirm:$false
