# 21-function-shadows-connect-exchangeonline.ps1
# Demonstrates: a user function named Connect-ExchangeOnline that shadows the
# module cmdlet (EXO010). Rewritten calls inside it must be module-qualified,
# otherwise the function would call itself.

function Connect-ExchangeOnline {
    param(
        [pscredential]$Login
    )
    $o = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri https://outlook.office365.com/powershell-liveid/ -Credential $Login -Authentication Basic -AllowRedirection
    Import-Module (Import-PSSession $o -AllowClobber -DisableNameChecking) -Global
}

function Disconnect-ExchangeOnline {
    Get-PSSession | Where-Object { $_.ConfigurationName -eq 'Microsoft.Exchange' } | Remove-PSSession
}

Connect-ExchangeOnline -Login (Get-Credential)

$threshold = 50GB
Get-Mailbox -ResultSize Unlimited | Get-MailboxStatistics |
    Where-Object { $_.TotalItemSize.Value.ToBytes() -gt $threshold } |
    Sort-Object { $_.TotalItemSize.Value.ToBytes() } -Descending |
    Select-Object DisplayName, TotalItemSize, ItemCount

Disconnect-ExchangeOnline
